import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, databaseDigest, daysFromToday, expectProblem, request, signUp, startServer, type ApiResponse, type TestServer } from '../helpers.js';
import { jpeg, upload } from '../photos/photo-helpers.js';

/**
 * No input, however malformed, produces a 500, and nothing is written when a request is refused:
 * a table of malformed bodies against every write route, malformed ids against every id route,
 * injection attempts in fields and query parameters, and anonymous calls on every protected route.
 */

let server: TestServer;
let adminToken: string;
let adminEmail: string;
let adminPassword: string;
// Placeholders until the server runs (the variants' names do not depend on them).
let ids = { freezer: 0, product: 0, type: 0, otherUser: 0, photo: 0 };

const PROBLEM = (key: string) => `urn:freezer-manager:problem:${key}`;

/** The database digest (helpers.databaseDigest), checking the tables it must cover are there. */
async function digest(): Promise<string> {
  const { digest: value, tables } = await databaseDigest(server.app.db);
  expect(tables).toEqual(expect.arrayContaining(['products', 'freezers', 'api_tokens', 'users', 'product_types', 'sessions', 'password_resets']));
  return value;
}

async function count(table: string): Promise<number> {
  const row = (await sql<{ n: number }>`select count(*) as n from ${sql.table(table)}`.execute(server.app.db)).rows[0];
  return Number(row?.n);
}

type Body = Record<string, unknown>;

interface WriteRoute {
  method: 'POST' | 'PUT' | 'PATCH';
  /** As in the OpenAPI document. */
  path: string;
  url: () => string;
  auth: boolean;
  /** A body the route accepts; every malformed variant below is derived from it. */
  valid: () => Body;
  /** What the valid body answers (checked last, so that each variant differs from an accepted request only by its defect). */
  control: { status: number; type?: string };
}

