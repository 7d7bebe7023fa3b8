import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, databaseDigest, expectProblem, signUp, startServer, type ApiResponse, type Client, type TestServer } from '../helpers.js';
import { jpeg, upload } from '../photos/photo-helpers.js';

/**
 * One user's objects are invisible and untouchable for everybody else: every /api/v1 route that
 * takes an id answers 404 (as for an id that does not exist), and nothing of the owner's changes.
 */

let server: TestServer;

/** The database digest (helpers.databaseDigest), checking the tables it must cover are there. */
async function digestAll(): Promise<string> {
  const { digest, tables } = await databaseDigest(server.app.db);
  expect(tables).toEqual(expect.arrayContaining(['products', 'freezers', 'api_tokens', 'users', 'freezer_members']));
  return digest;
}

/** Every row that belongs to one user (their freezers, those freezers' products, their tokens, their account), byte for byte. */
async function ownerRows(userId: number): Promise<string> {
  const db = server.app.db;
  const rows = async (query: ReturnType<typeof sql>) => (await query.execute(db)).rows;
  const freezerIds = sql`(select freezer_id from freezer_members where user_id = ${userId})`;
  return JSON.stringify({
    users: await rows(sql`select * from users where id = ${userId}`),
    members: await rows(sql`select * from freezer_members where user_id = ${userId} order by freezer_id`),
    freezers: await rows(sql`select * from freezers where id in ${freezerIds} order by id`),
    products: await rows(sql`select * from products where freezer_id in ${freezerIds} or user_id = ${userId} order by id`),
    tokens: await rows(sql`select * from api_tokens where user_id = ${userId} order by id`),
    photos: await rows(sql`select * from photos where user_id = ${userId} order by id`),
  });
}

interface Owner {
  id: number;
  api: Client;
  freezer: number;
  emptyFreezer: number;
  inside: number;
  history: number;
  out: number;
  tokens: number[];
  photo: number;
}

let owner: Owner;
let ownerSnapshot: string;
let ownerRowCounts: { freezers: number; products: number; tokens: number };
let intruder: { id: number; api: Client; readApi: Client; freezer: number; product: number };
let admin: Client;
const MARKER = 'A-secret';
const OWNER_TYPE = 24; // ice-cream: only the owner uses it
const INTRUDER_TYPE = 1; // soup
const NOWHERE = 2_000_000_000;

type IdKind = 'freezer' | 'product' | 'token' | 'photo';

interface Case {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** OpenAPI form, e.g. /api/v1/freezers/{id} */
  path: string;
  kind: IdKind;
  body?: () => unknown;
  note?: string;
}

