import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request, signUp, startServer, type TestServer } from '../helpers.js';
import { addFreezer, addProduct, expectSeed, productBody, products, seedApi, unchanged, type SeedApi } from './seed-helpers.js';

let server: TestServer;
let api: SeedApi;
let freezer: number;

beforeAll(async () => {
  server = await startServer();
  api = seedApi(server.url, (await signUp(server.url)).token);
  freezer = await addFreezer(api, 'main', 4);
  await addProduct(api, freezer);
});
afterAll(async () => server.close());

const raw = (method: string, path: string, options: Parameters<typeof request>[3] = {}) => request(server.url, method, path, options);

/** Every route and method of the seed API, with a path built for a token and a valid-looking body. */
function everyRoute(freezerId: number): Array<{ method: string; path: string; body?: unknown }> {
  return [
    { method: 'GET', path: '/check_token' },
    { method: 'GET', path: '/types' },
    { method: 'GET', path: '/freezers' },
    { method: 'POST', path: '/freezers', body: { num_boxes: '2', name: 'x' } },
    { method: 'PUT', path: '/freezers', body: { freezer_id: freezerId, num_boxes: '', name: 'y' } },
    { method: 'DELETE', path: '/freezers', body: { freezer_id: freezerId } },
    { method: 'GET', path: `/freezer_next_id/${freezerId}` },
    { method: 'GET', path: `/get_product/all/${freezerId}` },
    { method: 'POST', path: '/add_product', body: productBody(freezerId, { prod_num: '3' }) },
    { method: 'POST', path: `/update_product/${freezerId}/1/1/1`, body: unchanged({ quantity: '1' }) },
    { method: 'GET', path: '/general_tendency' },
    { method: 'GET', path: '/custom_tendency' },
  ];
}

describe('tokens', () => {
  it('answers 400 {status, details} on every route for an unknown token, and changes nothing', async () => {
    const bad = seedApi(server.url, 'fm_notarealtokennotarealtokennotarealtoken000');
    for (const { method, path, body } of everyRoute(freezer)) {
      const res = await bad.call(method, path, body !== undefined ? { body } : {});
      expectSeed(res, 400);
    }
    expect((await api.get('/freezers')).body).toHaveLength(1);
    expect((await products(api))[0].quantity).toBe(4);
  });

  it('answers 403 to a read-only token on every write, and 200 on reads', async () => {
    const { api: v1 } = await signUp(server.url);
    const made = await v1.post('/api/v1/tokens', { name: 'dashboard', scope: 'read' });
    expect(made.status).toBe(201);
    const readOnly = seedApi(server.url, made.body.secret);
    expectSeed(await readOnly.get('/check_token'), 200);
    expect((await readOnly.get('/freezers')).status).toBe(200);
    expectSeed(await readOnly.post('/freezers', { num_boxes: '2', name: 'x' }), 403);
    expectSeed(await readOnly.put('/freezers', { freezer_id: 1, num_boxes: '', name: 'y' }), 403);
    expectSeed(await readOnly.delete('/freezers', { freezer_id: 1 }), 403);
    expectSeed(await readOnly.post('/add_product', productBody(1)), 403);
    expectSeed(await readOnly.post('/update_product/1/1/1/1', unchanged()), 403);
    expect((await readOnly.get('/freezers')).body).toEqual([]);
  });

  it('answers 400 for a token of a revoked API token', async () => {
    const { api: v1 } = await signUp(server.url);
    const made = await v1.post('/api/v1/tokens', { name: 'old', scope: 'write' });
    const seed = seedApi(server.url, made.body.secret);
    expectSeed(await seed.get('/check_token'), 200);
    expect((await v1.delete(`/api/v1/tokens/${made.body.token.id}`)).status).toBe(204);
    expectSeed(await seed.get('/check_token'), 400);
  });
});

