import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, databaseDigest, expectProblem, request, signUp, startServer, type ApiResponse, type Client, type TestServer } from '../helpers.js';
import { filesUnder, jpeg, multipartBody, upload } from '../photos/photo-helpers.js';
import { expectSeed } from '../seed-api/seed-helpers.js';

/**
 * What test/api/isolation.test.ts leaves out, derived from /openapi.json so that a new route cannot
 * escape: the id routes under /admin and /types (administrators only: 403 for everybody else), a
 * read token on every write of both APIs (403, nothing written, no file stored), and attaching
 * another user's objects to one's own (upload into their product, their photo as one's cover, the
 * seed API's freezer ids in URLs and bodies).
 */

let server: TestServer;
let admin: { api: Client; token: string; readToken: string; id: number };
let owner: { api: Client; token: string; readToken: string; id: number; freezer: number; product: number; photo: number; type: number };
let intruder: { api: Client; token: string; id: number; freezer: number; product: number; photo: number };
const NOWHERE = 2_000_000_000;

const state = async () => ({ digest: (await databaseDigest(server.app.db)).digest, files: filesUnder(path.join(server.dataDir, 'photos')).join('\n') });

interface Doc {
  paths: Record<string, Record<string, { security?: unknown[]; tags?: string[]; requestBody?: { content?: Record<string, unknown> } }>>;
}
let doc: Doc;
const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

function operations(filter: (path: string, method: string, op: Doc['paths'][string][string]) => boolean): Array<{ method: string; path: string; op: Doc['paths'][string][string] }> {
  const out: Array<{ method: string; path: string; op: Doc['paths'][string][string] }> = [];
  for (const [p, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) if (METHODS.includes(method) && filter(p, method, op)) out.push({ method: method.toUpperCase(), path: p, op });
  }
  return out;
}

beforeAll(async () => {
  server = await startServer();
  const a = await signUp(server.url);
  const aRead = await a.api.post('/api/v1/tokens', { name: 'admin display', scope: 'read' });
  admin = { api: a.api, token: a.token, readToken: aRead.body.secret, id: a.user.id };
  const type = await a.api.post('/api/v1/types', { nameEn: 'dumplings', nameFr: 'raviolis', periodMonths: 3 });
  expect(type.status).toBe(201);

  const o = await signUp(server.url);
  const freezer = await o.api.post('/api/v1/freezers', { name: 'Owner freezer', boxCount: 2 });
  const product = await o.api.post('/api/v1/products', { name: 'Owner soup', typeId: 1, freezerId: freezer.body.id, box: 1, quantity: 3 });
  expect(product.status).toBe(201);
  const photo = await upload(server.url, o.token, [{ field: 'product_id', value: String(product.body.id) }, { filename: 'o.jpg', data: await jpeg(11) }]);
  expect(photo.status).toBe(201);
  expect((await o.api.get(photo.body[0].preview_url)).status).toBe(200);
  const oRead = await o.api.post('/api/v1/tokens', { name: 'owner display', scope: 'read' });
  owner = { api: o.api, token: o.token, readToken: oRead.body.secret, id: o.user.id, freezer: freezer.body.id, product: product.body.id, photo: photo.body[0].id, type: type.body.id };

  const b = await signUp(server.url);
  const bFreezer = await b.api.post('/api/v1/freezers', { name: 'Intruder freezer', boxCount: 2 });
  const bProduct = await b.api.post('/api/v1/products', { name: 'Intruder soup', typeId: 1, freezerId: bFreezer.body.id, box: 1, quantity: 1 });
  const bPhoto = await upload(server.url, b.token, [{ filename: 'b.jpg', data: await jpeg(12) }]);
  expect(bPhoto.status).toBe(201);
  expect((await b.api.get(bPhoto.body[0].preview_url)).status).toBe(200);
  intruder = { api: b.api, token: b.token, id: b.user.id, freezer: bFreezer.body.id, product: bProduct.body.id, photo: bPhoto.body[0].id };

  // First use of every credential before any digest.
  for (const t of [admin.readToken, owner.readToken]) await client(server.url, t).get('/api/v1/me');
  doc = (await client(server.url).get('/openapi.json')).body;
});

afterAll(async () => server?.close());

/** The id routes isolation.test.ts does not take: every one must be listed here with what others get. */
const ADMIN_AND_SHARED: Record<string, { id: () => number; expect: 'admin-only' | 'same-for-everyone' }> = {
  'GET /api/v1/types/{id}': { id: () => owner.type, expect: 'same-for-everyone' },
  'PATCH /api/v1/types/{id}': { id: () => owner.type, expect: 'admin-only' },
  'DELETE /api/v1/types/{id}': { id: () => owner.type, expect: 'admin-only' },
  'PATCH /api/v1/admin/users/{id}': { id: () => owner.id, expect: 'admin-only' },
};

