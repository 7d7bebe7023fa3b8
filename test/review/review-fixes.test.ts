/** Regression tests for defects a review found: each failed before its fix. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCache } from '../../src/lib/cache.js';
import { expectProblem, signUp, startServer, type TestServer } from '../helpers.js';
import { jpeg, multipartBody, png, upload, type Part } from '../photos/photo-helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());

describe('photos', () => {
  it('a multipart body that ends inside a file part is a 400 problem, not a 500, and keeps nothing', async () => {
    const { token, api } = await signUp(server.url);
    const { body, contentType } = multipartBody([{ filename: 'a.jpg', data: await jpeg(1) }]);
    const cut = body.subarray(0, body.length - 20); // no closing boundary
    const res = await fetch(`${server.url}/api/v1/photos`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, body: cut });
    const text = await res.text();
    expectProblem({ status: res.status, headers: res.headers, body: JSON.parse(text), text }, 400);
    expect((await api.get('/api/v1/photos')).body.total).toBe(0);
  });

  it('two simultaneous uploads of the same files both answer 201, each file once', async () => {
    const { token, api } = await signUp(server.url);
    const x = await jpeg(7);
    const y = await png(8);
    const parts: Part[] = [
      { filename: 'x.jpg', data: x },
      { filename: 'x-again.jpg', data: x },
      { filename: 'y.png', data: y },
    ];
    const [a, b] = await Promise.all([upload(server.url, token, parts), upload(server.url, token, parts)]);
    expect([a.status, b.status]).toEqual([201, 201]);
    for (const answer of [a.body, b.body]) {
      expect(answer).toHaveLength(3);
      expect(answer[1].status).toBe('duplicate');
      expect(answer[1].id).toBe(answer[0].id);
    }
    expect(a.body[0].id).toBe(b.body[0].id);
    expect((await api.get('/api/v1/photos')).body.total).toBe(2);
  });
});

describe('tokens', () => {
  it('a leap-second expiry (which Date cannot hold) is a 400, not a 500', async () => {
    const { api } = await signUp(server.url);
    const res = await api.post('/api/v1/tokens', { name: 'leap', scope: 'read', expiresAt: '2030-12-31T23:59:60Z' });
    expect(expectProblem(res, 400).errors?.[0]?.field).toBe('expiresAt');
    expect((await api.get('/api/v1/tokens')).body).toHaveLength(1);
  });
});

describe('products', () => {
  it('portions put back inside become a product of their own, which deleting their former source leaves alone', async () => {
    const { api } = await signUp(server.url);
    const freezer = (await api.post('/api/v1/freezers', { name: 'F', boxCount: 2 })).body;
    const soup = (await api.post('/api/v1/products', { name: 'Soup', typeId: 1, freezerId: freezer.id, box: 1, quantity: 4, dateIn: '2018-02-05' })).body;
    const { takenOut } = (await api.post(`/api/v1/products/${soup.id}/take-out`, { portions: 1 })).body;
    const back = await api.patch(`/api/v1/products/${takenOut.id}`, { dateOut: null, slot: 2 });
    expect(back.status, back.text).toBe(200);
    expect(back.body).toMatchObject({ inside: true, sourceProductId: null, quantity: 1, slot: 2 });
    expect((await api.delete(`/api/v1/products/${soup.id}`)).status).toBe(204);
    expect((await api.get(`/api/v1/products/${takenOut.id}`)).body).toMatchObject({ inside: true, quantity: 1 });
    expect((await api.get('/api/v1/trends/personal')).body).toEqual([expect.objectContaining({ typeId: 1, freq: 1 })]);
  });

  it('a take-out without a date works on a product put in "today" east of UTC', async () => {
    const { api } = await signUp(server.url);
    const freezer = (await api.post('/api/v1/freezers', { name: 'F', boxCount: 1 })).body;
    const latest = new Date(Date.now() + 14 * 3600_000).toISOString().slice(0, 10);
    const p = (await api.post('/api/v1/products', { name: 'Pie', typeId: 31, freezerId: freezer.id, box: 1, quantity: 1, dateIn: latest })).body;
    const res = await api.post(`/api/v1/products/${p.id}/take-out`);
    expect(res.status, res.text).toBe(200);
    expect(res.body.product.dateOut).toBe(latest);
  });
});

describe('search cache', () => {
  it('does not serve an answer computed before an invalidation', async () => {
    const cache = createMemoryCache();
    const scope = { kind: 'user', userId: 1 } as const;
    const first = await cache.remember('search', scope, 'q', 60_000, async () => {
      await cache.invalidate({ userIds: [1], everyone: false }); // a write lands while the answer is being computed
      return 'stale';
    });
    expect(first).toEqual({ value: 'stale', hit: false });
    expect(await cache.remember('search', scope, 'q', 60_000, async () => 'fresh')).toEqual({ value: 'fresh', hit: false });
    expect(await cache.remember('search', scope, 'q', 60_000, async () => 'recomputed')).toEqual({ value: 'fresh', hit: true });
  });
});
