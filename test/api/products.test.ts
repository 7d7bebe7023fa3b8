import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, daysFromToday, expectProblem, signUp, startServer, type TestServer } from '../helpers.js';
import { newFreezer, putIn } from '../inventory-helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());

const SOUP = 1;
const FISH = 13;
const SORBET = 25;
const BREAD = 27;

const today = () => new Date().toISOString().slice(0, 10);

/** A fresh user with one freezer. */
async function setup(boxCount = 4) {
  const user = await signUp(server.url);
  const freezer = await newFreezer(user.api, 'Main', boxCount);
  return { ...user, freezer };
}

async function countProducts(api: Client): Promise<number> {
  return (await api.get('/api/v1/products?status=all')).body.total;
}

describe('products: create', () => {
  it('creates a product with every field given and answers it whole', async () => {
    const { api, user, freezer } = await setup();
    const res = await api.post('/api/v1/products', {
      name: '  Leek soup ',
      description: 'From the garden',
      typeId: SOUP,
      freezerId: freezer.id,
      box: 2,
      slot: 7,
      dateIn: '2018-01-31',
      periodMonths: 1,
      quantity: 4,
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      name: 'Leek soup',
      description: 'From the garden',
      typeId: SOUP,
      typeName: 'soup',
      freezerId: freezer.id,
      freezerName: 'Main',
      box: 2,
      slot: 7,
      dateIn: '2018-01-31',
      dateOut: null,
      periodMonths: 1,
      dueDate: '2018-02-28',
      quantity: 4,
      inside: true,
      overdue: true,
      sourceProductId: null,
      addedBy: user.id,
    });
    expect((await api.get(`/api/v1/products/${res.body.id}`)).body).toEqual(res.body);
    expect((await api.get(`/api/v1/freezers/${freezer.id}`)).body).toMatchObject({ productsInside: 1, portionsInside: 4 });
  });

  it('computes dueDate = dateIn + periodMonths, clamped to the end of the month', async () => {
    const { api, freezer } = await setup();
    const cases: Array<[string, number, string]> = [
      ['2018-01-31', 1, '2018-02-28'],
      ['2020-01-31', 1, '2020-02-29'],
      ['2018-11-30', 3, '2019-02-28'],
      ['2018-03-15', 12, '2019-03-15'],
      ['2017-12-31', 6, '2018-06-30'],
    ];
    for (const [dateIn, periodMonths, dueDate] of cases) {
      const p = await putIn(api, freezer.id, 1, { dateIn, periodMonths });
      expect(p.dueDate, `${dateIn} + ${periodMonths}`).toBe(dueDate);
    }
  });

  it('without a slot, takes the next free slot of the box', async () => {
    const { api, freezer } = await setup();
    await putIn(api, freezer.id, 1, { slot: 1 });
    await putIn(api, freezer.id, 1, { slot: 2 });
    await putIn(api, freezer.id, 1, { slot: 4 });
    expect((await putIn(api, freezer.id, 1)).slot).toBe(3);
    expect((await putIn(api, freezer.id, 1)).slot).toBe(5);
    expect((await putIn(api, freezer.id, 2)).slot).toBe(1);
  });

  it("without periodMonths, takes the type's default period", async () => {
    const { api, freezer } = await setup();
    const types = (await api.get('/api/v1/types')).body as Array<{ id: number; periodMonths: number }>;
    const sorbet = types.find((t) => t.id === SORBET)!;
    const fish = types.find((t) => t.id === FISH)!;
    expect(sorbet.periodMonths).toBe(2);
    expect(fish.periodMonths).toBe(6);
    const p1 = await putIn(api, freezer.id, 1, { typeId: SORBET, dateIn: '2018-01-31' });
    expect(p1).toMatchObject({ periodMonths: 2, dueDate: '2018-03-31' });
    const p2 = await putIn(api, freezer.id, 1, { typeId: FISH, dateIn: '2018-08-31' });
    expect(p2).toMatchObject({ periodMonths: 6, dueDate: '2019-02-28' });
  });

  it('without dateIn, puts it in today', async () => {
    const { api, freezer } = await setup();
    const before = today();
    const p = await putIn(api, freezer.id, 1, { periodMonths: 3 });
    expect([before, today()]).toContain(p.dateIn);
    expect(p.overdue).toBe(false);
  });

  it('refuses a dateIn in the future (400, field dateIn) and creates nothing', async () => {
    const { api, freezer } = await setup();
    for (const dateIn of [daysFromToday(3), daysFromToday(400), '2999-01-01']) {
      const problem = expectProblem(await api.post('/api/v1/products', { name: 'Later', typeId: SOUP, freezerId: freezer.id, box: 1, quantity: 1, dateIn }), 400);
      expect(problem.errors?.map((e) => e.field)).toEqual(['dateIn']);
    }
    expect(await countProducts(api)).toBe(0);
  });

  it('accepts a date-time for dateIn and keeps its date part', async () => {
    const { api, freezer } = await setup();
    for (const dateIn of ['2018-02-05T10:30', '2018-02-05T10:30:15', '2018-02-05 23:59', '2018-02-05T10:30:00Z']) {
      const p = await putIn(api, freezer.id, 1, { dateIn, periodMonths: 1 });
      expect(p.dateIn, dateIn).toBe('2018-02-05');
      expect(p.dueDate).toBe('2018-03-05');
      expect((await api.get(`/api/v1/products/${p.id}`)).body.dateIn).toBe('2018-02-05');
    }
  });

  it('refuses impossible and malformed dates and date-times (400, field dateIn)', async () => {
    const { api, freezer } = await setup();
    for (const dateIn of [
      '2018-02-30',
      '2018-13-01',
      '2019-02-29',
      '2018-00-10',
      '18-02-05',
      '2018/02/05',
      'yesterday',
      '2018-02-05Tnoon',
      '2018-02-05T25:99',
      '2018-02-05T10:60',
      '2018-02-30T10:30',
      '',
    ]) {
      const problem = expectProblem(await api.post('/api/v1/products', { name: 'Bad date', typeId: SOUP, freezerId: freezer.id, box: 1, quantity: 1, dateIn }), 400);
      expect(problem.errors?.map((e) => e.field), dateIn).toContain('dateIn');
    }
    expect(await countProducts(api)).toBe(0);
  });

  it('refuses a box outside 1..boxCount (400, field box)', async () => {
    const { api, freezer } = await setup(3);
    for (const box of [0, 4, 1000, -1]) {
      const problem = expectProblem(await api.post('/api/v1/products', { name: 'Lost', typeId: SOUP, freezerId: freezer.id, box, quantity: 1 }), 400);
      expect(problem.errors?.map((e) => e.field)).toContain('box');
    }
    expect((await putIn(api, freezer.id, 3)).box).toBe(3);
    expect(await countProducts(api)).toBe(1);
  });

  it('refuses a slot already used inside the same box (409, field slot), but not in another box', async () => {
    const { api, freezer } = await setup();
    const first = await putIn(api, freezer.id, 1, { slot: 5, name: 'First' });
    const problem = expectProblem(await api.post('/api/v1/products', { name: 'Second', typeId: SOUP, freezerId: freezer.id, box: 1, slot: 5, quantity: 1 }), 409);
    expect(problem.errors?.map((e) => e.field)).toEqual(['slot']);
    const other = await putIn(api, freezer.id, 2, { slot: 5, name: 'Other box' });
    expect(other).toMatchObject({ box: 2, slot: 5 });
    // Same slot in another freezer is fine too.
    const second = await newFreezer(api, 'Second', 2);
    expect((await putIn(api, second.id, 1, { slot: 5 })).slot).toBe(5);
    const inside = (await api.get(`/api/v1/products?freezerId=${freezer.id}&box=1`)).body.items;
    expect(inside.map((p: any) => p.id)).toEqual([first.id]);
  });

  it('reuses the slot of a product that left', async () => {
    const { api, freezer } = await setup();
    const gone = await putIn(api, freezer.id, 1, { slot: 5 });
    expect((await api.post(`/api/v1/products/${gone.id}/take-out`)).status).toBe(200);
    expect((await putIn(api, freezer.id, 1, { slot: 5 })).slot).toBe(5);
  });

  it('refuses an unknown typeId (400, field typeId) and creates nothing', async () => {
    const { api, freezer } = await setup();
    const problem = expectProblem(await api.post('/api/v1/products', { name: 'What', typeId: 9999, freezerId: freezer.id, box: 1, quantity: 1 }), 400);
    expect(problem.errors?.map((e) => e.field)).toEqual(['typeId']);
    expect(await countProducts(api)).toBe(0);
  });

  it("answers 404 for another user's freezer (and for a freezer that does not exist)", async () => {
    const { api } = await setup();
    const bob = await setup();
    expectProblem(await api.post('/api/v1/products', { name: 'Intruder', typeId: SOUP, freezerId: bob.freezer.id, box: 1, quantity: 1 }), 404);
    expectProblem(await api.post('/api/v1/products', { name: 'Nowhere', typeId: SOUP, freezerId: 999999, box: 1, quantity: 1 }), 404);
    expect(await countProducts(bob.api)).toBe(0);
    expect(await countProducts(api)).toBe(0);
  });

  it('validates the body: required fields, types, ranges, unknown fields', async () => {
    const { api, freezer } = await setup();
    const base = { name: 'Ok', typeId: SOUP, freezerId: freezer.id, box: 1, quantity: 1 };
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...base, name: undefined }, 'name'],
      [{ ...base, name: '   ' }, 'name'],
      [{ ...base, quantity: 0 }, 'quantity'],
      [{ ...base, quantity: undefined }, 'quantity'],
      [{ ...base, periodMonths: 0 }, 'periodMonths'],
      [{ ...base, slot: 0 }, 'slot'],
      [{ ...base, typeId: 'soup' }, 'typeId'],
      [{ ...base, box: '1' }, 'box'],
      [{ ...base, colour: 'red' }, 'colour'],
    ];
    for (const [body, field] of cases) {
      const problem = expectProblem(await api.post('/api/v1/products', JSON.parse(JSON.stringify(body))), 400);
      expect(problem.errors?.map((e) => e.field), JSON.stringify(body)).toContain(field);
    }
    expect(await countProducts(api)).toBe(0);
  });

  it("hides another user's product (404 on get, patch, delete)", async () => {
    const alice = await setup();
    const bob = await setup();
    const p = await putIn(alice.api, alice.freezer.id, 1, { name: 'Mine' });
    expectProblem(await bob.api.get(`/api/v1/products/${p.id}`), 404);
    expectProblem(await bob.api.patch(`/api/v1/products/${p.id}`, { name: 'Stolen' }), 404);
    expectProblem(await bob.api.delete(`/api/v1/products/${p.id}`), 404);
    expect((await alice.api.get(`/api/v1/products/${p.id}`)).body.name).toBe('Mine');
  });
});