const BODIES: Record<string, unknown> = {
  'PATCH /api/v1/types/{id}': { nameEn: 'pwned' },
  'PATCH /api/v1/admin/users/{id}': { disabled: true },
};

describe('id routes under /admin and /types', () => {
  it('the table names exactly the id routes of the document under /admin and /types', () => {
    const idRoutes = operations((p) => p.startsWith('/api/v1/') && p.includes('{id}') && (p.startsWith('/api/v1/admin/') || p.startsWith('/api/v1/types/'))).map((o) => `${o.method} ${o.path}`);
    expect(idRoutes.sort()).toEqual(Object.keys(ADMIN_AND_SHARED).sort());
  });

  for (const [route, c] of Object.entries(ADMIN_AND_SHARED)) {
    it(`${route}: ${c.expect === 'admin-only' ? 'a non-administrator gets 403 whoever the id names, nothing changes' : 'the shared catalogue answers everybody alike'}`, async () => {
      const [method, p] = route.split(' ') as [string, string];
      const before = await state();
      for (const id of [c.id(), NOWHERE, intruder.id, owner.id]) {
        const url = p.replace('{id}', String(id));
        const body = BODIES[route];
        const answers: ApiResponse[] = [];
        for (const api of [intruder.api, owner.api]) {
          const res = await request(server.url, method, url, { token: api === intruder.api ? intruder.token : owner.token, ...(body ? { body } : {}) });
          answers.push(res);
          if (c.expect === 'admin-only') expect(expectProblem(res, 403).type, `${method} ${url}`).toBe('urn:freezer-manager:problem:admin-only');
        }
        if (c.expect === 'same-for-everyone') expect(answers[0]!.text).toBe(answers[1]!.text);
      }
      expect(await state()).toEqual(before);
    });
  }

  it('every other /admin route refuses a non-administrator (403), whatever the query', async () => {
    const adminRoutes = operations((p) => p.startsWith('/api/v1/admin/') && !p.includes('{id}'));
    expect(adminRoutes.length).toBeGreaterThanOrEqual(3);
    const before = await state();
    for (const { method, path: p } of adminRoutes) {
      for (const query of ['', `?userId=${owner.id}`, `?q=${encodeURIComponent('@')}`]) {
        const res = await request(server.url, method, `${p}${query}`, { token: intruder.token });
        expect(expectProblem(res, 403).type, `${method} ${p}${query}`).toBe('urn:freezer-manager:problem:admin-only');
      }
    }
    expect(await state()).toEqual(before);
  });
});

describe('a read token on every write of the document', () => {
  /** Path parameters filled with objects that exist (the owner's; its token's id; a user; a type). */
  function url(p: string): string {
    const ids: Record<string, number> = { freezers: owner.freezer, products: owner.product, photos: owner.photo, tokens: 1, types: owner.type, users: owner.id };
    return p.replace(/\/([a-z-]+)\/\{id\}/g, (_m, kind: string) => `/${kind}/${ids[kind] ?? 1}`);
  }

  it('/api/v1: 403 read-only-token before any body is read, on the owner’s own objects, nothing written', async () => {
    const writes = operations((p, m, op) => p.startsWith('/api/v1/') && m !== 'get' && !(Array.isArray(op.security) && op.security.length === 0));
    expect(writes.length).toBeGreaterThanOrEqual(20);
    const photo = await jpeg(99);
    for (const who of ['owner', 'admin'] as const) {
      const token = who === 'owner' ? owner.readToken : admin.readToken;
      const before = await state();
      for (const { method, path: p, op } of writes) {
        const target = url(p);
        const label = `${who} read token: ${method} ${target}`;
        if (op.requestBody?.content?.['multipart/form-data']) {
          // A real picture, attached to the owner's product: refused before a byte is stored.
          const { body, contentType } = multipartBody([{ field: 'product_id', value: String(owner.product) }, { filename: 'r.jpg', data: photo }]);
          const res = await fetch(`${server.url}${target}`, { method, headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, body });
          const text = await res.text();
          expect(expectProblem({ status: res.status, headers: res.headers, body: JSON.parse(text), text }, 403).type, label).toBe('urn:freezer-manager:problem:read-only-token');
          continue;
        }
        // Both a well-formed body and none at all: the scope is checked first.
        for (const body of [{ name: 'pwned', boxCount: 1 }, undefined]) {
          const res = await request(server.url, method, target, { token, ...(body ? { body } : {}) });
          expect(expectProblem(res, 403).type, label).toBe('urn:freezer-manager:problem:read-only-token');
        }
      }
      expect((await state()), `${who}: nothing written`).toEqual(before);
    }
  });

  it('the seed API: 403 {status, details} on every write, nothing written', async () => {
    const writes = operations((_p, m, op) => (op.tags ?? []).includes('seed-api') && m !== 'get');
    expect(writes.map((w) => `${w.method} ${w.path}`).sort()).toEqual(
      ['DELETE /freezers/{token}', 'POST /add_product/{token}', 'POST /freezers/{token}', 'POST /update_product/{freezer_id}/{box_num}/{prod_num}/{inside}/{token}', 'PUT /freezers/{token}'].sort(),
    );
    const before = await state();
    for (const { method, path: p } of writes) {
      const target = p
        .replace('{token}', owner.readToken)
        .replace('{freezer_id}', String(owner.freezer))
        .replace('{box_num}', '1')
        .replace('{prod_num}', '1')
        .replace('{inside}', '1');
      const body = { freezer_id: owner.freezer, num_boxes: 1, name: 'pwned' };
      expectSeed(await request(server.url, method, target, { body }), 403);
    }
    expect(await state()).toEqual(before);
  });
});