const WRITE_ROUTES: WriteRoute[] = [
  {
    method: 'POST',
    path: '/api/v1/users',
    url: () => '/api/v1/users',
    auth: false,
    valid: () => ({ email: 'new-account@example.com', password: 'correct horse battery', language: 'fr' }),
    control: { status: 201 },
  },
  {
    method: 'POST',
    path: '/api/v1/sessions',
    url: () => '/api/v1/sessions',
    auth: false,
    valid: () => ({ email: adminEmail, password: adminPassword }),
    control: { status: 201 },
  },
  { method: 'POST', path: '/api/v1/password-resets', url: () => '/api/v1/password-resets', auth: false, valid: () => ({ email: adminEmail }), control: { status: 202 } },
  {
    method: 'POST',
    path: '/api/v1/password-resets/confirm',
    url: () => '/api/v1/password-resets/confirm',
    auth: false,
    valid: () => ({ token: 'fmr_not-a-real-reset-token', password: 'a brand new password' }),
    // Valid as a request; the token is unknown.
    control: { status: 400, type: PROBLEM('reset-token-invalid') },
  },
  { method: 'POST', path: '/api/v1/tokens', url: () => '/api/v1/tokens', auth: true, valid: () => ({ name: 'kitchen', scope: 'read' }), control: { status: 201 } },
  { method: 'POST', path: '/api/v1/freezers', url: () => '/api/v1/freezers', auth: true, valid: () => ({ name: 'Garage', boxCount: 4 }), control: { status: 201 } },
  {
    method: 'POST',
    path: '/api/v1/products',
    url: () => '/api/v1/products',
    auth: true,
    valid: () => ({ name: 'Leek soup', description: 'for Sunday', typeId: 1, freezerId: ids.freezer, box: 2, quantity: 3 }),
    control: { status: 201 },
  },
  {
    method: 'POST',
    path: '/api/v1/products/{id}/take-out',
    url: () => `/api/v1/products/${ids.product}/take-out`,
    auth: true,
    valid: () => ({ portions: 1, date: daysFromToday(0) }),
    control: { status: 200 },
  },
  {
    method: 'POST',
    path: '/api/v1/types',
    url: () => '/api/v1/types',
    auth: true,
    valid: () => ({ nameEn: 'pancakes', nameFr: 'crêpes', periodMonths: 3 }),
    control: { status: 201 },
  },
  { method: 'PATCH', path: '/api/v1/me', url: () => '/api/v1/me', auth: true, valid: () => ({ language: 'fr' }), control: { status: 200 } },
  {
    method: 'PATCH',
    path: '/api/v1/freezers/{id}',
    url: () => `/api/v1/freezers/${ids.freezer}`,
    auth: true,
    valid: () => ({ name: 'Renamed', boxCount: 3 }),
    control: { status: 200 },
  },
  {
    method: 'PATCH',
    path: '/api/v1/products/{id}',
    url: () => `/api/v1/products/${ids.product}`,
    auth: true,
    valid: () => ({ name: 'Renamed soup', description: 'spicy', quantity: 5, box: 2 }),
    control: { status: 200 },
  },
  {
    method: 'PATCH',
    path: '/api/v1/types/{id}',
    url: () => `/api/v1/types/${ids.type}`,
    auth: true,
    valid: () => ({ nameEn: 'waffles', periodMonths: 4 }),
    control: { status: 200 },
  },
  {
    method: 'PATCH',
    path: '/api/v1/admin/users/{id}',
    url: () => `/api/v1/admin/users/${ids.otherUser}`,
    auth: true,
    valid: () => ({ role: 'admin', disabled: true }),
    control: { status: 200 },
  },
  {
    method: 'PATCH',
    path: '/api/v1/photos/{id}',
    url: () => `/api/v1/photos/${ids.photo}`,
    auth: true,
    valid: () => ({ caption: 'Soup, Christmas', notes: 'the red lid' }),
    control: { status: 200 },
  },
  {
    method: 'PUT',
    path: '/api/v1/products/{id}/cover',
    url: () => `/api/v1/products/${ids.product}/cover`,
    auth: true,
    valid: () => ({ photoId: ids.photo }),
    control: { status: 200 },
  },
  {
    method: 'PUT',
    path: '/api/v1/me/password',
    url: () => '/api/v1/me/password',
    auth: true,
    valid: () => ({ currentPassword: adminPassword, newPassword: 'another long password' }),
    control: { status: 204 },
  },
];

interface Variant {
  name: string;
  raw: string;
  contentType?: string;
  status: number | '4xx';
  type?: string;
}

const mapValues = (body: Body, fn: (value: unknown, key: string) => unknown): Body => Object.fromEntries(Object.entries(body).map(([k, v]) => [k, fn(v, k)]));
const hasNumbers = (body: Body) => Object.values(body).some((v) => typeof v === 'number');
const SECRET_FIELDS = new Set(['password', 'currentPassword', 'newPassword']);

function deep(depth: number): string {
  return `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`;
}

