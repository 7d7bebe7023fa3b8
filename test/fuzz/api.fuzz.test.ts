import path from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { client, databaseDigest, request, signUp, startServer, type TestServer } from '../helpers.js';
import { filesUnder, jpeg, png, upload } from '../photos/photo-helpers.js';
import {
  UnsupportedSchema,
  describeWire,
  operationsOf,
  requestsFor,
  send,
  toWire,
  type Files,
  type OpenApiDocument,
  type Operation,
  type Pools,
  type Ref,
  type WireResponse,
} from './openapi-fuzz.js';

/**
 * Hostile input on every route of /openapi.json (/api/v1 and the seed API): requests generated from
 * the document (test/fuzz/openapi-fuzz.ts) against a real server holding two users' data. For every
 * request: never a 5xx; a 4xx has the error shape of its API (problem+json on /api/v1, the report's
 * {status, details} on the seed API); and a refused request changed nothing (database digest before
 * and after).
 *
 * `npm test` runs FUZZ_RUNS (default 40) requests per operation from a fixed seed, so CI is
 * reproducible; `npm run fuzz` runs the same properties with many more requests from a random seed
 * (FUZZ_RUNS, FUZZ_SEED to choose). A failure prints the seed and the request.
 */

const LONG = process.env.FUZZ_MODE === 'long';
const RUNS = Number(process.env.FUZZ_RUNS ?? (LONG ? 1000 : 40));
const SEED = Number(process.env.FUZZ_SEED ?? (LONG ? Math.floor(Math.random() * 2 ** 31) : 20261122));
if (!Number.isSafeInteger(RUNS) || RUNS < 1 || !Number.isSafeInteger(SEED)) throw new Error('FUZZ_RUNS and FUZZ_SEED must be integers');
if (LONG) console.log(`fuzz: ${RUNS} runs per operation, seed ${SEED} (FUZZ_SEED=${SEED} replays it)`);

/** The fixture: three accounts (the first, an administrator), their freezers, products, photos and tokens. */
interface Fixture {
  values: Record<string, string | number>;
  /** Credentials and objects that must still work for the fuzzing to reach past authentication. */
  probes: Array<{ token: string; url: string }>;
}

let server: TestServer | undefined;
const live = () => server!;
let fixture: Fixture;
let files: Files = {};
let rebuilds = 0;

async function ok(res: { status: number; text: string }, status: number, what: string) {
  if (res.status !== status) throw new Error(`fixture: ${what}: ${res.status} ${res.text}`);
}