describe("attaching another user's objects to one's own", () => {
  it("uploading into the owner's product: 404, no photo row, no file", async () => {
    const before = await state();
    const res = await upload(server.url, intruder.token, [{ field: 'product_id', value: String(owner.product) }, { filename: 'x.jpg', data: await jpeg(21) }]);
    expect(expectProblem({ ...res, headers: res.headers }, 404).type).toBe('urn:freezer-manager:problem:product-not-found');
    const missing = await upload(server.url, intruder.token, [{ field: 'product_id', value: String(NOWHERE) }, { filename: 'x.jpg', data: await jpeg(21) }]);
    expect(missing.status).toBe(404);
    expect(missing.body).toEqual(res.body);
    expect(await state()).toEqual(before);
  });

  it("the owner's photo as the cover of one's own product: 404 as for a photo that does not exist", async () => {
    const before = await state();
    const res = await intruder.api.put(`/api/v1/products/${intruder.product}/cover`, { photoId: owner.photo });
    expect(expectProblem(res, 404).type).toBe('urn:freezer-manager:problem:photo-not-found');
    const missing = await intruder.api.put(`/api/v1/products/${intruder.product}/cover`, { photoId: NOWHERE });
    expect(missing.body).toEqual(res.body);
    expect(await state()).toEqual(before);
  });

  it("one's own photo moved onto the owner's product: 404, nothing changed", async () => {
    const before = await state();
    const res = await intruder.api.patch(`/api/v1/photos/${intruder.photo}`, { productId: owner.product });
    expect(expectProblem(res, 404).type).toBe('urn:freezer-manager:problem:product-not-found');
    expect(await state()).toEqual(before);
  });

  it("the seed API with the owner's freezer id, in URLs and bodies: 400 as for a freezer that does not exist, nothing written", async () => {
    const before = await state();
    const t = intruder.token;
    const cases: Array<(freezer: number) => Promise<ApiResponse>> = [
      (f) => request(server.url, 'GET', `/freezer_next_id/${f}/${t}`),
      (f) => request(server.url, 'GET', `/get_product/all/${f}/${t}`),
      (f) => request(server.url, 'POST', `/update_product/${f}/1/1/1/${t}`, { body: { product_name: 'pwned', text_descr: '', freezer_id: '', type_id: '', date_in: '', date_out: '', period: '', box_num: '', prod_num: '', quantity: '' } }),
      (f) =>
        request(server.url, 'POST', `/add_product/${t}`, {
          body: { product_name: 'pwned', text_descr: '', freezer_id: f, type_id: 1, date_in: '2024-01-01', period: 3, box_num: 1, prod_num: 5, quantity: 1 },
        }),
      (f) => request(server.url, 'PUT', `/freezers/${t}`, { body: { freezer_id: f, num_boxes: '', name: 'pwned' } }),
      (f) => request(server.url, 'DELETE', `/freezers/${t}`, { body: { freezer_id: f } }),
    ];
    for (const send of cases) {
      const res = await send(owner.freezer);
      expectSeed(res, 400);
      expect(res.body).toEqual((await send(NOWHERE)).body);
    }
    // and the intruder's own product cannot be moved into the owner's freezer
    const move = await request(server.url, 'POST', `/update_product/${intruder.freezer}/1/1/1/${t}`, {
      body: { product_name: '', text_descr: '', freezer_id: owner.freezer, type_id: '', date_in: '', date_out: '', period: '', box_num: '', prod_num: '', quantity: '' },
    });
    expectSeed(move, 400);
    expect(await state()).toEqual(before);
  });
});