describe('routes, methods and path segments', () => {
  it('answers 404 {status, details} to a route without its token', async () => {
    for (const path of ['/check_token', '/check_token/', '/types/', '/freezers', '/freezers/', '/add_product/', `/freezer_next_id/${freezer}`, `/freezer_next_id/${freezer}/`, '/get_product/all/0/', '/general_tendency/', '/custom_tendency']) {
      expectSeed(await raw('GET', path), 404);
    }
    expectSeed(await raw('POST', '/add_product/', { body: productBody(freezer) }), 404);
  });

  it('answers 404 when an integer path segment is not an integer', async () => {
    const paths = [
      `/freezer_next_id/15d/${api.token}`,
      `/freezer_next_id/-1/${api.token}`,
      `/freezer_next_id/1.5/${api.token}`,
      `/get_product/all/x/${api.token}`,
      `/get_product/inside/-1/${api.token}`,
    ];
    for (const path of paths) expectSeed(await raw('GET', path), 404);
    expectSeed(await raw('POST', `/update_product/${freezer}/a/1/1/${api.token}`, { body: unchanged() }), 404);
    expectSeed(await raw('POST', `/update_product/${freezer}/1/1/yes/${api.token}`, { body: unchanged() }), 404);
  });

  it('answers 405 {status, details} with Allow to a method a route does not implement', async () => {
    const cases: Array<[string, string, string]> = [
      ['PATCH', '/freezers', 'GET, POST, PUT, DELETE'],
      ['POST', '/check_token', 'GET'],
      ['DELETE', '/types', 'GET'],
      ['PUT', `/freezer_next_id/${freezer}`, 'GET'],
      ['POST', `/get_product/all/0`, 'GET'],
      ['GET', '/add_product', 'POST'],
      ['PUT', `/update_product/${freezer}/1/1/1`, 'POST'],
      ['POST', '/general_tendency', 'GET'],
      ['DELETE', '/custom_tendency', 'GET'],
    ];
    for (const [method, path, allow] of cases) {
      const res = await api.call(method, path, method === 'GET' ? {} : { body: {} });
      expectSeed(res, 405);
      for (const m of allow.split(', ')) expect(res.headers.get('allow')).toContain(m);
    }
  });

  it('answers 400 (not a 404) for a freezer that is not the caller’s, on every route naming one', async () => {
    const other = seedApi(server.url, (await signUp(server.url)).token);
    expectSeed(await other.get(`/freezer_next_id/${freezer}`), 400);
    expectSeed(await other.get(`/get_product/all/${freezer}`), 400);
    expectSeed(await other.post('/add_product', productBody(freezer, { prod_num: '2' })), 400);
    expectSeed(await other.post(`/update_product/${freezer}/1/1/1`, unchanged({ quantity: '1' })), 400);
    expectSeed(await other.put('/freezers', { freezer_id: freezer, num_boxes: '', name: 'stolen' }), 400);
    expectSeed(await other.delete('/freezers', { freezer_id: freezer }), 400);
    expectSeed(await other.get('/freezer_next_id/999999'), 400);
    expectSeed(await other.get('/freezer_next_id/0'), 400);
    expect((await api.get('/freezers')).body[0].freezer_name).toBe('main');
    expect(await products(api)).toHaveLength(1);
    expect(await products(other)).toEqual([]);
  });
});

