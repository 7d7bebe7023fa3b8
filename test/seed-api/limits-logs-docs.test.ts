import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SEED_MESSAGE_KEYS, seedMessage } from '../../src/features/seed-api/seed-api.messages.js';
import { request, signUp, startServer, type TestServer } from '../helpers.js';
import { addFreezer, addProduct, expectSeed, productBody, seedApi, unchanged } from './seed-helpers.js';

describe('rate limit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ RATE_LIMIT_PER_MINUTE: '100' });
  });
  afterAll(async () => server.close());

  it('answers request 101 within a minute with 429 {status, details}, Retry-After and CORS', async () => {
    const { token } = await signUp(server.url);
    const api = seedApi(server.url, token);
    const first = await Promise.all(Array.from({ length: 100 }, () => api.get('/check_token')));
    expect(first.map((r) => r.status)).toEqual(Array(100).fill(200));
    const limited = await api.get('/types');
    expectSeed(limited, 429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(0);
    // the limit is per address, not per token: an unknown token is refused by the limiter too
    expectSeed(await seedApi(server.url, 'whatever').get('/check_token'), 429);
  });
});

describe('logs, documentation and home page', () => {
  let server: TestServer;
  beforeAll(async () => {
    // Without a built web app (WEB_DIR holds no index.html), / is the small page pointing to the API; the browser
    // tests build dist/web, so this one must not depend on whether they ran first.
    server = await startServer({ WEB_DIR: path.join(os.tmpdir(), 'fm-no-web-app') });
  });
  afterAll(async () => server.close());

  it('never writes a token of a seed URL to the log, whatever the answer', async () => {
    const { token } = await signUp(server.url);
    const api = seedApi(server.url, token);
    const id = await addFreezer(api, 'logged', 2);
    await addProduct(api, id);
    await api.get('/types');
    await api.get(`/get_product/all/0`);
    await api.get(`/freezer_next_id/${id}`);
    await api.post(`/update_product/${id}/1/1/1`, unchanged({ quantity: '2' }));
    await api.post('/add_product', productBody(id, { date_in: 'bad' }));
    await api.post('/freezers', undefined, { raw: 'x', contentType: 'text/plain' });
    await api.post('/freezers', undefined, { raw: '{"broken' });
    await api.call('PATCH', '/freezers');
    await request(server.url, 'GET', `/freezer_next_id/15d/${token}`);
    await request(server.url, 'GET', `/check_token/${token}?token=${token}`);
    await request(server.url, 'GET', `/check_token/${token}%ZZ`);
    await request(server.url, 'GET', `/check_token/${token}x${'y'.repeat(200)}`);
    const legacy = '5b68dab9c3f2e1d0a9b8c7d6e5f4ae92';
    await request(server.url, 'GET', `/check_token/${legacy}`);
    await request(server.url, 'GET', `/freezers/${legacy}`);
    const text = server.logs.join('');
    expect(text).toContain('[redacted]');
    expect(text).toContain('/freezer_next_id/');
    expect(text).not.toContain(token);
    expect(text).not.toContain(token.slice(3, 30));
    expect(text).not.toContain(legacy);
  });

  it('documents the seed routes in /openapi.json as deprecated, tagged seed-api, pointing to /api/v1', async () => {
    const doc = (await request(server.url, 'GET', '/openapi.json')).body;
    const expected: Record<string, string[]> = {
      '/check_token/{token}': ['get'],
      '/types/{token}': ['get'],
      '/freezers/{token}': ['get', 'post', 'put', 'delete'],
      '/freezer_next_id/{freezer_id}/{token}': ['get'],
      '/get_product/{param}/{freezer_id}/{token}': ['get'],
      '/add_product/{token}': ['post'],
      '/update_product/{freezer_id}/{box_num}/{prod_num}/{inside}/{token}': ['post'],
      '/general_tendency/{token}': ['get'],
      '/custom_tendency/{token}': ['get'],
    };
    for (const [path, methods] of Object.entries(expected)) {
      expect(doc.paths[path], path).toBeTruthy();
      expect(Object.keys(doc.paths[path]).filter((m) => m !== 'head' && m !== 'options').sort()).toEqual([...methods].sort());
      for (const method of methods) {
        const op = doc.paths[path][method];
        expect(op.deprecated, `${method} ${path}`).toBe(true);
        expect(op.tags).toEqual(['seed-api']);
        expect(op.description).toContain('/api/v1');
        expect(op.responses['200']).toBeTruthy();
        expect(op.responses['400']).toBeTruthy();
        if (method !== 'get') expect(op.responses['415']).toBeTruthy();
      }
    }
    expect(doc.tags.map((t: any) => t.name)).toContain('seed-api');
    const docs = await fetch(`${server.url}/docs/`);
    expect(docs.status).toBe(200);
  });

  it('serves a home page at / naming the product, with links to /docs and /openapi.json', async () => {
    const res = await fetch(`${server.url}/`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/html/);
    const html = await res.text();
    expect(html).toContain('Freezer Manager');
    expect(html).toContain('href="/docs"');
    expect(html).toContain('href="/openapi.json"');
    expect(html.toLowerCase()).not.toContain('coming soon');
  });
});

describe('details texts', () => {
  it('exist in English and French for every key, and never name the URL', () => {
    for (const key of SEED_MESSAGE_KEYS) {
      const en = seedMessage('en', key);
      const fr = seedMessage('fr', key);
      expect(en.length, key).toBeGreaterThan(0);
      expect(fr.length, key).toBeGreaterThan(0);
      expect(en.includes('{url}') || fr.includes('{url}'), key).toBe(false);
    }
    expect(seedMessage('fr', 'token-invalid')).not.toBe(seedMessage('en', 'token-invalid'));
    expect(seedMessage('en', 'no-such-key', {}, 415)).toBe(seedMessage('en', 'status.415'));
  });
});
