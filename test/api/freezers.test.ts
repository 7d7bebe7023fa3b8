import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Client, expectProblem, signUp, startServer, type TestServer } from '../helpers.js';
import { newFreezer, putIn } from '../inventory-helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());


async function takeOut(api: Client, productId: number): Promise<void> {
  const res = await api.post(`/api/v1/products/${productId}/take-out`);
  expect(res.status, res.text).toBe(200);
}

describe('freezers: create, list, get, rename, resize', () => {
  it('creates a freezer (201) with trimmed name, its box count and zero counts', async () => {
    const { api } = await signUp(server.url);
    const res = await api.post('/api/v1/freezers', { name: '  Garage freezer ', boxCount: 7 });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Garage freezer', boxCount: 7, productsInside: 0, portionsInside: 0 });
    expect(Number.isInteger(res.body.id)).toBe(true);
    expect(Date.parse(res.body.createdAt)).not.toBeNaN();
    expect(res.body.updatedAt).toBe(res.body.createdAt);

    const got = await api.get(`/api/v1/freezers/${res.body.id}`);
    expect(got.status).toBe(200);
    expect(got.body).toEqual(res.body);
  });

  it("lists only the caller's freezers, in creation order, with what is inside them", async () => {
    const alice = await signUp(server.url);
    const bob = await signUp(server.url);
    const a1 = await newFreezer(alice.api, 'Kitchen', 3);
    const a2 = await newFreezer(alice.api, 'Cellar', 5);
    const b1 = await newFreezer(bob.api, 'Bob only', 2);
    await putIn(alice.api, a1.id, 1, { quantity: 4 });
    await putIn(alice.api, a1.id, 2, { quantity: 2 });
    const out = await putIn(alice.api, a1.id, 3, { quantity: 10 });
    await takeOut(alice.api, out.id);

    const list = await alice.api.get('/api/v1/freezers');
    expect(list.status).toBe(200);
    expect(list.body.map((f: any) => [f.id, f.name, f.boxCount, f.productsInside, f.portionsInside])).toEqual([
      [a1.id, 'Kitchen', 3, 2, 6],
      [a2.id, 'Cellar', 5, 0, 0],
    ]);
    expect(list.body.some((f: any) => f.id === b1.id)).toBe(false);

    const bobList = await bob.api.get('/api/v1/freezers');
    expect(bobList.body.map((f: any) => f.id)).toEqual([b1.id]);
  });

  it("answers 404 for another user's freezer, on every route, and leaves it alone", async () => {
    const alice = await signUp(server.url);
    const bob = await signUp(server.url);
    const f = await newFreezer(alice.api, 'Private', 2);
    expectProblem(await bob.api.get(`/api/v1/freezers/${f.id}`), 404);
    expectProblem(await bob.api.patch(`/api/v1/freezers/${f.id}`, { name: 'Hijacked' }), 404);
    expectProblem(await bob.api.delete(`/api/v1/freezers/${f.id}`), 404);
    expectProblem(await bob.api.get(`/api/v1/freezers/${f.id}/next-slots`), 404);
    expectProblem(await bob.api.get(`/api/v1/freezers/${f.id}/boxes`), 404);
    const still = await alice.api.get(`/api/v1/freezers/${f.id}`);
    expect(still.body).toMatchObject({ name: 'Private', boxCount: 2 });
  });

  it('answers 404 for a freezer that does not exist and 400 for a malformed id', async () => {
    const { api } = await signUp(server.url);
    expectProblem(await api.get('/api/v1/freezers/999999'), 404);
    expectProblem(await api.get('/api/v1/freezers/abc'), 400);
    expectProblem(await api.get('/api/v1/freezers/0'), 400);
  });

  it('requires authentication', async () => {
    const res = await fetch(`${server.url}/api/v1/freezers`);
    expect(res.status).toBe(401);
  });

  it('renames a freezer and changes its updatedAt, keeping its boxes', async () => {
    const { api } = await signUp(server.url);
    const f = await newFreezer(api, 'Old name', 4);
    const res = await api.patch(`/api/v1/freezers/${f.id}`, { name: ' New name ' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: f.id, name: 'New name', boxCount: 4, createdAt: f.createdAt });
    expect(res.body.updatedAt >= f.updatedAt).toBe(true);
    expect((await api.get(`/api/v1/freezers/${f.id}`)).body.name).toBe('New name');
  });

  it('grows and shrinks an empty freezer', async () => {
    const { api } = await signUp(server.url);
    const f = await newFreezer(api, 'Resizable', 4);
    expect((await api.patch(`/api/v1/freezers/${f.id}`, { boxCount: 10 })).body.boxCount).toBe(10);
    expect((await api.patch(`/api/v1/freezers/${f.id}`, { boxCount: 1 })).body.boxCount).toBe(1);
    expect((await api.get(`/api/v1/freezers/${f.id}`)).body.boxCount).toBe(1);
  });

  it('refuses to shrink below a box that still holds a product (409), and allows it once the product is out', async () => {
    const { api } = await signUp(server.url);
    const f = await newFreezer(api, 'Chest', 5);
    const p = await putIn(api, f.id, 4, { quantity: 2 });

    const refused = expectProblem(await api.patch(`/api/v1/freezers/${f.id}`, { boxCount: 3 }), 409);
    expect(refused.errors?.[0]?.field).toBe('boxCount');
    // Rename + shrink in one request: nothing is changed at all.
    expectProblem(await api.patch(`/api/v1/freezers/${f.id}`, { name: 'Renamed', boxCount: 2 }), 409);
    expect((await api.get(`/api/v1/freezers/${f.id}`)).body).toMatchObject({ name: 'Chest', boxCount: 5, productsInside: 1, portionsInside: 2 });

    // Shrinking down to exactly the highest box in use is fine.
    expect((await api.patch(`/api/v1/freezers/${f.id}`, { boxCount: 4 })).status).toBe(200);

    await takeOut(api, p.id);
    const shrunk = await api.patch(`/api/v1/freezers/${f.id}`, { boxCount: 2 });
    expect(shrunk.status).toBe(200);
    expect(shrunk.body).toMatchObject({ boxCount: 2, productsInside: 0, portionsInside: 0 });
  });
});

