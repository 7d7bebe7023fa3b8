import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad, type RequestSpec } from '../../bench/lib/load.js';

/**
 * The benchmark's load generator (bench/lib/load.ts) keeps an answer's body only for the kinds its caller
 * reads: autocannon would decode every body as text, which on gzipped answers was most of its time. It
 * does so through autocannon's internals, which an upgrade could change: this is what would tell.
 */
let server: http.Server;
let url: string;

beforeAll(async () => {
  server = http.createServer((request, response) => {
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ path: request.url }));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('bench load generator', () => {
  it('hands onResponse the bodies of the kinds it reads, and an empty body for the others', async () => {
    let n = 0;
    const next = (): RequestSpec => {
      n += 1;
      return n % 2 === 0 ? { method: 'GET', path: `/read/${n}`, kind: 'read' } : { method: 'GET', path: `/skip/${n}`, kind: 'skip' };
    };
    const seen: Record<string, string[]> = { read: [], skip: [] };
    const result = await runLoad({
      url,
      connections: 2,
      duration: 1,
      next,
      bodyOf: (kind) => kind === 'read',
      onResponse: (status, body, kind) => {
        expect(status).toBe(200);
        seen[kind ?? 'none']?.push(body);
      },
    });
    expect(result.errors).toBe(0);
    expect(seen.read!.length).toBeGreaterThan(10);
    expect(seen.skip!.length).toBeGreaterThan(10);
    for (const body of seen.read!) expect(JSON.parse(body)).toEqual({ path: expect.stringMatching(/^\/read\/\d+$/) });
    expect(new Set(seen.skip)).toEqual(new Set(['']));
  });

  it('hands every body over without bodyOf, and counts answers without onResponse', async () => {
    const bodies: string[] = [];
    const reading = await runLoad({ url, connections: 1, duration: 1, next: () => ({ method: 'GET', path: '/all', kind: 'any' }), onResponse: (_status, body) => bodies.push(body) });
    expect(reading.errors).toBe(0);
    expect(bodies.length).toBe(reading.requests);
    expect(new Set(bodies)).toEqual(new Set(['{"path":"/all"}']));

    const blind = await runLoad({ url, connections: 2, duration: 1, next: () => ({ method: 'GET', path: '/blind' }) });
    expect(blind.errors).toBe(0);
    expect(blind.requests).toBeGreaterThan(10);
    expect(blind.statusCodes).toEqual({ '200': blind.requests });
  });
});