describe('products: create answers what reading it back answers', () => {
  // The answer of a create is built from the values written, not read back: it must be the same product.
  it('for every field, in English and in French, with and without the optional fields', async () => {
    for (const language of ['en', 'fr'] as const) {
      const user = await signUp(server.url, { language });
      const freezer = await newFreezer(user.api, 'Chest', 3);
      const answers = [
        await putIn(user.api, freezer.id, 2, { name: '  Bouillon  ', typeId: FISH, quantity: 3 }),
        await putIn(user.api, freezer.id, 2, { name: 'Sorbet', description: 'citron', typeId: SORBET, slot: 7, dateIn: '2018-01-31', periodMonths: 1, quantity: 2 }),
        // Overdue: went in long ago with the type's default period.
        await putIn(user.api, freezer.id, 3, { name: 'Pain', typeId: BREAD, dateIn: '2019-05-04T08:15:00+02:00' }),
      ];
      for (const answer of answers) {
        const read = await user.api.get(`/api/v1/products/${answer.id}`);
        expect(read.status).toBe(200);
        expect(answer).toEqual(read.body);
      }
      expect(answers[0]).toMatchObject({ name: 'Bouillon', description: '', slot: 1, typeName: language === 'fr' ? 'poisson' : 'fish', freezerName: 'Chest', addedBy: user.user.id });
      expect(answers[2]).toMatchObject({ overdue: true, inside: true, periodMonths: 3 });
    }
  });

  it('checks the freezer, then the box, then the type, as before (one query now)', async () => {
    const { api, freezer } = await setup(2);
    const other = await setup(2);
    // Another user's freezer with an unknown type and a bad box: the freezer is what is wrong first.
    expect(expectProblem(await api.post('/api/v1/products', { name: 'x', typeId: 999, freezerId: other.freezer.id, box: 9, quantity: 1 }), 404).type).toContain('freezer-not-found');
    // A bad box and an unknown type: the box first.
    const badBox = expectProblem(await api.post('/api/v1/products', { name: 'x', typeId: 999, freezerId: freezer.id, box: 3, quantity: 1 }), 400);
    expect(badBox.errors?.[0]?.field).toBe('box');
    const badType = expectProblem(await api.post('/api/v1/products', { name: 'x', typeId: 999, freezerId: freezer.id, box: 2, quantity: 1 }), 400);
    expect(badType.errors?.[0]?.field).toBe('typeId');
    expect(await countProducts(api)).toBe(0);
  });
});

