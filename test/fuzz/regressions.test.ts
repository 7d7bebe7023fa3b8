import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { databaseDigest, expectProblem, signUp, startServer, type TestServer } from '../helpers.js';

/**
 * The defects the hostile-input suite (api.fuzz.test.ts) found, each pinned by the request that
 * showed it, so that they stay fixed whatever the generator draws next time.
 */

let server: TestServer;
let token: string;

beforeAll(async () => {
  server = await startServer();
  token = (await signUp(server.url)).token;
});
afterAll(async () => server?.close());

/** Sends raw bytes on a fresh connection and returns what came back, parsed. */
function rawExchange(bytes: string): Promise<{ status: number; headers: Record<string, string>; body: any; text: string }> {
  const { port, hostname } = new URL(server.url);
  return new Promise((resolve, reject) => {
    const socket = net.connect(Number(port), hostname, () => socket.write(bytes));
    const chunks: Buffer[] = [];
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [head = '', body = ''] = text.split('\r\n\r\n');
      const [statusLine = '', ...lines] = head.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch {
        parsed = undefined;
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: parsed, text: body });
    });
  });
}

describe('requests the HTTP parser refuses (found: Fastify answered them with its own {error, message, statusCode})', () => {
  it('a URL over the header size limit on /api/v1: 431 problem+json, the URL not repeated', async () => {
    const res = await rawExchange(`GET /api/v1/products?q=${'%C3%A9'.repeat(5000)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n\r\n`);
    expect(res.status).toBe(431);
    expect(res.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(res.body).toEqual({ type: 'urn:freezer-manager:problem:headers-too-large', title: expect.any(String), status: 431, detail: expect.any(String) });
    expect(res.text).not.toContain('%C3%A9');
  });

  it('a header over the limit: 431 problem+json', async () => {
    const res = await rawExchange(`GET /api/v1/me HTTP/1.1\r\nHost: x\r\nAccept-Language: ${'x'.repeat(20_000)}\r\n\r\n`);
    expect(res.status).toBe(431);
    expect(res.body.type).toBe('urn:freezer-manager:problem:headers-too-large');
  });

  it('a URL over the limit on a seed route: 431 in the seed API shape, the token not repeated', async () => {
    const res = await rawExchange(`GET /freezer_next_id/${'1'.repeat(30_000)}/${token} HTTP/1.1\r\nHost: x\r\n\r\n`);
    expect(res.status).toBe(431);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
    expect(res.headers['access-control-allow-origin']).toBe('*');
    expect(res.body).toEqual({ status: 431, details: expect.any(String) });
    expect(res.text).not.toContain(token);
  });

  it('bytes that are not HTTP: 400 problem+json', async () => {
    const res = await rawExchange('GARBAGE\r\n\r\n');
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ type: 'urn:freezer-manager:problem:malformed-request', status: 400 });
  });
});

describe('a body refused on a URL no route matches (found: problem+json under a seed route name)', () => {
  it('a seed-API-shaped URL with a non-integer segment and invalid JSON: the seed API shape, nothing written', async () => {
    const before = (await databaseDigest(server.app.db)).digest;
    const res = await fetch(`${server.url}/update_product/-2.5e161/../4/0x10/${token}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"box_num":01}' });
    const body = await res.json();
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(body).toEqual({ status: 400, details: expect.any(String) });
    expect((await databaseDigest(server.app.db)).digest).toBe(before);
  });

  it('the same under /api/v1 stays problem+json', async () => {
    const res = await fetch(`${server.url}/api/v1/no-such-route`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: '{"a":01}' });
    const text = await res.text();
    expectProblem({ status: res.status, headers: res.headers, body: JSON.parse(text), text }, 400);
  });
});

describe('OPTIONS without Origin (found: a text/plain 400 "Invalid Preflight Request" from the CORS plugin)', () => {
  it('on /api/v1 and on the seed API: answered like a preflight, no error body of another shape', async () => {
    for (const url of ['/api/v1/products', '/api/v1/me/password', `/freezers/${token}`, `/add_product/${token}`]) {
      const res = await fetch(`${server.url}${url}`, { method: 'OPTIONS', headers: { authorization: `Bearer ${token}` } });
      expect(res.status, url).toBe(204);
      expect(await res.text()).toBe('');
      expect(res.headers.get('access-control-allow-methods') ?? '', url).toContain('POST');
    }
  });
});
