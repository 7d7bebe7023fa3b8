import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, expectProblem, signUp, startServer, type TestServer } from '../helpers.js';

const SOUP = 1;
const FISH = 13;
const SORBET = 25;
const BREAD = 27;
const PIZZA = 33;
const CHEESE = 38;

async function newFreezer(api: Client, name = 'Main', boxCount = 4): Promise<any> {
  const res = await api.post('/api/v1/freezers', { name, boxCount });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

async function putIn(api: Client, freezerId: number, typeId: number, fields: Record<string, unknown> = {}): Promise<any> {
  const res = await api.post('/api/v1/products', { name: 'Thing', typeId, freezerId, box: 1, quantity: 1, ...fields });
  expect(res.status, res.text).toBe(201);
  return res.body;
}

async function takeOut(api: Client, id: number, body?: Record<string, unknown>): Promise<any> {
  const res = await api.post(`/api/v1/products/${id}/take-out`, body);
  expect(res.status, res.text).toBe(200);
  return res.body;
}

/** 'YYYY-MM' of the month `back` months before the current (UTC) one. */
function monthBack(back: number): string {
  const now = new Date();
  return new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - back, 1)).toISOString().slice(0, 7);
}

describe('general trend', () => {
  // Its own server: the general trend counts every product in the database.
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => server.close());

  it("counts every user's products per type, inside or out, most frequent first", async () => {
    const alice = await signUp(server.url);
    const bob = await signUp(server.url, { language: 'fr' });
    const fa = await newFreezer(alice.api);
    const fb = await newFreezer(bob.api);

    expect((await alice.api.get('/api/v1/trends/general')).body).toEqual([]);

    // bread: 2 + 2 = 4, soup: 1 + 2 = 3 (one of them out), fish: 1, pizza: 2 (bob only)
    await putIn(alice.api, fa.id, BREAD);
    await putIn(alice.api, fa.id, BREAD);
    await putIn(bob.api, fb.id, BREAD);
    await putIn(bob.api, fb.id, BREAD);
    const eaten = await putIn(alice.api, fa.id, SOUP, { dateIn: '2018-01-01' });
    await takeOut(alice.api, eaten.id, { date: '2018-01-05' });
    await putIn(bob.api, fb.id, SOUP);
    await putIn(bob.api, fb.id, SOUP);
    await putIn(alice.api, fa.id, FISH);
    await putIn(bob.api, fb.id, PIZZA);
    await putIn(bob.api, fb.id, PIZZA);

    const res = await alice.api.get('/api/v1/trends/general');
    expect(res.status).toBe(200);
    expect(res.body.map((t: any) => [t.typeId, t.freq])).toEqual([
      [BREAD, 4],
      [SOUP, 3],
      [PIZZA, 2],
      [FISH, 1],
    ]);
    expect(res.body[0]).toEqual({ typeId: BREAD, typeName: 'bread', nameEn: 'bread', nameFr: 'pain', freq: 4 });

    // Bob sees the same counts, with the names in his language.
    const fr = (await bob.api.get('/api/v1/trends/general')).body;
    expect(fr.map((t: any) => [t.typeId, t.freq])).toEqual(res.body.map((t: any) => [t.typeId, t.freq]));
    expect(fr[0].typeName).toBe('pain');

    expect((await alice.api.get('/api/v1/trends/general?limit=2')).body.map((t: any) => t.typeId)).toEqual([BREAD, SOUP]);
    expectProblem(await alice.api.get('/api/v1/trends/general?limit=0'), 400);
    expectProblem(await alice.api.get('/api/v1/trends/general?limit=501'), 400);
  });

  it('counts a product once, however many times portions were taken out of it', async () => {
    const carol = await signUp(server.url);
    const f = await newFreezer(carol.api);
    const before = (await carol.api.get('/api/v1/trends/general')).body.find((t: any) => t.typeId === CHEESE)?.freq ?? 0;
    const p = await putIn(carol.api, f.id, CHEESE, { quantity: 4, dateIn: '2018-01-01' });
    await takeOut(carol.api, p.id, { portions: 1, date: '2018-01-02' });
    await takeOut(carol.api, p.id, { portions: 1, date: '2018-01-03' });
    const after = (await carol.api.get('/api/v1/trends/general')).body.find((t: any) => t.typeId === CHEESE)?.freq;
    expect(after).toBe(before + 1);
  });

  it('stays equal to a recount of the products table through every kind of write', async () => {
    const { api } = await signUp(server.url);
    const freezer = await newFreezer(api, 'Counted', 3);
    const a = await putIn(api, freezer.id, PIZZA, { quantity: 4 });
    const b = await putIn(api, freezer.id, CHEESE, { quantity: 2 });
    const c = await putIn(api, freezer.id, PIZZA, { quantity: 1 });
    const partial = await takeOut(api, a.id, { portions: 1 });
    await takeOut(api, a.id, { portions: 1 });
    expect((await api.post(`/api/v1/products/${partial.takenOut.id}/undo-take-out`)).status).toBe(200);
    expect((await api.patch(`/api/v1/products/${b.id}`, { typeId: BREAD })).status).toBe(200);
    // a history row restored on its own once its product has gone becomes a product of its own
    const d = await putIn(api, freezer.id, FISH, { quantity: 3 });
    const dPart = await takeOut(api, d.id, { portions: 2 });
    await takeOut(api, d.id);
    expect((await api.post(`/api/v1/products/${dPart.takenOut.id}/undo-take-out`)).status).toBe(200);
    expect((await api.delete(`/api/v1/products/${c.id}`)).status).toBe(204);

    const expected = (
      await sql`select type_id as "typeId", count(*) as freq from products where source_product_id is null group by type_id order by freq desc, type_id`.execute(server.app.db)
    ).rows;
    const answer = (await api.get('/api/v1/trends/general')).body.map((t: any) => ({ typeId: t.typeId, freq: t.freq }));
    expect(answer).toEqual(expected);
    expect(answer.find((t: any) => t.typeId === FISH)?.freq).toBeGreaterThanOrEqual(2);
  });
});