async function buildFixture(url: string): Promise<Fixture> {
  const admin = await signUp(url, { password: 'the admin password' });
  const alice = await signUp(url, { password: 'alice password' });
  const bob = await signUp(url, { password: 'bob password' });
  const values: Record<string, string | number> = {};
  const a = alice.api;
  const freezer = await a.post('/api/v1/freezers', { name: 'Kitchen', boxCount: 3 });
  await ok(freezer, 201, 'freezer');
  const empty = await a.post('/api/v1/freezers', { name: 'Empty', boxCount: 2 });
  const inside = await a.post('/api/v1/products', { name: 'Leek soup', typeId: 1, freezerId: freezer.body.id, box: 1, quantity: 4, dateIn: '2024-01-10' });
  await ok(inside, 201, 'product');
  const partial = await a.post(`/api/v1/products/${inside.body.id}/take-out`, { portions: 1 });
  await ok(partial, 200, 'take-out');
  const out = await a.post('/api/v1/products', { name: 'Sorbet', typeId: 24, freezerId: freezer.body.id, box: 2, quantity: 1 });
  await ok(await a.post(`/api/v1/products/${out.body.id}/take-out`), 200, 'take-out all');
  const read = await a.post('/api/v1/tokens', { name: 'display', scope: 'read' });
  await ok(read, 201, 'read token');
  const revoked = await a.post('/api/v1/tokens', { name: 'old', scope: 'write' });
  await ok(await a.delete(`/api/v1/tokens/${revoked.body.token.id}`), 204, 'revoke');
  const photo = await upload(url, alice.token, [{ field: 'product_id', value: String(inside.body.id) }, { filename: 'soup.jpg', data: files.jpeg1! }]);
  await ok(photo, 201, 'photo');
  const share = await a.post(`/api/v1/photos/${photo.body[0].id}/share`);
  await ok(share, 201, 'share');
  const type = await admin.api.post('/api/v1/types', { nameEn: 'dumplings', nameFr: 'raviolis', periodMonths: 3 });
  await ok(type, 201, 'type');
  const bFreezer = await bob.api.post('/api/v1/freezers', { name: 'Bob', boxCount: 2 });
  const bProduct = await bob.api.post('/api/v1/products', { name: 'Bob soup', typeId: 1, freezerId: bFreezer.body.id, box: 1, quantity: 2 });
  await ok(bProduct, 201, 'bob product');
  const bPhoto = await upload(url, bob.token, [{ filename: 'b.png', data: files.png1! }]);
  await ok(bPhoto, 201, 'bob photo');
  // Previews made now: no background write may land between two digests.
  for (const [token, p] of [[alice.token, photo], [bob.token, bPhoto]] as const) {
    await ok(await request(url, 'GET', p.body[0].preview_url, { token }), 200, 'preview');
  }
  const bobTokens = await bob.api.get('/api/v1/tokens');
  Object.assign(values, {
    'tok.alice': alice.token,
    'tok.aliceRead': read.body.secret,
    'tok.bob': bob.token,
    'tok.admin': admin.token,
    'tok.revoked': revoked.body.secret,
    'tok.share': String(share.body.url).split('/').pop()!,
    'email.alice': alice.email,
    'email.bob': bob.email,
    'email.admin': admin.email,
    'pw.alice': alice.password,
    'pw.admin': admin.password,
    'id.aliceFreezer': freezer.body.id,
    'id.aliceEmptyFreezer': empty.body.id,
    'id.aliceProduct': inside.body.id,
    'id.aliceHistory': partial.body.takenOut.id,
    'id.aliceOut': out.body.id,
    'id.alicePhoto': photo.body[0].id,
    'id.aliceReadToken': read.body.token.id,
    'id.bobFreezer': bFreezer.body.id,
    'id.bobProduct': bProduct.body.id,
    'id.bobPhoto': bPhoto.body[0].id,
    'id.bobToken': bobTokens.body[0].id,
    'id.customType': type.body.id,
    'id.soupType': 1,
    'id.alice': alice.user.id,
    'id.bob': bob.user.id,
    'id.admin': admin.user.id,
    'id.nowhere': 2_000_000_000,
    'id.zero': 0,
    'num.box': 1,
    'num.slot': 1,
  });
  // First use of each token stamps last_used_at (outside the digest anyway); do it now.
  const probes = [
    { token: alice.token, url: `/api/v1/freezers/${freezer.body.id}` },
    { token: alice.token, url: `/api/v1/products/${inside.body.id}` },
    { token: alice.token, url: `/api/v1/photos/${photo.body[0].id}` },
    { token: read.body.secret as string, url: '/api/v1/me' },
    { token: bob.token, url: `/api/v1/products/${bProduct.body.id}` },
    { token: admin.token, url: '/api/v1/admin/stats' },
  ];
  for (const p of probes) await ok(await request(url, 'GET', p.url, { token: p.token }), 200, `probe ${p.url}`);
  return { values, probes };
}

const POOLS: Pools = {
  ids: [
    'id.aliceFreezer',
    'id.aliceEmptyFreezer',
    'id.aliceProduct',
    'id.aliceHistory',
    'id.aliceOut',
    'id.alicePhoto',
    'id.aliceReadToken',
    'id.bobFreezer',
    'id.bobProduct',
    'id.bobPhoto',
    'id.bobToken',
    'id.customType',
    'id.soupType',
    'id.alice',
    'id.bob',
    'id.admin',
    'id.nowhere',
    'id.zero',
    'num.box',
    'num.slot',
  ],
  urlTokens: ['tok.alice', 'tok.alice', 'tok.alice', 'tok.aliceRead', 'tok.bob', 'tok.admin', 'tok.revoked', 'tok.share'],
  emails: ['email.alice', 'email.bob', 'email.admin'],
  passwords: ['pw.alice', 'pw.admin'],
};
/** Bearer credentials: mostly Alice's write token, so that requests reach the services. */
const AUTH_REFS = ['tok.alice', 'tok.alice', 'tok.alice', 'tok.alice', 'tok.aliceRead', 'tok.bob', 'tok.admin', 'tok.admin', 'tok.revoked', 'tok.share'];