/** The malformed versions of one route's valid body. */
function variants(valid: Body, route: WriteRoute): Variant[] {
  const json = JSON.stringify(valid);
  const invalid = PROBLEM('validation-failed');
  const out: Variant[] = [
    { name: 'invalid JSON text', raw: '{"name": "x",', status: 400, type: PROBLEM('malformed-json') },
    { name: 'truncated JSON', raw: json.slice(0, -1), status: 400, type: PROBLEM('malformed-json') },
    { name: 'JSON followed by garbage', raw: `${json} x`, status: 400, type: PROBLEM('malformed-json') },
    { name: 'single-quoted pseudo-JSON', raw: json.replace(/"/g, "'"), status: 400, type: PROBLEM('malformed-json') },
    { name: 'JSON array', raw: '[]', status: 400, type: invalid },
    { name: 'JSON array holding the valid object', raw: `[${json}]`, status: 400, type: invalid },
    { name: 'JSON string', raw: '"hello"', status: 400, type: invalid },
    { name: 'JSON null', raw: 'null', status: 400, type: invalid },
    { name: 'JSON number', raw: '42', status: 400, type: invalid },
    { name: 'JSON true', raw: 'true', status: 400, type: invalid },
    {
      name: 'every value of the wrong type (numbers as strings, strings as numbers)',
      raw: JSON.stringify(mapValues(valid, (v) => (typeof v === 'number' ? String(v) : typeof v === 'boolean' ? String(v) : 12345))),
      status: 400,
      type: invalid,
    },
    { name: 'nested object 1000 levels deep as the body', raw: deep(1000), status: 400, type: invalid },
    {
      name: 'nested object 1000 levels deep in a field',
      raw: JSON.stringify(valid).replace(/^\{("[^"]+"):("[^"]*"|[^,}]+)/, `{$1:${deep(1000)}`),
      status: 400,
      type: invalid,
    },
    { name: 'unknown field', raw: JSON.stringify({ ...valid, unexpected: 'x' }), status: 400, type: invalid },
    { name: 'unknown field role=admin, userId', raw: JSON.stringify({ ...valid, isAdmin: true, userId: 1 }), status: 400, type: invalid },
    { name: '__proto__ key (prototype poisoning)', raw: `{"__proto__":{"role":"admin"},${json.slice(1)}`, status: 400, type: PROBLEM('malformed-json') },
    { name: 'constructor.prototype key', raw: `{"constructor":{"prototype":{"role":"admin"}},${json.slice(1)}`, status: 400, type: PROBLEM('malformed-json') },
    {
      name: 'a 100 KB string (over the 64 KB body limit)',
      // A body without strings (e.g. {photoId}) gets a padding field instead, so it is over the limit too.
      raw: JSON.stringify(Object.values(valid).some((v) => typeof v === 'string') ? mapValues(valid, (v) => (typeof v === 'string' ? 'x'.repeat(100_000) : v)) : { ...valid, padding: 'x'.repeat(100_000) }),
      status: 413,
      type: PROBLEM('body-too-large'),
    },
    { name: 'text/plain content type', raw: json, contentType: 'text/plain', status: 415, type: PROBLEM('unsupported-media-type') },
    { name: 'form content type', raw: 'name=x&boxCount=1', contentType: 'application/x-www-form-urlencoded', status: 415, type: PROBLEM('unsupported-media-type') },
    { name: 'multipart content type', raw: '--b\r\n\r\n--b--', contentType: 'multipart/form-data; boundary=b', status: 415, type: PROBLEM('unsupported-media-type') },
    { name: 'XML content type', raw: '<freezer/>', contentType: 'application/xml', status: 415, type: PROBLEM('unsupported-media-type') },
  ];
  // Take-out without fields takes everything out: an empty object is a valid request there.
  // take-out's body is optional: with no body (or {}) it takes everything out, so those are not malformed there.
  if (!route.path.endsWith('/take-out')) {
    out.push({ name: 'empty object', raw: '{}', status: 400, type: invalid });
    out.push({ name: 'empty body with a JSON content type', raw: '', status: 400, type: PROBLEM('empty-body') });
  }
  if (hasNumbers(valid)) {
    out.push(
      { name: 'numbers as numeric strings', raw: JSON.stringify(mapValues(valid, (v) => (typeof v === 'number' ? String(v) : v))), status: 400, type: invalid },
      { name: 'negative numbers', raw: JSON.stringify(mapValues(valid, (v) => (typeof v === 'number' ? -1 : v))), status: 400, type: invalid },
      { name: 'fractional numbers', raw: JSON.stringify(mapValues(valid, (v) => (typeof v === 'number' ? 1.5 : v))), status: 400, type: invalid },
      { name: 'huge numbers (1e300)', raw: JSON.stringify(mapValues(valid, (v) => (typeof v === 'number' ? 1e300 : v))), status: 400, type: invalid },
      { name: 'numbers beyond 64 bits', raw: json.replace(/:(\d+)([,}])/g, ':99999999999999999999$2'), status: 400, type: invalid },
      { name: 'numbers as hexadecimal strings', raw: JSON.stringify(mapValues(valid, (v) => (typeof v === 'number' ? '0x1' : v))), status: 400, type: invalid },
    );
  }
  // Text fields one at a time, so a refusal of another field cannot hide an accepted one. Passwords may hold any character.
  for (const [key, value] of Object.entries(valid)) {
    if (typeof value !== 'string' || SECRET_FIELDS.has(key)) continue;
    out.push(
      { name: `NUL byte in "${key}"`, raw: JSON.stringify({ ...valid, [key]: `${value}\u0000` }), status: '4xx' },
      { name: `NUL byte alone in "${key}"`, raw: JSON.stringify({ ...valid, [key]: '\u0000' }), status: '4xx' },
      // JSON.stringify escapes the lone surrogate as \ud800: valid JSON text, but not a Unicode string.
      { name: `lone UTF-16 surrogate in "${key}"`, raw: JSON.stringify({ ...valid, [key]: `${value}\ud800` }), status: '4xx' },
    );
  }
  return out;
}

async function send(route: WriteRoute, variant: Variant): Promise<ApiResponse> {
  return request(server.url, route.method, route.url(), {
    ...(route.auth ? { token: adminToken } : {}),
    raw: variant.raw,
    contentType: variant.contentType ?? 'application/json',
  });
}

function expectRefused(res: ApiResponse, status: number | '4xx', type?: string) {
  expect(res.status, res.text).toBeGreaterThanOrEqual(400);
  expect(res.status, res.text).toBeLessThan(500);
  const problem = expectProblem(res, status === '4xx' ? res.status : status);
  if (type) expect(problem.type).toBe(type);
  return problem;
}

beforeAll(async () => {
  server = await startServer();
  const admin = await signUp(server.url, { password: 'the admin password' });
  adminToken = admin.token;
  adminEmail = admin.email;
  adminPassword = admin.password;
  const other = await signUp(server.url);
  const api = admin.api;
  const freezer = await api.post('/api/v1/freezers', { name: 'Kitchen', boxCount: 2 });
  const product = await api.post('/api/v1/products', { name: 'Tomato soup', typeId: 1, freezerId: freezer.body.id, box: 1, quantity: 4 });
  const type = await api.post('/api/v1/types', { nameEn: 'dumplings', nameFr: 'raviolis', periodMonths: 2 });
  expect([freezer.status, product.status, type.status]).toEqual([201, 201, 201]);
  const photo = await upload(server.url, admin.token, [{ field: 'product_id', value: String(product.body.id) }, { filename: 'soup.jpg', data: await jpeg(1) }]);
  expect(photo.status).toBe(201);
  // Its previews made now, so that no background write lands between two digests.
  expect((await request(server.url, 'GET', photo.body[0].preview_url, { token: admin.token })).status).toBe(200);
  ids = { freezer: freezer.body.id, product: product.body.id, type: type.body.id, otherUser: other.user.id, photo: photo.body[0].id };
  // First use of each token stamps last_used_at; do it before any digest.
  await api.get('/api/v1/me');
});

afterAll(async () => server?.close());

describe('the route table', () => {
  it('covers every /api/v1 route that takes a JSON body', async () => {
    const doc = (await client(server.url).get('/openapi.json')).body;
    const withBody: string[] = [];
    for (const [p, ops] of Object.entries<Record<string, { requestBody?: unknown }>>(doc.paths)) {
      if (!p.startsWith('/api/v1/')) continue;
      // JSON bodies (the photo upload is a multipart form: test/photos/upload.test.ts).
      for (const [method, op] of Object.entries(ops)) if ((op.requestBody as { content?: Record<string, unknown> } | undefined)?.content?.['application/json']) withBody.push(`${method.toUpperCase()} ${p}`);
    }
    expect(withBody.length).toBeGreaterThanOrEqual(WRITE_ROUTES.length);
    expect(withBody.sort()).toEqual(WRITE_ROUTES.map((r) => `${r.method} ${r.path}`).sort());
  });
});

describe('malformed bodies on every write route: a 4xx problem, nothing written', () => {
  for (const route of WRITE_ROUTES) {
    describe(`${route.method} ${route.path}`, () => {
      // The bodies depend on ids known once the server runs; the variants' names do not.
      const names = variants(route.valid(), route).map((v) => v.name);
      for (const name of names) {
        it(name, async () => {
          const variant = variants(route.valid(), route).find((v) => v.name === name);
          if (!variant) throw new Error(`variant ${name} not built`);
          const before = await digest();
          const res = await send(route, variant);
          expectRefused(res, variant.status, variant.type);
          expect(await digest(), 'the database changed').toBe(before);
        });
      }
    });
  }
});

describe('field-level answers', () => {
  it('names the unknown field and the wrongly typed one', async () => {
    const unknown = await request(server.url, 'POST', '/api/v1/freezers', { token: adminToken, body: { name: 'x', boxCount: 1, colour: 'red' } });
    expect(expectRefused(unknown, 400).errors).toEqual([{ field: 'colour', message: expect.any(String) }]);
    const typed = await request(server.url, 'POST', '/api/v1/freezers', { token: adminToken, body: { name: 'x', boxCount: '1' } });
    expect(expectRefused(typed, 400).errors).toEqual([{ field: 'boxCount', message: expect.any(String) }]);
  });
});

const BAD_IDS = ['-1', '0', '1.5', '99999999999999999999', '2147483648', 'abc', '1e', encodeURIComponent('1 OR 1=1'), encodeURIComponent("1'; DROP TABLE products; --")];

describe('malformed ids in paths', () => {
  it('every route with an {id}, every method, every malformed id: 400 naming path.id, nothing written', async () => {
    const doc = (await client(server.url).get('/openapi.json')).body;
    const routes: Array<{ method: string; path: string }> = [];
    for (const [p, ops] of Object.entries<Record<string, unknown>>(doc.paths)) {
      if (!p.startsWith('/api/v1/') || !p.includes('{id}')) continue;
      for (const method of Object.keys(ops)) if (['get', 'post', 'put', 'patch', 'delete'].includes(method)) routes.push({ method: method.toUpperCase(), path: p });
    }
    expect(routes.map((r) => `${r.method} ${r.path}`)).toEqual(
      expect.arrayContaining(['GET /api/v1/products/{id}', 'DELETE /api/v1/freezers/{id}', 'PATCH /api/v1/admin/users/{id}', 'DELETE /api/v1/tokens/{id}', 'DELETE /api/v1/types/{id}']),
    );
    const before = await digest();
    for (const route of routes) {
      const write = WRITE_ROUTES.find((w) => w.method === route.method && w.path === route.path);
      for (const id of BAD_IDS) {
        const url = route.path.replace('{id}', id);
        const res = await request(server.url, route.method, url, { token: adminToken, ...(write ? { body: write.valid() } : {}) });
        const problem = expectRefused(res, 400, PROBLEM('validation-failed'));
        expect(problem.errors?.map((e) => e.field), `${route.method} ${url}`).toEqual(['path.id']);
      }
    }
    expect(await digest()).toBe(before);
  });

  it('/products/-1, /products/1.5, /products/99999999999999999999, /products/abc on GET', async () => {
    for (const id of ['-1', '1.5', '99999999999999999999', 'abc']) {
      const problem = expectRefused(await request(server.url, 'GET', `/api/v1/products/${id}`, { token: adminToken }), 400, PROBLEM('validation-failed'));
      expect(problem.errors?.[0]?.field).toBe('path.id');
    }
    // the well-formed id still works
    expect((await request(server.url, 'GET', `/api/v1/products/${ids.product}`, { token: adminToken })).status).toBe(200);
  });
});

describe('SQL injection', () => {
  const INJECTIONS = ["' OR 1=1 --", "x'); DROP TABLE products; --", '" OR ""="', '1; DELETE FROM users', "' UNION SELECT token_hash FROM api_tokens --"];

  it('in query parameters: the text is searched for literally, typed parameters refuse it', async () => {
    const before = await digest();
    const all = await request(server.url, 'GET', '/api/v1/products?status=all', { token: adminToken });
    expect(all.body.total).toBeGreaterThan(0);
    for (const text of [...INJECTIONS, '%', '_', '\\']) {
      const q = encodeURIComponent(text);
      const products = await request(server.url, 'GET', `/api/v1/products?status=all&q=${q}`, { token: adminToken });
      expect(products.status, text).toBe(200);
      expect(products.body).toMatchObject({ items: [], total: 0 });
      const users = await request(server.url, 'GET', `/api/v1/admin/users?q=${q}`, { token: adminToken });
      expect(users.status, text).toBe(200);
      expect(users.body).toMatchObject({ items: [], total: 0 });
      const audit = await request(server.url, 'GET', `/api/v1/admin/audit?action=${q}`, { token: adminToken });
      expect(audit.status, text).toBe(200);
      expect(audit.body).toMatchObject({ items: [], total: 0 });
      const byType = await request(server.url, 'GET', `/api/v1/admin/audit?objectType=${q}`, { token: adminToken });
      expect(byType.body).toMatchObject({ items: [], total: 0 });
    }
    for (const url of [
      `/api/v1/products?freezerId=${encodeURIComponent('1 OR 1=1')}`,
      `/api/v1/products?typeId=${encodeURIComponent("1'--")}`,
      `/api/v1/products?sort=${encodeURIComponent('name; DROP TABLE products')}`,
      `/api/v1/products?order=${encodeURIComponent('asc, (select 1)')}`,
      `/api/v1/products?status=${encodeURIComponent("all' OR '1'='1")}`,
      `/api/v1/products?limit=${encodeURIComponent('1; DROP TABLE products')}`,
      `/api/v1/products?offset=-1`,
      `/api/v1/products?q=${'x'.repeat(201)}`,
      `/api/v1/admin/audit?userId=${encodeURIComponent('1 OR 1=1')}`,
      `/api/v1/admin/users?limit=0`,
      `/api/v1/trends/general?limit=${encodeURIComponent('1) --')}`,
    ]) {
      const res = await request(server.url, 'GET', url, { token: adminToken });
      expectRefused(res, 400, PROBLEM('validation-failed'));
      expect(res.body.errors[0].field, url).toMatch(/^query\./);
    }
    expect(await digest()).toBe(before);
  });

  it('in refused fields (e-mail addresses, log-in): a 4xx, nothing written', async () => {
    for (const text of INJECTIONS) {
      const before = await digest();
      expectRefused(await request(server.url, 'POST', '/api/v1/users', { body: { email: text, password: 'correct horse battery' } }), 400, PROBLEM('validation-failed'));
      expectRefused(await request(server.url, 'POST', '/api/v1/users', { body: { email: `${adminEmail}' --`, password: 'correct horse battery' } }), 400);
      expectRefused(await request(server.url, 'POST', '/api/v1/sessions', { body: { email: text, password: text } }), 400, PROBLEM('validation-failed'));
      expectRefused(await request(server.url, 'POST', '/api/v1/sessions', { body: { email: adminEmail, password: text } }), 401, PROBLEM('login-failed'));
      expectRefused(await request(server.url, 'POST', '/api/v1/password-resets', { body: { email: text } }), 400, PROBLEM('validation-failed'));
      expectRefused(await request(server.url, 'PATCH', '/api/v1/me', { token: adminToken, body: { language: text } }), 400, PROBLEM('validation-failed'));
      expectRefused(await request(server.url, 'POST', '/api/v1/tokens', { token: adminToken, body: { name: 'x', scope: text } }), 400, PROBLEM('validation-failed'));
      expect(await digest(), text).toBe(before);
    }
  });

  it('in accepted text fields: stored and returned literally, every table intact', async () => {
    const products = await count('products');
    const users = await count('users');
    const tokens = await count('api_tokens');
    for (const text of INJECTIONS) {
      const freezer = await request(server.url, 'POST', '/api/v1/freezers', { token: adminToken, body: { name: text, boxCount: 1 } });
      expect(freezer.status).toBe(201);
      expect(freezer.body.name).toBe(text);
      expect((await request(server.url, 'GET', `/api/v1/freezers/${freezer.body.id}`, { token: adminToken })).body.name).toBe(text);
      const product = await request(server.url, 'POST', '/api/v1/products', {
        token: adminToken,
        body: { name: text, description: text, typeId: 1, freezerId: freezer.body.id, box: 1, quantity: 1 },
      });
      expect(product.status).toBe(201);
      expect(product.body).toMatchObject({ name: text, description: text });
      const found = await request(server.url, 'GET', `/api/v1/products?q=${encodeURIComponent(text)}`, { token: adminToken });
      expect(found.body.items.map((p: { id: number }) => p.id)).toContain(product.body.id);
      expect(found.body.items.every((p: { name: string; description: string }) => p.name.includes(text) || p.description.includes(text))).toBe(true);
    }
    const typeName = "Robert'); DROP TABLE product_types;--";
    const type = await request(server.url, 'POST', '/api/v1/types', { token: adminToken, body: { nameEn: typeName, nameFr: `${typeName} fr`, periodMonths: 1 } });
    expect(type.status).toBe(201);
    expect(type.body.nameEn).toBe(typeName);
    expect(await count('products')).toBe(products + INJECTIONS.length);
    expect(await count('users')).toBe(users);
    expect(await count('api_tokens')).toBe(tokens);
    expect(await count('product_types')).toBeGreaterThanOrEqual(45);
  });
});

describe('Unicode', () => {
  it('well-formed text in any script, emoji and combining marks included, comes back exactly as sent', async () => {
    const texts = ['Congélateur du garage', 'e\u0301clair', '冷凍庫', 'مجمد', '🧊🍦👨‍👩‍👧', '\u202eRTL override', 'ÅŁ\u00a0non-breaking'];
    for (const text of texts) {
      const freezer = await request(server.url, 'POST', '/api/v1/freezers', { token: adminToken, body: { name: text, boxCount: 1 } });
      expect(freezer.status, text).toBe(201);
      expect((await request(server.url, 'GET', `/api/v1/freezers/${freezer.body.id}`, { token: adminToken })).body.name).toBe(text);
      const product = await request(server.url, 'POST', '/api/v1/products', {
        token: adminToken,
        body: { name: `${text} soup`, description: text, typeId: 1, freezerId: freezer.body.id, box: 1, quantity: 1 },
      });
      expect(product.status).toBe(201);
      const again = await request(server.url, 'GET', `/api/v1/products/${product.body.id}`, { token: adminToken });
      expect(again.body).toMatchObject({ name: `${text} soup`, description: text });
    }
    const type = await request(server.url, 'POST', '/api/v1/types', { token: adminToken, body: { nameEn: 'ice-cream 🍦 special', nameFr: 'crème glacée 🍦 spéciale', periodMonths: 2 } });
    expect(type.status).toBe(201);
    expect((await request(server.url, 'GET', `/api/v1/types/${type.body.id}`, { token: adminToken })).body.nameFr).toBe('crème glacée 🍦 spéciale');
  });

  it('a body that is not valid UTF-8 is refused with 400 and nothing is written', async () => {
    const before = await digest();
    const bytes = Buffer.concat([Buffer.from('{"name":"bad '), Buffer.from([0xff, 0xfe]), Buffer.from('","boxCount":2}')]);
    const res = await fetch(`${server.url}/api/v1/freezers`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: bytes,
    });
    const text = await res.text();
    expectRefused({ status: res.status, headers: res.headers, body: JSON.parse(text), text }, 400, PROBLEM('malformed-json'));
    expect(await digest()).toBe(before);
  });
});