/** Every route that takes an id in its path, with the owner's ids it is tried with. */
const ID_CASES: Case[] = [
  { method: 'GET', path: '/api/v1/freezers/{id}', kind: 'freezer' },
  { method: 'PATCH', path: '/api/v1/freezers/{id}', kind: 'freezer', body: () => ({ name: 'pwned' }), note: 'rename' },
  { method: 'PATCH', path: '/api/v1/freezers/{id}', kind: 'freezer', body: () => ({ boxCount: 1000 }), note: 'resize' },
  { method: 'DELETE', path: '/api/v1/freezers/{id}', kind: 'freezer' },
  { method: 'GET', path: '/api/v1/freezers/{id}/next-slots', kind: 'freezer' },
  { method: 'GET', path: '/api/v1/freezers/{id}/boxes', kind: 'freezer' },
  { method: 'GET', path: '/api/v1/products/{id}', kind: 'product' },
  { method: 'PATCH', path: '/api/v1/products/{id}', kind: 'product', body: () => ({ name: 'pwned', quantity: 99 }), note: 'edit' },
  { method: 'PATCH', path: '/api/v1/products/{id}', kind: 'product', body: () => ({ freezerId: intruder.freezer, box: 1 }), note: "move into the intruder's freezer" },
  { method: 'PATCH', path: '/api/v1/products/{id}', kind: 'product', body: () => ({ dateOut: null }), note: 'put back inside' },
  { method: 'DELETE', path: '/api/v1/products/{id}', kind: 'product' },
  { method: 'POST', path: '/api/v1/products/{id}/take-out', kind: 'product' },
  { method: 'POST', path: '/api/v1/products/{id}/take-out', kind: 'product', body: () => ({ portions: 1 }), note: 'one portion' },
  { method: 'POST', path: '/api/v1/products/{id}/undo-take-out', kind: 'product' },
  { method: 'DELETE', path: '/api/v1/tokens/{id}', kind: 'token' },
  { method: 'GET', path: '/api/v1/products/{id}/photos', kind: 'product' },
  { method: 'PUT', path: '/api/v1/products/{id}/cover', kind: 'product', body: () => ({ photoId: owner.photo }) },
  { method: 'DELETE', path: '/api/v1/products/{id}/cover', kind: 'product' },
  { method: 'GET', path: '/api/v1/photos/{id}', kind: 'photo' },
  { method: 'PATCH', path: '/api/v1/photos/{id}', kind: 'photo', body: () => ({ caption: 'pwned', notes: 'pwned' }), note: 'edit' },
  { method: 'PATCH', path: '/api/v1/photos/{id}', kind: 'photo', body: () => ({ productId: intruder.product }), note: "attach to the intruder's product" },
  { method: 'DELETE', path: '/api/v1/photos/{id}', kind: 'photo' },
  { method: 'GET', path: '/api/v1/photos/{id}/original', kind: 'photo' },
  { method: 'GET', path: '/api/v1/photos/{id}/preview', kind: 'photo' },
  { method: 'GET', path: '/api/v1/photos/{id}/similar', kind: 'photo' },
  { method: 'POST', path: '/api/v1/photos/{id}/share', kind: 'photo' },
  { method: 'DELETE', path: '/api/v1/photos/{id}/share', kind: 'photo' },
];

/** Writes that name the owner's freezer in their body. */
const BODY_CASES: Array<{ name: string; method: 'POST' | 'PATCH'; url: () => string; body: () => unknown }> = [
  {
    name: "POST /products into the owner's freezer",
    method: 'POST',
    url: () => '/api/v1/products',
    body: () => ({ name: 'intruder soup', typeId: INTRUDER_TYPE, freezerId: owner.freezer, box: 1, quantity: 1 }),
  },
  {
    name: "POST /products into the owner's empty freezer, explicit slot",
    method: 'POST',
    url: () => '/api/v1/products',
    body: () => ({ name: 'intruder soup', typeId: INTRUDER_TYPE, freezerId: owner.emptyFreezer, box: 1, slot: 7, quantity: 1 }),
  },
  {
    name: "PATCH the intruder's own product into the owner's freezer",
    method: 'PATCH',
    url: () => `/api/v1/products/${intruder.product}`,
    body: () => ({ freezerId: owner.freezer }),
  },
  {
    name: "PATCH the intruder's own product into the owner's freezer, box and slot given",
    method: 'PATCH',
    url: () => `/api/v1/products/${intruder.product}`,
    body: () => ({ freezerId: owner.emptyFreezer, box: 1, slot: 1 }),
  },
];

function idsOf(kind: IdKind): number[] {
  if (kind === 'freezer') return [owner.freezer, owner.emptyFreezer];
  if (kind === 'product') return [owner.inside, owner.history, owner.out];
  if (kind === 'photo') return [owner.photo];
  return owner.tokens;
}

function send(api: Client, method: string, url: string, body?: unknown): Promise<ApiResponse> {
  const options = body === undefined ? {} : { body };
  switch (method) {
    case 'GET':
      return api.get(url);
    case 'DELETE':
      return api.delete(url);
    case 'POST':
      return api.post(url, undefined, options);
    case 'PATCH':
      return api.patch(url, undefined, options);
    default:
      return api.put(url, undefined, options);
  }
}

/** The answer without what differs between any two requests. */
function comparable(res: ApiResponse) {
  return { status: res.status, contentType: res.headers.get('content-type'), body: res.body };
}