describe('bodies', () => {
  it('answers 415 to a POST, PUT or DELETE whose body is not application/json', async () => {
    expectSeed(await api.post('/freezers', undefined, { raw: 'num_boxes=4&name=x', contentType: 'application/x-www-form-urlencoded' }), 415);
    expectSeed(await api.post('/freezers', undefined, { raw: '{"num_boxes": "4", "name": "x"}', contentType: 'text/plain' }), 415);
    expectSeed(await api.post('/freezers'), 415);
    expectSeed(await api.put('/freezers', undefined, { raw: 'x', contentType: 'text/plain' }), 415);
    expectSeed(await api.delete('/freezers'), 415);
    expectSeed(await api.post('/add_product', undefined, { raw: '<xml/>', contentType: 'application/xml' }), 415);
    expectSeed(await api.post(`/update_product/${freezer}/1/1/1`), 415);
    expect((await api.get('/freezers')).body).toHaveLength(1);
  });

  it('answers 413 {status, details} to a body over the size limit', async () => {
    const big = { num_boxes: '4', name: 'x'.repeat(server.config.bodyLimit + 10) };
    expectSeed(await api.post('/freezers', big), 413);
    expect((await api.get('/freezers')).body).toHaveLength(1);
  });

  it('answers HEAD on the GET routes like GET, token check included', async () => {
    const ok = await fetch(`${server.url}/types/${api.token}`, { method: 'HEAD' });
    expect(ok.status).toBe(200);
    expect(ok.headers.get('access-control-allow-origin')).toBe('*');
    expect((await fetch(`${server.url}/types/unknown`, { method: 'HEAD' })).status).toBe(400);
  });

  it('accepts application/json with a charset', async () => {
    const res = await api.post('/freezers', undefined, { raw: JSON.stringify({ num_boxes: '1', name: 'charset' }), contentType: 'application/json; charset=utf-8' });
    expectSeed(res, 200);
    const id = (await api.get('/freezers')).body.find((f: any) => f.freezer_name === 'charset').freezer_id;
    expectSeed(await api.delete('/freezers', { freezer_id: id }), 200);
  });

  it('answers 400 to malformed JSON, an empty body, and JSON that is not an object', async () => {
    expectSeed(await api.post('/freezers', undefined, { raw: '{"num_boxes": "4",' }), 400);
    expectSeed(await api.post('/freezers', undefined, { raw: '' }), 400);
    expectSeed(await api.post('/freezers', [{ num_boxes: '4', name: 'x' }]), 400);
    expectSeed(await api.post('/freezers', undefined, { raw: 'null' }), 400);
    expectSeed(await api.post('/add_product', undefined, { raw: '"soup"' }), 400);
    expect((await api.get('/freezers')).body).toHaveLength(1);
  });

  it('answers 400 to freezer bodies that do not follow the format', async () => {
    const bad: Array<[string, unknown]> = [
      ['POST', { num_boxes: 'bad format', name: 'x' }],
      ['POST', { name: 'x' }],
      ['POST', { num_boxes: '4' }],
      ['POST', { num_boxes: '0', name: 'x' }],
      ['POST', { num_boxes: '1001', name: 'x' }],
      ['POST', { num_boxes: 2.5, name: 'x' }],
      ['POST', { num_boxes: true, name: 'x' }],
      ['POST', { num_boxes: '4', name: '' }],
      ['POST', { num_boxes: '4', name: '   ' }],
      ['POST', { num_boxes: '4', name: 12 }],
      ['POST', { num_boxes: '4', name: 'x'.repeat(257) }],
      ['PUT', { num_boxes: '', name: 'x' }],
      ['PUT', { freezer_id: 'one', num_boxes: '', name: 'x' }],
      ['PUT', { freezer_id: freezer, num_boxes: 'bad format', name: '' }],
      ['PUT', { freezer_id: freezer, name: 'x' }],
      ['DELETE', {}],
      ['DELETE', { freezer_id: '' }],
      ['DELETE', { freezer_id: null }],
    ];
    for (const [method, body] of bad) {
      const details = expectSeed(await api.call(method, '/freezers', { body }), 400);
      expect(details).not.toContain(api.token);
    }
    expect((await api.get('/freezers')).body).toEqual([{ freezer_id: freezer, freezer_name: 'main', number_boxes: 4 }]);
  });

  it('answers 400 to add_product bodies that do not follow the format, naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ quantity: undefined }, 'quantity'],
      [{ prod_num: 'x' }, 'prod_num'],
      [{ box_num: '' }, 'box_num'],
      [{ freezer_id: [1] }, 'freezer_id'],
      [{ type_id: '1.5' }, 'type_id'],
      [{ period: '0' }, 'period'],
      [{ quantity: '-2' }, 'quantity'],
      [{ date_in: 'yesterday' }, 'date_in'],
      [{ date_in: '2018-02-30' }, '2018-02-30'],
      [{ date_in: 20180205 }, 'date_in'],
      [{ product_name: '' }, 'product_name'],
      [{ text_descr: null }, 'text_descr'],
    ];
    for (const [override, named] of cases) {
      const body = productBody(freezer, { prod_num: '2', ...override });
      for (const key of Object.keys(override)) if (override[key] === undefined) delete body[key];
      const details = expectSeed(await api.post('/add_product', body), 400);
      expect(details).toContain(named);
    }
    expect(await products(api)).toHaveLength(1);
  });

  it('answers 400 to update_product bodies that do not follow the format', async () => {
    const full = unchanged();
    const missing = { ...full } as Record<string, unknown>;
    delete missing.date_out;
    for (const body of [missing, unchanged({ quantity: 'many' }), unchanged({ date_out: 5 }), unchanged({ date_out: 'soon' }), unchanged({ box_num: '0' }), []]) {
      expectSeed(await api.post(`/update_product/${freezer}/1/1/1`, body), 400);
    }
    expect((await products(api))[0]).toMatchObject({ quantity: 4, date_formatted_out: null, box_num: 1 });
  });
});