describe('products: change (PATCH)', () => {
  it('renames and changes the description', async () => {
    const { api, freezer } = await setup();
    const p = await putIn(api, freezer.id, 1, { slot: 3 });
    const res = await api.patch(`/api/v1/products/${p.id}`, { name: ' Tomato soup ', description: 'spicy' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ name: 'Tomato soup', description: 'spicy', box: 1, slot: 3, inside: true });
    expect((await api.get(`/api/v1/products/${p.id}`)).body.name).toBe('Tomato soup');
  });

  it('recomputes the due date when dateIn or periodMonths change', async () => {
    const { api, freezer } = await setup();
    const p = await putIn(api, freezer.id, 1, { dateIn: '2018-01-15', periodMonths: 3 });
    expect(p.dueDate).toBe('2018-04-15');
    expect((await api.patch(`/api/v1/products/${p.id}`, { dateIn: '2018-01-31', periodMonths: 1 })).body.dueDate).toBe('2018-02-28');
    expectProblem(await api.patch(`/api/v1/products/${p.id}`, { dateIn: daysFromToday(3) }), 400);
    expect((await api.get(`/api/v1/products/${p.id}`)).body.dateIn).toBe('2018-01-31');
  });

  it("moves to another box without a slot: takes that box's next free slot", async () => {
    const { api, freezer } = await setup();
    const p = await putIn(api, freezer.id, 1, { slot: 1 });
    await putIn(api, freezer.id, 2, { slot: 1 });
    await putIn(api, freezer.id, 2, { slot: 2 });
    const res = await api.patch(`/api/v1/products/${p.id}`, { box: 2 });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ box: 2, slot: 3 });
    expect((await api.get(`/api/v1/freezers/${freezer.id}/next-slots`)).body.slice(0, 2)).toEqual([
      { box: 1, nextSlot: 1 },
      { box: 2, nextSlot: 4 },
    ]);
  });

  it('moves to an explicit free slot, also in another freezer', async () => {
    const { api, freezer } = await setup();
    const other = await newFreezer(api, 'Other', 2);
    const p = await putIn(api, freezer.id, 1, { slot: 1 });
    expect((await api.patch(`/api/v1/products/${p.id}`, { slot: 9 })).body).toMatchObject({ box: 1, slot: 9 });
    const moved = await api.patch(`/api/v1/products/${p.id}`, { freezerId: other.id, box: 2 });
    expect(moved.body).toMatchObject({ freezerId: other.id, freezerName: 'Other', box: 2, slot: 1 });
    expect((await api.get(`/api/v1/freezers/${freezer.id}`)).body.productsInside).toBe(0);
    expect((await api.get(`/api/v1/freezers/${other.id}`)).body.productsInside).toBe(1);
  });

  it('refuses a move onto a taken slot (409) and changes nothing', async () => {
    const { api, freezer } = await setup();
    const p = await putIn(api, freezer.id, 1, { slot: 1, name: 'Mover' });
    await putIn(api, freezer.id, 2, { slot: 4, name: 'Sitter' });
    await putIn(api, freezer.id, 1, { slot: 2, name: 'Neighbour' });
    const problem = expectProblem(await api.patch(`/api/v1/products/${p.id}`, { box: 2, slot: 4, name: 'Renamed' }), 409);
    expect(problem.errors?.map((e) => e.field)).toEqual(['slot']);
    expectProblem(await api.patch(`/api/v1/products/${p.id}`, { slot: 2 }), 409);
    expect((await api.get(`/api/v1/products/${p.id}`)).body).toMatchObject({ name: 'Mover', box: 1, slot: 1, updatedAt: p.updatedAt });
  });

  it('refuses a move to a box the freezer does not have, or to a freezer of another user', async () => {
    const { api, freezer } = await setup(2);
    const bob = await setup();
    const p = await putIn(api, freezer.id, 1);
    expect(expectProblem(await api.patch(`/api/v1/products/${p.id}`, { box: 3 }), 400).errors?.[0]?.field).toBe('box');
    expectProblem(await api.patch(`/api/v1/products/${p.id}`, { freezerId: bob.freezer.id }), 404);
    expect((await api.get(`/api/v1/products/${p.id}`)).body).toMatchObject({ freezerId: freezer.id, box: 1 });
  });

  it('refuses a dateOut earlier than dateIn (400, field dateOut)', async () => {
    const { api, freezer } = await setup();
    const p = await putIn(api, freezer.id, 1, { dateIn: '2018-02-05' });
    const problem = expectProblem(await api.patch(`/api/v1/products/${p.id}`, { dateOut: '2018-02-04' }), 400);
    expect(problem.errors?.map((e) => e.field)).toEqual(['dateOut']);
    expectProblem(await api.patch(`/api/v1/products/${p.id}`, { dateOut: daysFromToday(3) }), 400);
    expectProblem(await api.patch(`/api/v1/products/${p.id}`, { dateOut: '2018-02-30' }), 400);
    expect((await api.get(`/api/v1/products/${p.id}`)).body).toMatchObject({ dateOut: null, inside: true });
  });

  it('takes a product out with a dateOut, and puts it back inside with dateOut null', async () => {
    const { api, freezer } = await setup();
    const p = await putIn(api, freezer.id, 1, { slot: 2, dateIn: '2018-02-05', quantity: 3 });
    const out = await api.patch(`/api/v1/products/${p.id}`, { dateOut: '2018-02-05T18:00' });
    expect(out.status).toBe(200);
    expect(out.body).toMatchObject({ dateOut: '2018-02-05', inside: false, overdue: false });
    expect((await api.get(`/api/v1/freezers/${freezer.id}`)).body).toMatchObject({ productsInside: 0, portionsInside: 0 });
    expect((await api.get('/api/v1/products')).body.total).toBe(0);

    const back = await api.patch(`/api/v1/products/${p.id}`, { dateOut: null });
    expect(back.status).toBe(200);
    expect(back.body).toMatchObject({ dateOut: null, inside: true, box: 1, slot: 2, quantity: 3 });
    expect((await api.get(`/api/v1/freezers/${freezer.id}`)).body).toMatchObject({ productsInside: 1, portionsInside: 3 });
  });

  it('refuses to put a product back inside when its slot was taken meanwhile (409), unless given a free slot', async () => {
    const { api, freezer } = await setup();
    const p = await putIn(api, freezer.id, 1, { slot: 1, dateIn: '2018-02-05' });
    await api.patch(`/api/v1/products/${p.id}`, { dateOut: '2018-03-01' });
    const newcomer = await putIn(api, freezer.id, 1);
    expect(newcomer.slot).toBe(1);

    const problem = expectProblem(await api.patch(`/api/v1/products/${p.id}`, { dateOut: null }), 409);
    expect(problem.errors?.map((e) => e.field)).toEqual(['slot']);
    expect((await api.get(`/api/v1/products/${p.id}`)).body).toMatchObject({ dateOut: '2018-03-01', inside: false });

    const back = await api.patch(`/api/v1/products/${p.id}`, { dateOut: null, slot: 2 });
    expect(back.body).toMatchObject({ inside: true, box: 1, slot: 2 });
  });

  it('refuses an empty patch and an unknown field', async () => {
    const { api, freezer } = await setup();
    const p = await putIn(api, freezer.id, 1);
    expectProblem(await api.patch(`/api/v1/products/${p.id}`, {}), 400);
    expect(expectProblem(await api.patch(`/api/v1/products/${p.id}`, { inside: false }), 400).errors?.[0]?.field).toBe('inside');
    expect((await api.get(`/api/v1/products/${p.id}`)).body.updatedAt).toBe(p.updatedAt);
  });
});