describe('freezers: delete', () => {
  it('deletes an empty freezer: 204, then 404 and gone from the list', async () => {
    const { api } = await signUp(server.url);
    const keep = await newFreezer(api, 'Keep', 1);
    const f = await newFreezer(api, 'Empty', 3);
    const res = await api.delete(`/api/v1/freezers/${f.id}`);
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    expectProblem(await api.get(`/api/v1/freezers/${f.id}`), 404);
    expectProblem(await api.delete(`/api/v1/freezers/${f.id}`), 404);
    expect((await api.get('/api/v1/freezers')).body.map((x: any) => x.id)).toEqual([keep.id]);
  });

  it('refuses to delete a freezer with a product inside (409) and keeps it', async () => {
    const { api } = await signUp(server.url);
    const f = await newFreezer(api, 'Full', 2);
    const p = await putIn(api, f.id, 1);
    expectProblem(await api.delete(`/api/v1/freezers/${f.id}`), 409);
    expect((await api.get(`/api/v1/freezers/${f.id}`)).body).toMatchObject({ name: 'Full', productsInside: 1 });
    expect((await api.get(`/api/v1/products/${p.id}`)).status).toBe(200);
  });

  it('refuses to delete a freezer whose products are only in its history (409) and keeps it', async () => {
    const { api } = await signUp(server.url);
    const f = await newFreezer(api, 'Had soup', 2);
    const p = await putIn(api, f.id, 2, { quantity: 3 });
    await takeOut(api, p.id);
    expect((await api.get(`/api/v1/freezers/${f.id}`)).body.productsInside).toBe(0);

    expectProblem(await api.delete(`/api/v1/freezers/${f.id}`), 409);
    expect((await api.get(`/api/v1/freezers/${f.id}`)).status).toBe(200);
    const history = await api.get(`/api/v1/products?status=outside&freezerId=${f.id}`);
    expect(history.body.items.map((x: any) => x.id)).toEqual([p.id]);
  });
});

