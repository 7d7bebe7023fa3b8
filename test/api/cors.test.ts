import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, startServer, type TestServer } from '../helpers.js';

// CORS of /api/v1 and of the seed API (src/plugins/cors.ts): any origin, the same headers on every
// answer, preflights answered before authentication and rate limits.
let server: TestServer;
let token: string;

beforeAll(async () => {
  // A limit of 3 requests a minute: preflights must not count against it, nor be refused by it.
  server = await startServer({ RATE_LIMIT_PER_MINUTE: '3' });
  token = (await signUp(server.url)).token;
});

afterAll(async () => {
  await server.close();
});

const origin = 'https://freezer-dashboard.example';

describe('CORS of /api/v1', () => {
  it('lets any page read answers and errors, and the headers that say when to retry', async () => {
    for (const [path, headers, status] of [
      ['/api/v1/types', { authorization: `Bearer ${token}` }, 200],
      ['/api/v1/types', {}, 401],
      ['/api/v1/no-such-route', { authorization: `Bearer ${token}` }, 404],
    ] as const) {
      const res = await fetch(`${server.url}${path}`, { headers: { origin, ...headers } });
      expect(res.status, path).toBe(status);
      expect(res.headers.get('access-control-allow-origin'), path).toBe('*');
      expect(res.headers.get('access-control-expose-headers'), path).toBe('retry-after, x-request-id');
      expect(res.headers.get('access-control-allow-credentials'), path).toBeNull();
    }
  });

  it('answers a preflight 204 without a token, echoing the headers asked for, before the rate limit', async () => {
    for (let i = 0; i < 6; i += 1) {
      const res = await fetch(`${server.url}/api/v1/products/12`, {
        method: 'OPTIONS',
        headers: { origin, 'access-control-request-method': 'PATCH', 'access-control-request-headers': 'authorization, content-type' },
      });
      expect(res.status).toBe(204);
      expect(await res.text()).toBe('');
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
      expect(res.headers.get('access-control-allow-methods')).toBe('GET, HEAD, POST, PUT, PATCH, DELETE');
      expect(res.headers.get('access-control-allow-headers')).toBe('authorization, content-type');
      expect(res.headers.get('vary')).toBe('Access-Control-Request-Headers');
      expect(res.headers.get('access-control-max-age')).toBe('600');
      expect(res.headers.get('x-ratelimit-limit')).toBeNull();
    }
    // The limit itself still holds for the requests that are not preflights.
    const statuses: number[] = [];
    for (let i = 0; i < 4; i += 1) statuses.push((await fetch(`${server.url}/api/v1/types`, { headers: { authorization: `Bearer ${token}` } })).status);
    expect(statuses).toContain(429);
  });

  it('lets a page read a 405 too, with the methods the path allows', async () => {
    const res = await fetch(`${server.url}/api/v1/types/1`, { method: 'POST', headers: { origin, authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toContain('GET');
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('a preflight that asks for no header is told none', async () => {
    const res = await fetch(`${server.url}/api/v1/freezers`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-headers')).toBeNull();
  });
});

describe('CORS of the seed API', () => {
  it('tells every preflight the fixed list of headers, whatever it asks for', async () => {
    const res = await fetch(`${server.url}/add_product/${token}`, {
      method: 'OPTIONS',
      headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'x-anything' },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get('access-control-allow-methods')).toBe('GET, HEAD, POST, PUT, DELETE');
    expect(res.headers.get('access-control-allow-headers')).toBe('Content-Type, Accept, Accept-Language');
    expect(res.headers.get('vary')).toBeNull();
  });

  it('answers no preflight for a path of the app outside both APIs', async () => {
    for (const path of ['/docs', '/openapi.json', '/nothing-here']) {
      const res = await fetch(`${server.url}${path}`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'GET' } });
      expect(res.status, path).toBe(404);
      expect(res.headers.get('access-control-allow-origin'), path).toBeNull();
      expect(res.headers.get('access-control-allow-methods'), path).toBeNull();
    }
  });
});