describe('products: delete', () => {
  it('deletes a product: 204, then 404, and its slot is free again', async () => {
    const { api, freezer } = await setup();
    const p = await putIn(api, freezer.id, 1, { slot: 1 });
    const res = await api.delete(`/api/v1/products/${p.id}`);
    expect(res.status).toBe(204);
    expectProblem(await api.get(`/api/v1/products/${p.id}`), 404);
    expectProblem(await api.delete(`/api/v1/products/${p.id}`), 404);
    expect((await api.get(`/api/v1/freezers/${freezer.id}/next-slots`)).body[0]).toEqual({ box: 1, nextSlot: 1 });
    expect(await countProducts(api)).toBe(0);
  });

  it('deleting a product deletes the history rows of its partial take-outs with it', async () => {
    const { api, freezer } = await setup();
    const keep = await putIn(api, freezer.id, 2, { quantity: 2, dateIn: '2018-02-05', name: 'Keep' });
    const keptOut = (await api.post(`/api/v1/products/${keep.id}/take-out`, { portions: 1, date: '2018-02-06' })).body.takenOut;
    const p = await putIn(api, freezer.id, 1, { quantity: 4, dateIn: '2018-02-05', name: 'Mistake' });
    const t1 = (await api.post(`/api/v1/products/${p.id}/take-out`, { portions: 1, date: '2018-02-06' })).body.takenOut;
    const t2 = (await api.post(`/api/v1/products/${p.id}/take-out`, { portions: 2, date: '2018-02-07' })).body.takenOut;
    expect((await api.delete(`/api/v1/products/${p.id}`)).status).toBe(204);
    expectProblem(await api.get(`/api/v1/products/${t1.id}`), 404);
    expectProblem(await api.get(`/api/v1/products/${t2.id}`), 404);
    const all = (await api.get('/api/v1/products?status=all&sort=location')).body;
    expect(all.items.map((x: any) => x.id).sort()).toEqual([keep.id, keptOut.id].sort());
  });

  it('deleting a history row leaves its product alone', async () => {
    const { api, freezer } = await setup();
    const p = await putIn(api, freezer.id, 1, { quantity: 4, dateIn: '2018-02-05' });
    const taken = (await api.post(`/api/v1/products/${p.id}/take-out`, { portions: 1, date: '2018-02-06' })).body.takenOut;
    expect((await api.delete(`/api/v1/products/${taken.id}`)).status).toBe(204);
    expect((await api.get(`/api/v1/products/${p.id}`)).body).toMatchObject({ quantity: 3, inside: true });
  });
});