describe('anonymous and unknown credentials', () => {
  // The account routes, and a photo's share links (whose token is the credential).
  const PUBLIC = [
    'POST /api/v1/users',
    'POST /api/v1/sessions',
    'POST /api/v1/password-resets',
    'POST /api/v1/password-resets/confirm',
    'GET /api/v1/shared-photos/{token}',
    'GET /api/v1/shared-photos/{token}/preview',
  ];

  it('every protected route answers 401 before reading anything, and only the account routes and share links are public', async () => {
    const doc = (await client(server.url).get('/openapi.json')).body;
    const publicOps: string[] = [];
    const protectedOps: Array<{ method: string; path: string }> = [];
    for (const [p, ops] of Object.entries<Record<string, { security?: unknown[] }>>(doc.paths)) {
      if (!p.startsWith('/api/v1/')) continue;
      for (const [method, op] of Object.entries(ops)) {
        if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
        if (Array.isArray(op.security) && op.security.length === 0) publicOps.push(`${method.toUpperCase()} ${p}`);
        else protectedOps.push({ method: method.toUpperCase(), path: p });
      }
    }
    expect(publicOps.sort()).toEqual([...PUBLIC].sort());
    expect(protectedOps.length).toBeGreaterThanOrEqual(30);
    const before = await digest();
    for (const { method, path: p } of protectedOps) {
      const url = p.replace('{id}', String(ids.product));
      const hasBody = ['POST', 'PUT', 'PATCH'].includes(method);
      const label = `${method} ${url}`;
      const anonymous = await request(server.url, method, url, hasBody ? { body: {} } : {});
      expect(expectRefused(anonymous, 401).type, label).toBe(PROBLEM('auth-required'));
      expect(anonymous.headers.get('content-type')).toMatch(/^application\/problem\+json/);
      const unknown = await request(server.url, method, url, { token: 'fm_not-a-real-token', ...(hasBody ? { body: {} } : {}) });
      expect(expectRefused(unknown, 401).type, label).toBe(PROBLEM('token-invalid'));
      const garbage = await request(server.url, method, url, { headers: { authorization: 'Basic YWRtaW46YWRtaW4=' }, ...(hasBody ? { body: {} } : {}) });
      expect([PROBLEM('auth-required'), PROBLEM('token-invalid')], label).toContain(expectRefused(garbage, 401).type);
      if (hasBody) {
        // An anonymous caller cannot make the server parse a body: 401, not 400/415.
        const malformed = await request(server.url, method, url, { raw: '{"oops', contentType: 'application/json' });
        expect(expectRefused(malformed, 401).type, label).toBe(PROBLEM('auth-required'));
        const plain = await request(server.url, method, url, { raw: 'hello', contentType: 'text/plain' });
        expect(expectRefused(plain, 401).type, label).toBe(PROBLEM('auth-required'));
      }
    }
    expect(await digest()).toBe(before);
  });
});

describe('control: the valid bodies are accepted', () => {
  it('each route accepts the body its malformed variants were made from', async () => {
    for (const route of WRITE_ROUTES) {
      const res = await request(server.url, route.method, route.url(), { ...(route.auth ? { token: adminToken } : {}), body: route.valid() });
      expect(res.status, `${route.method} ${route.path}: ${res.text}`).toBe(route.control.status);
      if (route.control.type) expect(res.body.type).toBe(route.control.type);
    }
  });
});