beforeAll(async () => {
  server = await startServer();
  // The first account is the administrator: owner and intruder are ordinary users.
  admin = (await signUp(server.url)).api;

  const a = await signUp(server.url);
  const freezer = await a.api.post('/api/v1/freezers', { name: `${MARKER} freezer`, boxCount: 3 });
  expect(freezer.status).toBe(201);
  const emptyFreezer = await a.api.post('/api/v1/freezers', { name: `${MARKER} empty freezer`, boxCount: 2 });
  expect(emptyFreezer.status).toBe(201);
  const inside = await a.api.post('/api/v1/products', {
    name: `${MARKER} ice-cream`,
    description: `${MARKER} description`,
    typeId: OWNER_TYPE,
    freezerId: freezer.body.id,
    box: 1,
    quantity: 4,
    dateIn: '2020-01-10',
  });
  expect(inside.status).toBe(201);
  const partial = await a.api.post(`/api/v1/products/${inside.body.id}/take-out`, { portions: 1 });
  expect(partial.status).toBe(200);
  expect(partial.body.product.quantity).toBe(3);
  expect(partial.body.takenOut.sourceProductId).toBe(inside.body.id);
  const out = await a.api.post('/api/v1/products', { name: `${MARKER} sorbet`, typeId: OWNER_TYPE, freezerId: freezer.body.id, box: 2, quantity: 2 });
  expect(out.status).toBe(201);
  expect((await a.api.post(`/api/v1/products/${out.body.id}/take-out`)).status).toBe(200);
  const readToken = await a.api.post('/api/v1/tokens', { name: `${MARKER} token`, scope: 'read' });
  expect(readToken.status).toBe(201);
  const tokens = (await a.api.get('/api/v1/tokens')).body as Array<{ id: number }>;
  expect(tokens).toHaveLength(2);
  const photo = await upload(server.url, a.token, [{ field: 'product_id', value: String(inside.body.id) }, { filename: `${MARKER}.jpg`, data: await jpeg(1) }]);
  expect(photo.status).toBe(201);
  // Previews made now: no background write may change the owner's rows during the checks.
  expect((await a.api.get(photo.body[0].preview_url)).status).toBe(200);
  owner = {
    id: a.user.id,
    api: a.api,
    freezer: freezer.body.id,
    emptyFreezer: emptyFreezer.body.id,
    inside: inside.body.id,
    history: partial.body.takenOut.id,
    out: out.body.id,
    tokens: tokens.map((t) => t.id),
    photo: photo.body[0].id,
  };

  const b = await signUp(server.url);
  const bFreezer = await b.api.post('/api/v1/freezers', { name: 'B freezer', boxCount: 2 });
  const bProduct = await b.api.post('/api/v1/products', { name: 'B soup', typeId: INTRUDER_TYPE, freezerId: bFreezer.body.id, box: 1, quantity: 2 });
  expect(bProduct.status).toBe(201);
  const bRead = await b.api.post('/api/v1/tokens', { name: 'B read', scope: 'read' });
  expect(bRead.status).toBe(201);
  intruder = { id: b.user.id, api: b.api, readApi: client(server.url, bRead.body.secret), freezer: bFreezer.body.id, product: bProduct.body.id };
  // Authenticate each credential once so that nothing below is the first use of a token.
  await intruder.readApi.get('/api/v1/me');
  await admin.get('/api/v1/me');

  ownerSnapshot = await ownerRows(owner.id);
  const parsed = JSON.parse(ownerSnapshot);
  ownerRowCounts = { freezers: parsed.freezers.length, products: parsed.products.length, tokens: parsed.tokens.length };
});

afterAll(async () => server?.close());

