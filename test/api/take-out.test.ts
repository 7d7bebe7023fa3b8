import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, daysFromToday, expectProblem, signUp, startServer, type TestServer } from '../helpers.js';
import { putIn } from '../inventory-helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());

const SOUP = 1;
const today = () => new Date().toISOString().slice(0, 10);

async function setup(boxCount = 4) {
  const user = await signUp(server.url);
  const res = await user.api.post('/api/v1/freezers', { name: 'Main', boxCount });
  expect(res.status).toBe(201);
  return { ...user, freezer: res.body };
}

const get = async (api: Client, id: number) => (await api.get(`/api/v1/products/${id}`)).body;

describe('take-out', () => {
  it('without a body, takes every portion out today', async () => {
    const { api, freezer } = await setup();
    const p = await putIn(api, freezer.id, 2, { slot: 3, quantity: 4, dateIn: '2018-02-05' });
    const before = today();
    const res = await api.post(`/api/v1/products/${p.id}/take-out`);
    expect(res.status).toBe(200);
    expect([before, today()]).toContain(res.body.product.dateOut);
    expect(res.body.product).toMatchObject({ id: p.id, inside: false, overdue: false, quantity: 4, box: 2, slot: 3, sourceProductId: null });
    // Everything left: what was taken out is the product itself.
    expect(res.body.takenOut).toEqual(res.body.product);
    expect(await get(api, p.id)).toMatchObject({ inside: false, dateOut: res.body.product.dateOut, quantity: 4 });
    expect((await api.get(`/api/v1/freezers/${freezer.id}`)).body).toMatchObject({ productsInside: 0, portionsInside: 0 });
    expect((await api.get(`/api/v1/freezers/${freezer.id}/next-slots`)).body[1]).toEqual({ box: 2, nextSlot: 1 });
  });

  it('with an empty JSON object, takes everything out too; with a date, on that date', async () => {
    const { api, freezer } = await setup();
    const p1 = await putIn(api, freezer.id, 1, { quantity: 2, dateIn: '2018-02-05' });
    const r1 = await api.post(`/api/v1/products/${p1.id}/take-out`, {});
    expect(r1.status).toBe(200);
    expect(r1.body.product).toMatchObject({ inside: false, quantity: 2 });
    const p2 = await putIn(api, freezer.id, 1, { quantity: 2, dateIn: '2018-02-05' });
    const r2 = await api.post(`/api/v1/products/${p2.id}/take-out`, { date: '2018-03-10T19:45' });
    expect(r2.body.product).toMatchObject({ inside: false, dateOut: '2018-03-10' });
    // An empty body sent with a JSON content type (what some clients do) is "no body" too.
    const p4 = await putIn(api, freezer.id, 1, { quantity: 2, dateIn: '2018-02-05' });
    const r4 = await api.post(`/api/v1/products/${p4.id}/take-out`, undefined, { raw: '', contentType: 'application/json' });
    expect(r4.status, r4.text).toBe(200);
    expect(r4.body.product).toMatchObject({ inside: false, quantity: 2 });
    // On the day it went in is fine.
    const p3 = await putIn(api, freezer.id, 1, { dateIn: '2018-02-05' });
    expect((await api.post(`/api/v1/products/${p3.id}/take-out`, { date: '2018-02-05' })).body.product.dateOut).toBe('2018-02-05');
  });

  it('taking some portions leaves the rest inside and records a history row', async () => {
    const { api, user, freezer } = await setup();
    const p = await putIn(api, freezer.id, 3, { slot: 2, quantity: 4, name: 'Chili', description: 'hot', dateIn: '2018-02-05', periodMonths: 3 });
    const res = await api.post(`/api/v1/products/${p.id}/take-out`, { portions: 1, date: '2018-02-20' });
    expect(res.status).toBe(200);
    expect(res.body.product).toMatchObject({ id: p.id, quantity: 3, inside: true, dateOut: null, box: 3, slot: 2, sourceProductId: null });
    const taken = res.body.takenOut;
    expect(taken.id).not.toBe(p.id);
    expect(taken).toMatchObject({
      name: 'Chili',
      description: 'hot',
      typeId: SOUP,
      freezerId: freezer.id,
      box: 3,
      slot: 2,
      dateIn: '2018-02-05',
      dateOut: '2018-02-20',
      periodMonths: 3,
      dueDate: '2018-05-05',
      quantity: 1,
      inside: false,
      sourceProductId: p.id,
      addedBy: user.id,
    });
    expect(await get(api, p.id)).toMatchObject({ quantity: 3, inside: true });
    expect(await get(api, taken.id)).toMatchObject({ quantity: 1, inside: false, sourceProductId: p.id });
    expect((await api.get(`/api/v1/freezers/${freezer.id}`)).body).toMatchObject({ productsInside: 1, portionsInside: 3 });
    // The product keeps its slot: the history row does not block or free anything.
    expect((await api.get(`/api/v1/freezers/${freezer.id}/next-slots`)).body[2]).toEqual({ box: 3, nextSlot: 1 });

    // Taking the rest (3 of 3) takes the product itself out.
    const rest = await api.post(`/api/v1/products/${p.id}/take-out`, { portions: 3, date: '2018-02-21' });
    expect(rest.body.product).toMatchObject({ id: p.id, quantity: 3, inside: false, dateOut: '2018-02-21' });
    expect(rest.body.takenOut.id).toBe(p.id);
  });

  it('the history appears in GET /products?status=outside', async () => {
    const { api, freezer } = await setup();
    const p = await putIn(api, freezer.id, 1, { quantity: 5, dateIn: '2018-02-05' });
    const a = (await api.post(`/api/v1/products/${p.id}/take-out`, { portions: 2, date: '2018-02-10' })).body.takenOut;
    const b = (await api.post(`/api/v1/products/${p.id}/take-out`, { portions: 1, date: '2018-02-12' })).body.takenOut;
    const outside = (await api.get('/api/v1/products?status=outside&sort=dateOut')).body;
    expect(outside.total).toBe(2);
    expect(outside.items.map((x: any) => [x.id, x.quantity, x.dateOut, x.sourceProductId])).toEqual([
      [a.id, 2, '2018-02-10', p.id],
      [b.id, 1, '2018-02-12', p.id],
    ]);
    const inside = (await api.get('/api/v1/products')).body;
    expect(inside.items.map((x: any) => [x.id, x.quantity])).toEqual([[p.id, 2]]);
  });

  it('refuses more portions than there are (400, field portions) and changes nothing', async () => {
    const { api, freezer } = await setup();
    const p = await putIn(api, freezer.id, 1, { quantity: 4 });
    const problem = expectProblem(await api.post(`/api/v1/products/${p.id}/take-out`, { portions: 5 }), 400);
    expect(problem.errors?.map((e) => e.field)).toEqual(['portions']);
    expectProblem(await api.post(`/api/v1/products/${p.id}/take-out`, { portions: 0 }), 400);
    expectProblem(await api.post(`/api/v1/products/${p.id}/take-out`, { portions: '1' }), 400);
    expectProblem(await api.post(`/api/v1/products/${p.id}/take-out`, { portions: 1, when: 'now' }), 400);
    expect(await get(api, p.id)).toMatchObject({ quantity: 4, inside: true, dateOut: null, updatedAt: p.updatedAt });
    expect((await api.get('/api/v1/products?status=outside')).body.total).toBe(0);
  });

  it('refuses a take-out date before dateIn, in the future or impossible (400, field date)', async () => {
    const { api, freezer } = await setup();
    const p = await putIn(api, freezer.id, 1, { quantity: 4, dateIn: '2018-02-05' });
    for (const body of [{ date: '2018-02-04' }, { portions: 1, date: '2018-02-04' }, { date: daysFromToday(3) }, { date: '2018-02-30' }]) {
      const problem = expectProblem(await api.post(`/api/v1/products/${p.id}/take-out`, body), 400);
      expect(problem.errors?.map((e) => e.field), JSON.stringify(body)).toEqual(['date']);
    }
    expect(await get(api, p.id)).toMatchObject({ quantity: 4, inside: true });
    expect((await api.get('/api/v1/products?status=outside')).body.total).toBe(0);
  });

  it('refuses to take out a product that is already out (409)', async () => {
    const { api, freezer } = await setup();
    const p = await putIn(api, freezer.id, 1, { quantity: 2, dateIn: '2018-02-05' });
    await api.post(`/api/v1/products/${p.id}/take-out`, { date: '2018-02-06' });
    expectProblem(await api.post(`/api/v1/products/${p.id}/take-out`), 409);
    expectProblem(await api.post(`/api/v1/products/${p.id}/take-out`, { portions: 1 }), 409);
    expect(await get(api, p.id)).toMatchObject({ dateOut: '2018-02-06', quantity: 2 });
  });

  it("answers 404 for another user's product or one that does not exist", async () => {
    const alice = await setup();
    const bob = await setup();
    const p = await putIn(alice.api, alice.freezer.id, 1, { quantity: 2 });
    expectProblem(await bob.api.post(`/api/v1/products/${p.id}/take-out`), 404);
    expectProblem(await bob.api.post(`/api/v1/products/${p.id}/undo-take-out`), 404);
    expectProblem(await alice.api.post('/api/v1/products/999999/take-out'), 404);
    expect(await get(alice.api, p.id)).toMatchObject({ inside: true, quantity: 2 });
  });
});