describe('CORS', () => {
  it('sends CORS headers on successes and on errors', async () => {
    const ok = await raw('GET', `/types/${api.token}`, { headers: { origin: 'https://dashboard.example' } });
    expect(ok.headers.get('access-control-allow-origin')).toBe('*');
    for (const res of [
      await raw('GET', '/types/nope', { headers: { origin: 'https://dashboard.example' } }),
      await raw('GET', `/freezer_next_id/15d/${api.token}`, { headers: { origin: 'https://dashboard.example' } }),
      await raw('PATCH', `/freezers/${api.token}`, { headers: { origin: 'https://dashboard.example' } }),
      await raw('POST', `/freezers/${api.token}`, { raw: 'x', contentType: 'text/plain', headers: { origin: 'https://dashboard.example' } }),
    ]) {
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
    }
  });

  it('answers preflights allowing POST, PUT, DELETE and content-type', async () => {
    for (const path of [`/freezers/${api.token}`, `/add_product/${api.token}`, `/update_product/1/1/1/1/${api.token}`]) {
      const res = await fetch(`${server.url}${path}`, {
        method: 'OPTIONS',
        headers: { origin: 'https://dashboard.example', 'access-control-request-method': 'PUT', 'access-control-request-headers': 'content-type' },
      });
      expect(res.status).toBeLessThan(300);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      const methods = res.headers.get('access-control-allow-methods') ?? '';
      for (const m of ['POST', 'PUT', 'DELETE']) expect(methods).toContain(m);
      expect((res.headers.get('access-control-allow-headers') ?? '').toLowerCase()).toContain('content-type');
    }
  });

  it('leaves the rest of the app as it was: no CORS preflight outside the seed routes', async () => {
    const res = await fetch(`${server.url}/healthz`, { method: 'OPTIONS', headers: { origin: 'https://evil.example', 'access-control-request-method': 'GET' } });
    expect(res.status).toBe(404);
    expect(res.headers.get('access-control-allow-origin')).toBeNull();
    const v1 = await raw('GET', '/api/v1/nothing-here');
    expect(v1.status).toBe(404);
    expect(v1.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });
});

describe('details texts', () => {
  it('are in the token owner’s language, else the Accept-Language one', async () => {
    const fr = seedApi(server.url, (await signUp(server.url, { language: 'fr' })).token);
    expect(expectSeed(await fr.post('/freezers', { num_boxes: 'bad format', name: 'x' }), 400)).toContain('Le champ');
    expect(expectSeed(await fr.post('/freezers', { num_boxes: '2', name: 'x' }), 200)).toContain('ajouté');
    expect(expectSeed(await raw('GET', '/check_token/unknown', { headers: { 'accept-language': 'fr-BE,fr;q=0.9' } }), 400)).toContain('jeton');
    expect(expectSeed(await raw('GET', '/check_token/unknown', { headers: { 'accept-language': 'en' } }), 400)).toContain('token');
  });

  it('never repeat the URL, so never the token', async () => {
    const answers = [
      await raw('GET', `/freezer_next_id/15d/${api.token}`),
      await raw('PATCH', `/freezers/${api.token}`),
      await raw('GET', `/get_product/${api.token}/0/all`),
      await raw('GET', `/check_token/${api.token}%ZZ`),
      await raw('GET', `/check_token/${'a'.repeat(300)}`),
    ];
    for (const res of answers) {
      expect(res.status).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
      expect(res.text).not.toContain(api.token);
      expect(res.text).not.toContain('aaaaaaaaaa');
      expectSeed(res, res.status);
    }
  });
});