describe('products: list', () => {
  it('filters by status: inside (the default), outside, all', async () => {
    const { api, freezer } = await setup();
    const a = await putIn(api, freezer.id, 1, { name: 'In A' });
    const b = await putIn(api, freezer.id, 1, { name: 'In B' });
    const c = await putIn(api, freezer.id, 1, { name: 'Out C' });
    await api.post(`/api/v1/products/${c.id}/take-out`);
    const ids = async (qs: string) => (await api.get(`/api/v1/products${qs}`)).body.items.map((p: any) => p.id).sort((x: number, y: number) => x - y);
    expect(await ids('')).toEqual([a.id, b.id]);
    expect(await ids('?status=inside')).toEqual([a.id, b.id]);
    expect(await ids('?status=outside')).toEqual([c.id]);
    expect(await ids('?status=all')).toEqual([a.id, b.id, c.id]);
    expectProblem(await api.get('/api/v1/products?status=eaten'), 400);
  });

  it("lists only the caller's products, filtered by freezerId and typeId", async () => {
    const { api, freezer } = await setup();
    const bob = await setup();
    await putIn(bob.api, bob.freezer.id, 1, { name: 'Bob soup' });
    const other = await newFreezer(api, 'Other', 2);
    const soup = await putIn(api, freezer.id, 1, { typeId: SOUP });
    const bread = await putIn(api, freezer.id, 2, { typeId: BREAD, name: 'Baguette' });
    const fish = await putIn(api, other.id, 1, { typeId: FISH, name: 'Cod' });
    const list = async (qs: string) => {
      const body = (await api.get(`/api/v1/products${qs}`)).body;
      return { total: body.total, ids: body.items.map((p: any) => p.id).sort((x: number, y: number) => x - y) };
    };
    expect(await list('')).toEqual({ total: 3, ids: [soup.id, bread.id, fish.id] });
    expect(await list(`?freezerId=${freezer.id}`)).toEqual({ total: 2, ids: [soup.id, bread.id] });
    expect(await list(`?freezerId=${other.id}`)).toEqual({ total: 1, ids: [fish.id] });
    expect(await list(`?typeId=${BREAD}`)).toEqual({ total: 1, ids: [bread.id] });
    expect(await list(`?freezerId=${other.id}&typeId=${BREAD}`)).toEqual({ total: 0, ids: [] });
    expect(await list(`?freezerId=${bob.freezer.id}`)).toEqual({ total: 0, ids: [] });
  });

  it('overdue=true lists only products inside past their due date', async () => {
    const { api, freezer } = await setup();
    const old = await putIn(api, freezer.id, 1, { name: 'Ancient', dateIn: '2018-01-01', periodMonths: 1 });
    const oldOut = await putIn(api, freezer.id, 1, { name: 'Ancient but eaten', dateIn: '2018-01-01', periodMonths: 1 });
    await api.post(`/api/v1/products/${oldOut.id}/take-out`, { date: '2018-01-10' });
    await putIn(api, freezer.id, 1, { name: 'Fresh', periodMonths: 3 });
    const res = await api.get('/api/v1/products?overdue=true');
    expect(res.body.total).toBe(1);
    expect(res.body.items.map((p: any) => [p.id, p.overdue, p.dueDate])).toEqual([[old.id, true, '2018-02-01']]);
    // overdue implies inside, whatever the status says
    expect((await api.get('/api/v1/products?overdue=true&status=all')).body.items.map((p: any) => p.id)).toEqual([old.id]);
    expect((await api.get('/api/v1/products?overdue=false')).body.total).toBe(2);
  });

  it('dueWithinDays=N lists products inside, not overdue, due within N days', async () => {
    const { api, freezer } = await setup();
    // dateIn 20 days ago + 1 month: due in 8 to 11 days from today, whatever the month lengths.
    const soon = await putIn(api, freezer.id, 1, { name: 'Soon', dateIn: daysFromToday(-20), periodMonths: 1 });
    await putIn(api, freezer.id, 1, { name: 'Overdue', dateIn: '2018-01-01', periodMonths: 1 });
    await putIn(api, freezer.id, 1, { name: 'Later', dateIn: daysFromToday(0), periodMonths: 12 });
    const soonOut = await putIn(api, freezer.id, 1, { name: 'Soon but eaten', dateIn: daysFromToday(-20), periodMonths: 1 });
    await api.post(`/api/v1/products/${soonOut.id}/take-out`);

    const names = async (n: number) => (await api.get(`/api/v1/products?dueWithinDays=${n}`)).body.items.map((p: any) => p.name);
    expect(await names(15)).toEqual(['Soon']);
    expect(await names(5)).toEqual([]);
    expect(await names(400)).toEqual(['Soon', 'Later']);
    expect(soon.overdue).toBe(false);

    // Due today (a year ago + 12 months): not overdue yet, within 0 days.
    const t = today();
    if (!t.endsWith('-02-29')) {
      const dueToday = await putIn(api, freezer.id, 1, { name: 'Due today', dateIn: `${Number(t.slice(0, 4)) - 1}${t.slice(4)}`, periodMonths: 12 });
      expect(dueToday).toMatchObject({ dueDate: t, overdue: false });
      expect(await names(0)).toEqual(['Due today']);
      expect(await names(15)).toEqual(['Due today', 'Soon']);
    }
    expectProblem(await api.get('/api/v1/products?dueWithinDays=-1'), 400);
  });

  it('q searches the name, the description and the type name, case-insensitively', async () => {
    const { api, freezer } = await setup();
    await putIn(api, freezer.id, 1, { name: 'Pumpkin soup', typeId: SOUP });
    await putIn(api, freezer.id, 1, { name: 'Leftovers', description: 'PUMPKIN and carrots', typeId: 20 });
    await putIn(api, freezer.id, 1, { name: 'Lemon', typeId: SORBET });
    await putIn(api, freezer.id, 1, { name: 'Baguette', typeId: BREAD });
    const names = async (q: string) =>
      (await api.get(`/api/v1/products?sort=name&q=${encodeURIComponent(q)}`)).body.items.map((p: any) => p.name);
    expect(await names('pumpkin')).toEqual(['Leftovers', 'Pumpkin soup']);
    expect(await names('SORBET')).toEqual(['Lemon']);
    expect(await names('bread')).toEqual(['Baguette']);
    expect(await names('carrot')).toEqual(['Leftovers']);
    expect(await names('nothing like this')).toEqual([]);
    expect(await names('  ')).toHaveLength(4);
  });

  it('q and the sort by name follow a change of name or description', async () => {
    const { api, freezer } = await setup();
    const soup = await putIn(api, freezer.id, 1, { name: 'Pumpkin soup', description: 'From the garden' });
    await putIn(api, freezer.id, 1, { name: 'Bread' });
    const names = async (q: string) =>
      (await api.get(`/api/v1/products?sort=name&q=${encodeURIComponent(q)}`)).body.items.map((p: any) => p.name);
    expect((await api.patch(`/api/v1/products/${soup.id}`, { name: 'Écrasé de POIREAUX' })).status).toBe(200);
    expect(await names('pumpkin')).toEqual([]);
    expect(await names('écrasé de poireaux')).toEqual(['Écrasé de POIREAUX']);
    expect(await names('garden')).toEqual(['Écrasé de POIREAUX']);
    // "écrasé" sorts with the e's, after "Bread", not after every unaccented name
    expect((await api.get('/api/v1/products?sort=name')).body.items.map((p: any) => p.name)).toEqual(['Bread', 'Écrasé de POIREAUX']);
    expect((await api.patch(`/api/v1/products/${soup.id}`, { description: 'Du MARCHÉ' })).status).toBe(200);
    expect(await names('garden')).toEqual([]);
    expect(await names('marché')).toEqual(['Écrasé de POIREAUX']);
    expect(await names('poireaux')).toEqual(['Écrasé de POIREAUX']);
  });

  it('q treats LIKE wildcards % and _ literally', async () => {
    const { api, freezer } = await setup();
    await putIn(api, freezer.id, 1, { name: '100% beef' });
    await putIn(api, freezer.id, 1, { name: '100 beef' });
    await putIn(api, freezer.id, 1, { name: 'half_half' });
    await putIn(api, freezer.id, 1, { name: 'halfxhalf' });
    await putIn(api, freezer.id, 1, { name: 'back\\slash' });
    const names = async (q: string) =>
      (await api.get(`/api/v1/products?sort=name&q=${encodeURIComponent(q)}`)).body.items.map((p: any) => p.name);
    expect(await names('%')).toEqual(['100% beef']);
    expect(await names('0% b')).toEqual(['100% beef']);
    expect(await names('_')).toEqual(['half_half']);
    expect(await names('f_h')).toEqual(['half_half']);
    expect(await names('\\')).toEqual(['back\\slash']);
    expect(await names('100 beef')).toEqual(['100 beef']);
  });

  it('q is case-insensitive for accented letters too', async () => {
    const { api, freezer } = await setup();
    await putIn(api, freezer.id, 1, { name: 'ÉPINARDS du jardin' });
    await putIn(api, freezer.id, 1, { name: 'Crème glacée' });
    const names = async (q: string) =>
      (await api.get(`/api/v1/products?sort=name&q=${encodeURIComponent(q)}`)).body.items.map((p: any) => p.name);
    expect(await names('épinards')).toEqual(['ÉPINARDS du jardin']);
    expect(await names('ÉPINARDS')).toEqual(['ÉPINARDS du jardin']);
    expect(await names('CRÈME')).toEqual(['Crème glacée']);
  });

  it('sorts by name, dueDate and location, ascending or descending', async () => {
    const { api, freezer } = await setup();
    const other = await newFreezer(api, 'Other', 3);
    const c = await putIn(api, freezer.id, 2, { name: 'cherry', slot: 1, dateIn: '2018-03-01', periodMonths: 1 });
    const a = await putIn(api, other.id, 1, { name: 'apple', slot: 1, dateIn: '2018-01-01', periodMonths: 12 });
    const b = await putIn(api, freezer.id, 1, { name: 'Banana', slot: 5, dateIn: '2018-02-01', periodMonths: 1 });
    const d = await putIn(api, freezer.id, 1, { name: 'date', slot: 2, dateIn: '2018-01-15', periodMonths: 1 });
    const ids = async (qs: string) => (await api.get(`/api/v1/products?${qs}`)).body.items.map((p: any) => p.id);
    // alphabetical regardless of case: "apple" < "Banana" < "cherry"
    expect(await ids('sort=name')).toEqual([a.id, b.id, c.id, d.id]);
    expect(await ids('sort=name&order=asc')).toEqual([a.id, b.id, c.id, d.id]);
    expect(await ids('sort=name&order=desc')).toEqual([d.id, c.id, b.id, a.id]);
    // due: d 2018-02-15, b 2018-03-01, c 2018-04-01, a 2019-01-01; dueDate ascending is the default
    expect(await ids('')).toEqual([d.id, b.id, c.id, a.id]);
    expect(await ids('sort=dueDate&order=desc')).toEqual([a.id, c.id, b.id, d.id]);
    // location: freezer, box, slot
    expect(await ids('sort=location')).toEqual([d.id, b.id, c.id, a.id]);
    expect(await ids('sort=location&order=desc')).toEqual([a.id, c.id, b.id, d.id]);
    expectProblem(await api.get('/api/v1/products?sort=colour'), 400);
    expectProblem(await api.get('/api/v1/products?order=up'), 400);
  });

  it('paginates with limit and offset, and gives the total', async () => {
    const { api, freezer } = await setup();
    const created: number[] = [];
    for (let i = 1; i <= 7; i += 1) created.push((await putIn(api, freezer.id, 1, { name: `Item ${i}`, slot: i })).id);
    const page = async (qs: string) => (await api.get(`/api/v1/products?sort=location&${qs}`)).body;
    const first = await page('limit=3');
    expect(first).toMatchObject({ total: 7, limit: 3, offset: 0 });
    expect(first.items.map((p: any) => p.id)).toEqual(created.slice(0, 3));
    const second = await page('limit=3&offset=3');
    expect(second).toMatchObject({ total: 7, limit: 3, offset: 3 });
    expect(second.items.map((p: any) => p.id)).toEqual(created.slice(3, 6));
    const last = await page('limit=3&offset=6');
    expect(last.items.map((p: any) => p.id)).toEqual(created.slice(6));
    // The total of a page that is not full, of one that is full to the last product, and of one past it.
    expect(last.total).toBe(7);
    expect((await page('limit=7')).total).toBe(7);
    expect((await page('limit=4&offset=3')).total).toBe(7);
    expect((await page('limit=5&offset=3')).total).toBe(7);
    const beyond = await page('limit=3&offset=50');
    expect(beyond).toMatchObject({ total: 7, items: [] });
    const defaults = await page('');
    expect(defaults).toMatchObject({ total: 7, limit: 50, offset: 0 });
    expect(defaults.items).toHaveLength(7);
    expect((await page('limit=500')).items).toHaveLength(7);
  });

  it('refuses limit=0, limit=501 and a negative offset (400)', async () => {
    const { api } = await setup();
    for (const qs of ['limit=0', 'limit=501', 'offset=-1', 'limit=abc']) {
      const problem = expectProblem(await api.get(`/api/v1/products?${qs}`), 400);
      expect(problem.errors?.[0]?.field, qs).toMatch(/^query\./);
    }
  });
});