const resolveRef = (ref: Ref) => {
  const value = fixture.values[ref.name];
  if (value === undefined) throw new Error(`fixture value ${ref.name} unknown`);
  return value;
};

async function freshServer(): Promise<void> {
  await server?.close();
  server = await startServer({ LOG_LEVEL: 'warn' });
  fixture = await buildFixture(live().url);
}

/** After an accepted write: the fixture still answers, or the whole installation is rebuilt (a deleted token, a demoted admin…). */
async function ensureHealthy(): Promise<void> {
  for (const p of fixture.probes) {
    const res = await request(live().url, 'GET', p.url, { token: p.token });
    if (res.status !== 200) {
      rebuilds += 1;
      await freshServer();
      return;
    }
  }
}

// The document, from a real server (top-level: the test names come from it).
files = {
  jpeg1: await jpeg(1),
  jpeg2: await jpeg(2, 64, 48),
  png1: await png(3),
  empty: Buffer.alloc(0),
  text: Buffer.from('just some notes\n'),
  jpegHeaderOnly: Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0x00]),
  pngHeaderGarbage: Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), Buffer.alloc(64, 0x41)]),
  gifHeader: Buffer.from('GIF89a\u0001\u0000\u0001\u0000garbage'),
  svg: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>'),
};
await freshServer();
const doc = (await client(live().url).get('/openapi.json')).body as OpenApiDocument;
const OPERATIONS = operationsOf(doc);
const SEED_SEGMENTS = new Set(OPERATIONS.filter((o) => o.seed).map((o) => o.path.split('/')[1]!));

afterAll(async () => {
  await server?.close();
  console.log(`fuzz: answers ${JSON.stringify(statuses)}; fixture rebuilt ${rebuilds} time(s) after accepted writes broke it`);
});

/** Which error shape a URL's answer must have: the seed API's under its route names, problem+json elsewhere. */
function seedUrl(url: string): boolean {
  return SEED_SEGMENTS.has((url.split('?', 1)[0] ?? '').split('/')[1] ?? '');
}

/** The refusal's body, checked against its API's error shape; returns what is wrong, or undefined. */
function errorShapeProblem(res: WireResponse, seed: boolean, method: string): string | undefined {
  if (method === 'HEAD') return undefined;
  const contentType = String(res.headers['content-type'] ?? '');
  let body: any;
  try {
    body = JSON.parse(res.text);
  } catch {
    return `not JSON: ${res.text.slice(0, 200)}`;
  }
  if (seed) {
    if (!contentType.startsWith('application/json')) return `seed API error with content type ${contentType}`;
    const keys = Object.keys(body ?? {}).sort().join(',');
    if (keys !== 'details,status') return `seed API error keys ${keys}`;
    if (body.status !== res.status) return `seed API error status ${body.status} in a ${res.status}`;
    if (typeof body.details !== 'string' || !body.details) return 'seed API error without details';
    return undefined;
  }
  if (!contentType.startsWith('application/problem+json')) return `problem with content type ${contentType}`;
  if (typeof body?.type !== 'string' || !body.type.startsWith('urn:freezer-manager:problem:')) return `problem type ${body?.type}`;
  if (typeof body.title !== 'string' || !body.title) return 'problem without title';
  if (body.status !== res.status) return `problem status ${body.status} in a ${res.status}`;
  if (typeof body.detail !== 'string' || !body.detail) return 'problem without detail';
  if (body.errors !== undefined && !(Array.isArray(body.errors) && body.errors.every((e: any) => typeof e?.field === 'string' && typeof e?.message === 'string'))) {
    return `problem errors malformed: ${JSON.stringify(body.errors).slice(0, 200)}`;
  }
  return undefined;
}