describe('take-out answers what reading it back answers', () => {
  // The answer is built from the values written, not read back: it must be the same products.
  it('partial and full take-outs by a member who is not the owner, in French', async () => {
    const owner = await setup(3);
    const member = await signUp(server.url, { language: 'fr' });
    await server.app.db.insertInto('freezer_members').values({ freezer_id: owner.freezer.id, user_id: member.user.id, role: 'member', created_at: new Date().toISOString() }).execute();
    const p = await putIn(owner.api, owner.freezer.id, 2, { slot: 4, quantity: 3, name: 'Chili', description: 'hot', dateIn: '2018-02-05', periodMonths: 2 });

    const partial = await member.api.post(`/api/v1/products/${p.id}/take-out`, { portions: 2, date: '2018-03-01' });
    expect(partial.status, partial.text).toBe(200);
    expect(partial.body.product).toEqual(await get(member.api, p.id));
    expect(partial.body.takenOut).toEqual(await get(member.api, partial.body.takenOut.id));
    // The product stays the owner's; the history row was written by the member.
    expect(partial.body.product).toMatchObject({ addedBy: owner.user.id, quantity: 1, typeName: 'soupe', overdue: true });
    expect(partial.body.takenOut).toMatchObject({ addedBy: member.user.id, quantity: 2, sourceProductId: p.id, typeName: 'soupe', inside: false });

    const full = await member.api.post(`/api/v1/products/${p.id}/take-out`);
    expect(full.status, full.text).toBe(200);
    expect(full.body.product).toEqual(await get(member.api, p.id));
    expect(full.body.takenOut).toEqual(full.body.product);
    expect(full.body.product).toMatchObject({ quantity: 1, inside: false, overdue: false, dateOut: today() });
    // The owner reads the same, in English.
    expect(await get(owner.api, p.id)).toEqual({ ...full.body.product, typeName: 'soup' });
  });
});