describe("another user's ids", () => {
  it('the table covers every route with an id in its path (outside /admin and /types)', async () => {
    const doc = (await client(server.url).get('/openapi.json')).body;
    const idRoutes: string[] = [];
    for (const [p, ops] of Object.entries<Record<string, unknown>>(doc.paths)) {
      if (!p.startsWith('/api/v1/') || !p.includes('{id}') || p.startsWith('/api/v1/admin/') || p.startsWith('/api/v1/types/')) continue;
      for (const method of Object.keys(ops)) {
        if (['get', 'post', 'put', 'patch', 'delete'].includes(method)) idRoutes.push(`${method.toUpperCase()} ${p}`);
      }
    }
    const covered = new Set(ID_CASES.map((c) => `${c.method} ${c.path}`));
    expect(idRoutes.length).toBeGreaterThanOrEqual(11);
    expect(idRoutes.filter((r) => !covered.has(r)), 'id routes without an isolation case').toEqual([]);
    // and the table names no route that does not exist
    expect([...covered].filter((r) => !idRoutes.includes(r))).toEqual([]);
  });

  it('the owner really holds what the intruders try: an inside product, a partial take-out row, a product out, two tokens', () => {
    expect(ownerRowCounts).toEqual({ freezers: 2, products: 3, tokens: 2 });
    const rows = JSON.parse(ownerSnapshot).products as Array<{ id: number; date_out: string | null; source_product_id: number | null }>;
    expect(rows.find((r) => r.id === owner.inside)?.date_out).toBeNull();
    expect(rows.find((r) => r.id === owner.history)?.source_product_id).toBe(owner.inside);
    expect(rows.find((r) => r.id === owner.out)?.date_out).not.toBeNull();
  });

  const attackers: Array<{ name: string; api: () => Client; readOnly: boolean }> = [
    { name: 'the other user', api: () => intruder.api, readOnly: false },
    { name: "the other user's read token", api: () => intruder.readApi, readOnly: true },
    { name: 'an administrator', api: () => admin, readOnly: false },
  ];

  for (const attacker of attackers) {
    describe(attacker.name, () => {
      for (const c of ID_CASES) {
        const label = `${c.method} ${c.path}${c.note ? ` (${c.note})` : ''}`;
        it(`${label}: answers exactly as for an id that does not exist`, async () => {
          const before = await digestAll();
          for (const id of idsOf(c.kind)) {
            const url = c.path.replace('{id}', String(id));
            const res = await send(attacker.api(), c.method, url, c.body?.());
            const expected = attacker.readOnly && c.method !== 'GET' ? 403 : 404;
            const problem = expectProblem(res, expected);
            if (expected === 403) expect(problem.type).toBe('urn:freezer-manager:problem:read-only-token');
            else expect(problem.type).toMatch(/:(freezer|product|token|photo)-not-found$/);
            // Never reveal that the object exists: the same answer as for an unknown id.
            const missing = await send(attacker.api(), c.method, c.path.replace('{id}', String(NOWHERE)), c.body?.());
            expect(comparable(res), `${c.method} ${url}`).toEqual(comparable(missing));
          }
          expect(await digestAll()).toBe(before);
          expect(await ownerRows(owner.id)).toBe(ownerSnapshot);
        });
      }

      for (const c of BODY_CASES) {
        it(`${c.name}: 404, nothing written`, async () => {
          const before = await digestAll();
          const res = await send(attacker.api(), c.method, c.url(), c.body());
          if (attacker.readOnly) {
            expect(expectProblem(res, 403).type).toBe('urn:freezer-manager:problem:read-only-token');
          } else if (attacker.name === 'an administrator' && c.method === 'PATCH') {
            // the intruder's product is not the administrator's either
            expect(expectProblem(res, 404).type).toBe('urn:freezer-manager:problem:product-not-found');
          } else {
            const problem = expectProblem(res, 404);
            expect(problem.type).toBe('urn:freezer-manager:problem:freezer-not-found');
            expect(problem.errors).toEqual([{ field: 'freezerId', message: expect.any(String) }]);
          }
          expect(await digestAll()).toBe(before);
          expect(await ownerRows(owner.id)).toBe(ownerSnapshot);
        });
      }

      it('lists, filters and trends never contain the owner’s objects', async () => {
        const api = attacker.api();
        const isIntruder = attacker.name !== 'an administrator';
        const responses: ApiResponse[] = [];
        const all = await api.get('/api/v1/products?status=all&limit=500');
        expect(all.status).toBe(200);
        expect(all.body.items.map((p: { id: number }) => p.id)).toEqual(isIntruder ? [intruder.product] : []);
        expect(all.body.total).toBe(isIntruder ? 1 : 0);
        responses.push(all);
        for (const status of ['inside', 'outside']) {
          const res = await api.get(`/api/v1/products?status=${status}&limit=500`);
          expect(res.status).toBe(200);
          responses.push(res);
        }
        for (const freezerId of [owner.freezer, owner.emptyFreezer]) {
          const filtered = await api.get(`/api/v1/products?status=all&freezerId=${freezerId}`);
          expect(filtered.status).toBe(200);
          expect(filtered.body).toMatchObject({ items: [], total: 0 });
        }
        const byType = await api.get(`/api/v1/products?status=all&typeId=${OWNER_TYPE}`);
        expect(byType.body).toMatchObject({ items: [], total: 0 });
        const search = await api.get(`/api/v1/products?status=all&q=${encodeURIComponent(MARKER)}`);
        expect(search.body).toMatchObject({ items: [], total: 0 });

        const freezers = await api.get('/api/v1/freezers');
        expect(freezers.status).toBe(200);
        expect(freezers.body.map((f: { id: number }) => f.id)).toEqual(isIntruder ? [intruder.freezer] : []);
        responses.push(freezers);

        const personal = await api.get('/api/v1/trends/personal');
        expect(personal.status).toBe(200);
        expect(personal.body.map((t: { typeId: number; freq: number }) => [t.typeId, t.freq])).toEqual(isIntruder ? [[INTRUDER_TYPE, 1]] : []);
        responses.push(personal);

        const eatFirst = await api.get('/api/v1/trends/eat-first?limit=200');
        expect(eatFirst.status).toBe(200);
        expect(eatFirst.body.map((p: { id: number }) => p.id)).toEqual(isIntruder ? [intruder.product] : []);
        responses.push(eatFirst);

        const consumption = await api.get('/api/v1/trends/consumption');
        expect(consumption.status).toBe(200);
        expect(consumption.body.every((m: { portions: number }) => m.portions === 0)).toBe(true);

        const tokens = await api.get('/api/v1/tokens');
        expect(tokens.status).toBe(200);
        expect(tokens.body.map((t: { id: number }) => t.id).filter((id: number) => owner.tokens.includes(id))).toEqual([]);
        responses.push(tokens);

        if (isIntruder) {
          const boxes = await api.get(`/api/v1/freezers/${intruder.freezer}/boxes`);
          expect(boxes.status).toBe(200);
          expect(boxes.body.boxes.flatMap((b: { products: Array<{ id: number }> }) => b.products.map((p) => p.id))).toEqual([intruder.product]);
          responses.push(boxes);
        }
        for (const res of responses) expect(res.text).not.toContain(MARKER);
      });
    });
  }

  it("afterwards the owner's data is byte for byte what it was, and the owner still reaches all of it", async () => {
    expect(await ownerRows(owner.id)).toBe(ownerSnapshot);
    for (const id of [owner.freezer, owner.emptyFreezer]) expect((await owner.api.get(`/api/v1/freezers/${id}`)).status).toBe(200);
    for (const id of [owner.inside, owner.history, owner.out]) {
      const res = await owner.api.get(`/api/v1/products/${id}`);
      expect(res.status).toBe(200);
      expect(res.body.name).toContain(MARKER);
    }
    const inside = await owner.api.get(`/api/v1/products/${owner.inside}`);
    expect(inside.body).toMatchObject({ quantity: 3, inside: true, freezerId: owner.freezer, box: 1 });
    expect((await owner.api.get('/api/v1/tokens')).body.map((t: { id: number }) => t.id)).toEqual(owner.tokens);
    const all = await owner.api.get('/api/v1/products?status=all');
    expect(all.body.total).toBe(3);
  });
});