const digest = async () => (await databaseDigest(live().app.db)).digest;
const storedFiles = () => filesUnder(path.join(live().dataDir, 'photos')).join('\n');
let lastDigest: string | undefined;
/** How the answers spread (printed at the end: the share of accepted requests shows how deep the fuzzing reaches). */
const statuses: Record<string, number> = {};

async function check(op: Operation, arb: fc.Arbitrary<import('./openapi-fuzz.js').FuzzCase>): Promise<void> {
  const property = fc.asyncProperty(arb, async (c) => {
    const wire = toWire(op, c, resolveRef, (name) => `Bearer ${String(fixture.values[name])}`, files);
    // The digest after the last refused request is this one's before: one digest per request.
    const before = lastDigest ?? (await digest());
    lastDigest = undefined;
    // Uploads also write files: a refused one must leave none behind.
    const filesBefore = op.body?.contentType === 'multipart/form-data' ? storedFiles() : undefined;
    const res = await send(live().url, wire);
    const bucket = `${Math.floor(res.status / 100)}xx`;
    statuses[bucket] = (statuses[bucket] ?? 0) + 1;
    const fail = (why: string) => {
      throw new Error(`${why}\n  request: ${describeWire(wire)}\n  answer: ${res.status} ${res.text.slice(0, 500)}`);
    };
    if (res.status >= 500) fail(`a ${res.status}`);
    if (res.status >= 400) {
      const wrong = errorShapeProblem(res, seedUrl(wire.url), wire.method);
      if (wrong) fail(`wrong error shape: ${wrong}`);
      const after = await digest();
      if (after !== before) fail(`a refused request (${res.status}) changed the database`);
      lastDigest = after;
      if (filesBefore !== undefined && storedFiles() !== filesBefore) fail(`a refused upload (${res.status}) left files in the photo storage`);
    } else if (res.status < 300 && wire.method !== 'GET' && wire.method !== 'OPTIONS') {
      // An accepted upload: its previews finished (on the spot) before the next digest.
      if (op.path === '/api/v1/photos' && wire.method === 'POST' && Array.isArray(JSON.parse(res.text))) {
        for (const item of JSON.parse(res.text) as Array<{ status: string; preview_url?: string }>) {
          if (item.status === 'created' && item.preview_url) await send(live().url, { method: 'GET', url: item.preview_url, headers: { authorization: wire.headers.authorization ?? '' } });
        }
      }
      await ensureHealthy();
    }
  });
  try {
    await fc.assert(property, { seed: SEED, numRuns: RUNS, endOnFailure: !LONG });
  } catch (err) {
    const cause = (err as { cause?: unknown }).cause;
    throw new Error(`${(err as Error).message}\n${cause instanceof Error ? cause.message : ''}\n\nReplay: FUZZ_SEED=${SEED} FUZZ_RUNS=${RUNS} npm run fuzz -- -t '${op.method} ${op.path}'`);
  }
}