describe('personal trends, eat first, consumption', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => server.close());

  it("personal trend: only the caller's products, latest take-out per type, latest first then most frequent", async () => {
    const me = await signUp(server.url);
    const other = await signUp(server.url);
    const f1 = await newFreezer(me.api, 'Kitchen');
    const f2 = await newFreezer(me.api, 'Garage');
    const fo = await newFreezer(other.api, 'Theirs');

    expect((await me.api.get('/api/v1/trends/personal')).body).toEqual([]);

    // soup: 3 products, one out on 2018-03-01
    const soup = await putIn(me.api, f1.id, SOUP, { dateIn: '2018-01-01' });
    await takeOut(me.api, soup.id, { date: '2018-03-01' });
    await putIn(me.api, f1.id, SOUP);
    await putIn(me.api, f2.id, SOUP);
    // cheese: 2 products, the latest out on 2018-03-01 (same as soup, less frequent)
    const cheese1 = await putIn(me.api, f2.id, CHEESE, { dateIn: '2018-01-01' });
    await takeOut(me.api, cheese1.id, { date: '2018-02-01' });
    const cheese2 = await putIn(me.api, f2.id, CHEESE, { dateIn: '2018-01-01', quantity: 3 });
    await takeOut(me.api, cheese2.id, { date: '2018-03-01', portions: 1 });
    // bread: 1 product, out on 2018-05-01 (the latest)
    const bread = await putIn(me.api, f1.id, BREAD, { dateIn: '2018-01-01' });
    await takeOut(me.api, bread.id, { date: '2018-05-01' });
    // fish: 2 inside, sorbet: 1 inside; never taken out
    await putIn(me.api, f1.id, FISH);
    await putIn(me.api, f2.id, FISH);
    await putIn(me.api, f1.id, SORBET);
    // someone else's products: ignored, even a later take-out of soup
    const theirs = await putIn(other.api, fo.id, SOUP, { dateIn: '2018-01-01' });
    await takeOut(other.api, theirs.id, { date: '2018-12-01' });
    await putIn(other.api, fo.id, PIZZA);
    await putIn(other.api, fo.id, PIZZA);

    const res = await me.api.get('/api/v1/trends/personal');
    expect(res.status).toBe(200);
    expect(res.body.map((t: any) => [t.typeId, t.freq, t.latest])).toEqual([
      [BREAD, 1, '2018-05-01'],
      [SOUP, 3, '2018-03-01'],
      [CHEESE, 2, '2018-03-01'],
      [FISH, 2, null],
      [SORBET, 1, null],
    ]);
    expect(res.body[1]).toEqual({ typeId: SOUP, typeName: 'soup', nameEn: 'soup', nameFr: 'soupe', freq: 3, latest: '2018-03-01' });

    const theirTrend = (await other.api.get('/api/v1/trends/personal')).body;
    expect(theirTrend.map((t: any) => [t.typeId, t.freq, t.latest])).toEqual([
      [SOUP, 1, '2018-12-01'],
      [PIZZA, 2, null],
    ]);
    expect((await me.api.get('/api/v1/trends/personal?limit=1')).body.map((t: any) => t.typeId)).toEqual([BREAD]);
  });

  it("eat first: the caller's products inside, by due date, most overdue first", async () => {
    const me = await signUp(server.url);
    const other = await signUp(server.url);
    const f = await newFreezer(me.api);
    const fo = await newFreezer(other.api);
    const fresh = await putIn(me.api, f.id, SOUP, { name: 'Fresh', periodMonths: 6 });
    const old = await putIn(me.api, f.id, SOUP, { name: 'Old', dateIn: '2018-01-01', periodMonths: 1 });
    const oldest = await putIn(me.api, f.id, FISH, { name: 'Oldest', dateIn: '2017-06-01', periodMonths: 2 });
    const middle = await putIn(me.api, f.id, BREAD, { name: 'Middle', dateIn: '2019-01-01', periodMonths: 3 });
    const eaten = await putIn(me.api, f.id, SOUP, { name: 'Eaten', dateIn: '2016-01-01', periodMonths: 1 });
    await takeOut(me.api, eaten.id, { date: '2016-01-10' });
    // partial take-out: the rest stays in the list, the history row does not
    const partial = await putIn(me.api, f.id, SOUP, { name: 'Partial', dateIn: '2018-06-01', periodMonths: 1, quantity: 3 });
    await takeOut(me.api, partial.id, { portions: 2, date: '2018-06-02' });
    await putIn(other.api, fo.id, SOUP, { name: 'Not mine', dateIn: '2015-01-01', periodMonths: 1 });

    const res = await me.api.get('/api/v1/trends/eat-first');
    expect(res.status).toBe(200);
    expect(res.body.map((p: any) => [p.name, p.dueDate, p.overdue, p.quantity])).toEqual([
      ['Oldest', '2017-08-01', true, 1],
      ['Old', '2018-02-01', true, 1],
      ['Partial', '2018-07-01', true, 1],
      ['Middle', '2019-04-01', true, 1],
      ['Fresh', fresh.dueDate, false, 1],
    ]);
    expect(res.body.map((p: any) => p.id)).toEqual([oldest.id, old.id, partial.id, middle.id, fresh.id]);
    expect(res.body.every((p: any) => p.inside === true && p.dateOut === null)).toBe(true);
    expect((await me.api.get('/api/v1/trends/eat-first?limit=2')).body.map((p: any) => p.name)).toEqual(['Oldest', 'Old']);
    expectProblem(await me.api.get('/api/v1/trends/eat-first?limit=201'), 400);
  });

  it('consumption: the last 12 months by default, this month last, zeros filled in', async () => {
    const me = await signUp(server.url);
    const res = await me.api.get('/api/v1/trends/consumption');
    expect(res.status).toBe(200);
    expect(res.body).toHaveLength(12);
    expect(res.body.map((m: any) => m.month)).toEqual(Array.from({ length: 12 }, (_, i) => monthBack(11 - i)));
    expect(res.body.every((m: any) => m.portions === 0 && m.products === 0)).toBe(true);
    expect(res.body[11].month).toBe(new Date().toISOString().slice(0, 7));
  });

  it('consumption: counts portions and take-outs per month, from the caller\u2019s freezers only', async () => {
    const me = await signUp(server.url);
    const other = await signUp(server.url);
    const f = await newFreezer(me.api);
    const fo = await newFreezer(other.api);
    const dateIn = `${monthBack(14)}-01`;
    const m1 = monthBack(1);
    const m3 = monthBack(3);

    // previous month: 2 portions + 1 portion of one product (two take-outs)
    const a = await putIn(me.api, f.id, SOUP, { quantity: 6, dateIn });
    await takeOut(me.api, a.id, { portions: 2, date: `${m1}-15` });
    await takeOut(me.api, a.id, { portions: 1, date: `${m1}-10` });
    // three months ago: a whole product of 3 portions, and 1 portion of another
    const b = await putIn(me.api, f.id, FISH, { quantity: 3, dateIn });
    await takeOut(me.api, b.id, { date: `${m3}-05` });
    const c = await putIn(me.api, f.id, BREAD, { quantity: 2, dateIn });
    await takeOut(me.api, c.id, { portions: 1, date: `${m3}-28` });
    // this month: the rest of `a` (3 portions), today
    await takeOut(me.api, a.id);
    // too old for the window: 13 months ago
    const d = await putIn(me.api, f.id, SOUP, { quantity: 5, dateIn });
    await takeOut(me.api, d.id, { date: `${monthBack(13)}-20` });
    // someone else's take-out last month: not counted
    const e = await putIn(other.api, fo.id, SOUP, { quantity: 7, dateIn });
    await takeOut(other.api, e.id, { date: `${m1}-12` });

    const res = await me.api.get('/api/v1/trends/consumption');
    expect(res.body).toHaveLength(12);
    const byMonth = Object.fromEntries(res.body.map((m: any) => [m.month, [m.portions, m.products]]));
    const expected: Record<string, [number, number]> = {};
    for (let back = 11; back >= 0; back -= 1) expected[monthBack(back)] = [0, 0];
    expected[m1] = [3, 2];
    expected[m3] = [4, 2];
    expected[monthBack(0)] = [3, 1];
    expect(byMonth).toEqual(expected);
    expect(res.body.map((m: any) => m.month)).toEqual(Object.keys(expected));

    const three = (await me.api.get('/api/v1/trends/consumption?months=3')).body;
    expect(three).toEqual([
      { month: monthBack(2), portions: 0, products: 0 },
      { month: m1, portions: 3, products: 2 },
      { month: monthBack(0), portions: 3, products: 1 },
    ]);
    const long = (await me.api.get('/api/v1/trends/consumption?months=14')).body;
    expect(long).toHaveLength(14);
    expect(long[0]).toEqual({ month: monthBack(13), portions: 5, products: 1 });

    const theirs = (await other.api.get('/api/v1/trends/consumption?months=2')).body;
    expect(theirs).toEqual([
      { month: m1, portions: 7, products: 1 },
      { month: monthBack(0), portions: 0, products: 0 },
    ]);
    expectProblem(await me.api.get('/api/v1/trends/consumption?months=0'), 400);
    expectProblem(await me.api.get('/api/v1/trends/consumption?months=121'), 400);
  });

  it('requires authentication', async () => {
    for (const path of ['general', 'personal', 'eat-first', 'consumption']) {
      expect((await fetch(`${server.url}/api/v1/trends/${path}`)).status).toBe(401);
    }
  });
});