describe('freezers: next free slots', () => {
  it('gives slot 1 for every box of an empty freezer', async () => {
    const { api } = await signUp(server.url);
    const f = await newFreezer(api, 'Fresh', 3);
    const res = await api.get(`/api/v1/freezers/${f.id}/next-slots`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual([
      { box: 1, nextSlot: 1 },
      { box: 2, nextSlot: 1 },
      { box: 3, nextSlot: 1 },
    ]);
  });

  it('gives the smallest positive slot not used inside each box, and reuses a slot once its product is out', async () => {
    const { api } = await signUp(server.url);
    const f = await newFreezer(api, 'Slots', 3);
    const s1 = await putIn(api, f.id, 1, { slot: 1 });
    await putIn(api, f.id, 1, { slot: 2 });
    await putIn(api, f.id, 1, { slot: 4 });
    await putIn(api, f.id, 2, { slot: 2 });
    await putIn(api, f.id, 3, { slot: 1 });
    await putIn(api, f.id, 3, { slot: 2 });

    const slots = async () => (await api.get(`/api/v1/freezers/${f.id}/next-slots`)).body;
    expect(await slots()).toEqual([
      { box: 1, nextSlot: 3 },
      { box: 2, nextSlot: 1 },
      { box: 3, nextSlot: 3 },
    ]);

    await takeOut(api, s1.id);
    expect((await slots())[0]).toEqual({ box: 1, nextSlot: 1 });

    // A product put in box 1 without a slot takes the freed slot 1, then the gap at 3.
    expect((await putIn(api, f.id, 1)).slot).toBe(1);
    expect((await putIn(api, f.id, 1)).slot).toBe(3);
    expect((await slots())[0]).toEqual({ box: 1, nextSlot: 5 });
  });

  it('follows a resize: new boxes appear with slot 1', async () => {
    const { api } = await signUp(server.url);
    const f = await newFreezer(api, 'Growing', 1);
    await putIn(api, f.id, 1);
    await api.patch(`/api/v1/freezers/${f.id}`, { boxCount: 2 });
    expect((await api.get(`/api/v1/freezers/${f.id}/next-slots`)).body).toEqual([
      { box: 1, nextSlot: 2 },
      { box: 2, nextSlot: 1 },
    ]);
  });
});

describe('freezers: content by box', () => {
  it('groups the products inside by box, ordered by slot, with each box next free slot', async () => {
    const { api } = await signUp(server.url);
    const f = await newFreezer(api, 'Boxes', 3);
    const b1s2 = await putIn(api, f.id, 1, { slot: 2, name: 'Peas' });
    const b1s1 = await putIn(api, f.id, 1, { slot: 1, name: 'Beans' });
    const b3s1 = await putIn(api, f.id, 3, { slot: 1, name: 'Bread', typeId: 27, quantity: 3 });
    const gone = await putIn(api, f.id, 3, { slot: 2, name: 'Eaten' });
    await takeOut(api, gone.id);

    const res = await api.get(`/api/v1/freezers/${f.id}/boxes`);
    expect(res.status).toBe(200);
    expect(res.body.freezer).toMatchObject({ id: f.id, name: 'Boxes', boxCount: 3, productsInside: 3, portionsInside: 5 });
    expect(res.body.boxes.map((b: any) => ({ box: b.box, nextSlot: b.nextSlot, ids: b.products.map((p: any) => p.id) }))).toEqual([
      { box: 1, nextSlot: 3, ids: [b1s1.id, b1s2.id] },
      { box: 2, nextSlot: 1, ids: [] },
      { box: 3, nextSlot: 2, ids: [b3s1.id] },
    ]);
    expect(res.body.boxes[2].products[0]).toMatchObject({ name: 'Bread', typeId: 27, typeName: 'bread', box: 3, slot: 1, quantity: 3, inside: true, freezerName: 'Boxes' });
  });
});

describe('freezers: validation', () => {
  const cases: Array<[string, unknown, string]> = [
    ['boxCount 0', { name: 'X', boxCount: 0 }, 'boxCount'],
    ['boxCount 1001', { name: 'X', boxCount: 1001 }, 'boxCount'],
    ['boxCount as a string', { name: 'X', boxCount: '4' }, 'boxCount'],
    ['boxCount not an integer', { name: 'X', boxCount: 2.5 }, 'boxCount'],
    ['missing name', { boxCount: 4 }, 'name'],
    ['missing boxCount', { name: 'X' }, 'boxCount'],
    ['empty name', { name: '', boxCount: 4 }, 'name'],
    ['name of spaces', { name: '   ', boxCount: 4 }, 'name'],
    ['unknown field', { name: 'X', boxCount: 4, colour: 'white' }, 'colour'],
  ];

  for (const [label, body, field] of cases) {
    it(`refuses ${label}: 400 problem naming "${field}", nothing created`, async () => {
      const { api } = await signUp(server.url);
      const problem = expectProblem(await api.post('/api/v1/freezers', body), 400);
      expect(problem.errors?.map((e) => e.field)).toContain(field);
      expect(problem.errors?.every((e) => typeof e.message === 'string' && e.message.length > 0)).toBe(true);
      expect((await api.get('/api/v1/freezers')).body).toEqual([]);
    });
  }

  it('refuses a non-object body, malformed JSON and a non-JSON content type', async () => {
    const { api } = await signUp(server.url);
    expectProblem(await api.post('/api/v1/freezers', [1, 2]), 400);
    expectProblem(await api.post('/api/v1/freezers', undefined, { raw: '{"name": "X", "boxCount": ' }), 400);
    expectProblem(await api.post('/api/v1/freezers', undefined, { raw: 'name=X', contentType: 'text/plain' }), 415);
    expect((await api.get('/api/v1/freezers')).body).toEqual([]);
  });

  it('refuses an invalid or empty patch and leaves the freezer unchanged', async () => {
    const { api } = await signUp(server.url);
    const f = await newFreezer(api, 'Stable', 3);
    for (const [body, field] of [
      [{ boxCount: 0 }, 'boxCount'],
      [{ boxCount: 1001 }, 'boxCount'],
      [{ boxCount: '2' }, 'boxCount'],
      [{ name: '  ' }, 'name'],
      [{ name: 'Ok', shelves: 2 }, 'shelves'],
    ] as const) {
      const problem = expectProblem(await api.patch(`/api/v1/freezers/${f.id}`, body), 400);
      expect(problem.errors?.map((e) => e.field)).toContain(field);
    }
    expectProblem(await api.patch(`/api/v1/freezers/${f.id}`, {}), 400);
    expect((await api.get(`/api/v1/freezers/${f.id}`)).body).toMatchObject({ name: 'Stable', boxCount: 3, updatedAt: f.updatedAt });
  });
});