describe('the generator', () => {
  it('covers the whole document: /api/v1 and the seed API, every operation with a generator', () => {
    const v1 = OPERATIONS.filter((o) => o.path.startsWith('/api/v1/'));
    const seed = OPERATIONS.filter((o) => o.seed);
    expect(v1.length).toBeGreaterThanOrEqual(50);
    expect(seed.map((o) => `${o.method} ${o.path.split('/')[1]}`).sort()).toEqual(
      ['DELETE freezers', 'GET check_token', 'GET custom_tendency', 'GET freezer_next_id', 'GET freezers', 'GET general_tendency', 'GET get_product', 'GET types', 'POST add_product', 'POST freezers', 'POST update_product', 'PUT freezers'].sort(),
    );
    const total = Object.values(doc.paths).reduce((n, ops) => n + Object.keys(ops).filter((m) => ['get', 'post', 'put', 'patch', 'delete'].includes(m)).length, 0);
    expect(OPERATIONS).toHaveLength(total);
    const missing: string[] = [];
    for (const op of OPERATIONS) {
      try {
        requestsFor(op, POOLS, AUTH_REFS, files);
      } catch (err) {
        if (!(err instanceof UnsupportedSchema)) throw err;
        missing.push(`${op.method} ${op.path}: ${err.message}`);
      }
    }
    expect(missing, 'operations the generator cannot fuzz').toEqual([]);
  });

  it('refuses what it cannot generate, so that no route is silently skipped', () => {
    const op = (schema: object, contentType = 'application/json'): Operation => ({
      method: 'POST',
      path: '/api/v1/new-route/{id}',
      seed: false,
      public: false,
      parameters: [{ in: 'path', name: 'id', required: true, schema: { type: 'integer' } }],
      body: { contentType, schema: schema as never, required: true },
    });
    expect(() => requestsFor(op({ type: 'object', properties: { a: { oneOf: [{ type: 'string' }] } } }), POOLS, AUTH_REFS, files)).toThrow(UnsupportedSchema);
    expect(() => requestsFor(op({ type: 'object', properties: {} }, 'application/xml'), POOLS, AUTH_REFS, files)).toThrow(UnsupportedSchema);
    expect(() => requestsFor(op({ type: 'object', properties: { d: { type: 'string', format: 'ipv6' } } }), POOLS, AUTH_REFS, files)).toThrow(UnsupportedSchema);
    expect(() => requestsFor({ ...op({ type: 'object' }), path: '/api/v1/x/{undocumented}' }, POOLS, AUTH_REFS, files)).toThrow(UnsupportedSchema);
    expect(() => requestsFor({ ...op({ type: 'object' }), parameters: [{ in: 'header', name: 'x-thing', schema: { type: 'string' } }], path: '/api/v1/x' }, POOLS, AUTH_REFS, files)).toThrow(UnsupportedSchema);
    // and what it can, it generates
    expect(fc.sample(requestsFor(op({ type: 'object', properties: { a: { type: 'string' } } }), POOLS, AUTH_REFS, files), 5)).toHaveLength(5);
  });

  it('the error-shape check tells a wrong shape from the right one', () => {
    const res = (status: number, contentType: string, body: unknown): WireResponse => ({ status, headers: { 'content-type': contentType }, text: JSON.stringify(body) });
    const problem = { type: 'urn:freezer-manager:problem:x', title: 'Bad Request', status: 400, detail: 'no' };
    expect(errorShapeProblem(res(400, 'application/problem+json; charset=utf-8', problem), false, 'GET')).toBeUndefined();
    expect(errorShapeProblem(res(400, 'application/json', problem), false, 'GET')).toMatch(/content type/);
    expect(errorShapeProblem(res(404, 'application/problem+json', problem), false, 'GET')).toMatch(/status/);
    expect(errorShapeProblem(res(400, 'application/problem+json', { ...problem, detail: '' }), false, 'GET')).toMatch(/detail/);
    expect(errorShapeProblem(res(400, 'application/json; charset=utf-8', { status: 400, details: 'no' }), true, 'GET')).toBeUndefined();
    expect(errorShapeProblem(res(400, 'application/json', { status: 400, details: 'no', extra: 1 }), true, 'GET')).toMatch(/keys/);
    expect(errorShapeProblem(res(400, 'application/problem+json', problem), true, 'GET')).toMatch(/content type|keys/);
    expect(errorShapeProblem({ status: 400, headers: {}, text: '<html>' }, true, 'GET')).toMatch(/not JSON/);
  });
});

describe(`hostile requests on every route (${RUNS} per route, seed ${SEED}): no 5xx, the right error shape, nothing written when refused`, () => {
  for (const op of OPERATIONS) {
    it(`${op.method} ${op.path}`, { timeout: LONG ? 24 * 3600_000 : 60_000 }, async () => {
      await check(op, requestsFor(op, POOLS, AUTH_REFS, files));
    });
  }
});