describe('undo take-out', () => {
  it('undoing a partial take-out puts the portions back and removes the history row', async () => {
    const { api, freezer } = await setup();
    const p = await putIn(api, freezer.id, 1, { quantity: 4, dateIn: '2018-02-05' });
    const taken = (await api.post(`/api/v1/products/${p.id}/take-out`, { portions: 1, date: '2018-02-06' })).body.takenOut;
    expect(await get(api, p.id)).toMatchObject({ quantity: 3 });

    const res = await api.post(`/api/v1/products/${taken.id}/undo-take-out`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: p.id, quantity: 4, inside: true, dateOut: null });
    expectProblem(await api.get(`/api/v1/products/${taken.id}`), 404);
    expect((await api.get('/api/v1/products?status=outside')).body.total).toBe(0);
    expect((await api.get(`/api/v1/freezers/${freezer.id}`)).body).toMatchObject({ productsInside: 1, portionsInside: 4 });
    // Undoing twice: the history row is gone.
    expectProblem(await api.post(`/api/v1/products/${taken.id}/undo-take-out`), 404);
  });

  it('undoing a full take-out puts the product back inside, in its slot', async () => {
    const { api, freezer } = await setup();
    const p = await putIn(api, freezer.id, 2, { slot: 6, quantity: 3, dateIn: '2018-02-05' });
    await api.post(`/api/v1/products/${p.id}/take-out`);
    const res = await api.post(`/api/v1/products/${p.id}/undo-take-out`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: p.id, inside: true, dateOut: null, box: 2, slot: 6, quantity: 3 });
    expect(await get(api, p.id)).toMatchObject({ inside: true, dateOut: null });
    expect((await api.get(`/api/v1/freezers/${freezer.id}`)).body).toMatchObject({ productsInside: 1, portionsInside: 3 });
  });

  it('refuses to undo for a product that is inside (409)', async () => {
    const { api, freezer } = await setup();
    const p = await putIn(api, freezer.id, 1, { quantity: 3 });
    expectProblem(await api.post(`/api/v1/products/${p.id}/undo-take-out`), 409);
    expect(await get(api, p.id)).toMatchObject({ inside: true, quantity: 3, updatedAt: p.updatedAt });
  });

  it('refuses to undo when the slot was reused meanwhile (409) and changes nothing', async () => {
    const { api, freezer } = await setup();
    const p = await putIn(api, freezer.id, 1, { slot: 1, quantity: 2, dateIn: '2018-02-05' });
    await api.post(`/api/v1/products/${p.id}/take-out`, { date: '2018-02-07' });
    const newcomer = await putIn(api, freezer.id, 1, { name: 'Newcomer' });
    expect(newcomer.slot).toBe(1);

    const problem = expectProblem(await api.post(`/api/v1/products/${p.id}/undo-take-out`), 409);
    expect(problem.errors?.map((e) => e.field)).toEqual(['slot']);
    expect(await get(api, p.id)).toMatchObject({ inside: false, dateOut: '2018-02-07', slot: 1 });
    expect(await get(api, newcomer.id)).toMatchObject({ inside: true, slot: 1 });
    expect((await api.get(`/api/v1/freezers/${freezer.id}`)).body).toMatchObject({ productsInside: 1, portionsInside: 1 });

    // Once the newcomer has left, the undo works.
    await api.post(`/api/v1/products/${newcomer.id}/take-out`);
    expect((await api.post(`/api/v1/products/${p.id}/undo-take-out`)).body).toMatchObject({ inside: true, slot: 1 });
  });

  it('undoing a partial take-out whose product has left since puts the portions back in the slot on their own', async () => {
    const { api, freezer } = await setup();
    const p = await putIn(api, freezer.id, 1, { slot: 2, quantity: 4, dateIn: '2018-02-05' });
    const taken = (await api.post(`/api/v1/products/${p.id}/take-out`, { portions: 1, date: '2018-02-06' })).body.takenOut;
    await api.post(`/api/v1/products/${p.id}/take-out`, { date: '2018-02-08' });

    const res = await api.post(`/api/v1/products/${taken.id}/undo-take-out`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: taken.id, inside: true, dateOut: null, box: 1, slot: 2, quantity: 1 });
    expect(await get(api, p.id)).toMatchObject({ inside: false, quantity: 3, dateOut: '2018-02-08' });
    expect((await api.get(`/api/v1/freezers/${freezer.id}`)).body).toMatchObject({ productsInside: 1, portionsInside: 1 });
  });

  it('refuses to undo into a box the freezer no longer has (409) and changes nothing', async () => {
    const { api, freezer } = await setup(4);
    const p = await putIn(api, freezer.id, 4, { slot: 1, quantity: 2, dateIn: '2018-02-05' });
    await api.post(`/api/v1/products/${p.id}/take-out`, { date: '2018-02-07' });
    expect((await api.patch(`/api/v1/freezers/${freezer.id}`, { boxCount: 2 })).status).toBe(200);

    const problem = expectProblem(await api.post(`/api/v1/products/${p.id}/undo-take-out`), 409);
    expect(problem.errors?.map((e) => e.field)).toEqual(['box']);
    expect(await get(api, p.id)).toMatchObject({ inside: false, dateOut: '2018-02-07', box: 4 });
    expect((await api.get(`/api/v1/freezers/${freezer.id}`)).body).toMatchObject({ boxCount: 2, productsInside: 0 });
  });
});
