import path from 'node:path';
import { Queue } from 'bullmq';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../src/db/database.js';
import { client, request, signUp, startServer, type TestServer } from '../helpers.js';
import { newFreezer, putIn, SOUP } from '../inventory-helpers.js';
import { eventually, fetchBytes, filesUnder, jpeg, upload } from '../photos/photo-helpers.js';
import { dropPrefix, keysUnder, TEST_REDIS_URL, testRedis, uniqueRedisPrefix } from '../redis-helpers.js';

const FISH = 13;
const BREAD = 27;

const prefixes: string[] = [];
let open: TestServer[] = [];

/** Two instances (A, B) on one SQLite file and one Redis key space, as behind a load balancer. */
async function pair(tag: string, env: Record<string, string> = {}): Promise<{ a: TestServer; b: TestServer; prefix: string }> {
  const prefix = uniqueRedisPrefix(tag);
  prefixes.push(prefix);
  const shared = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, ...env };
  const a = await startServer(shared);
  const b = await startServer(shared, { shareDataDir: a.dataDir });
  open.push(b, a); // B closes first: A owns the directory
  return { a, b, prefix };
}

afterEach(async () => {
  for (const server of open) await server.close().catch(() => undefined);
  open = [];
});
afterAll(async () => {
  for (const prefix of prefixes) await dropPrefix(prefix);
});

describe('two instances sharing Redis: rate limits', { timeout: 120_000 }, () => {
  it('count the per-minute limit once across instances, separately for /api/v1 and the seed API', async () => {
    const { a, b, prefix } = await pair('rate', { RATE_LIMIT_PER_MINUTE: '6' });
    const at = (i: number) => (i % 2 ? b : a).url;
    // Unauthenticated requests count too: the limiter runs before authentication.
    const api = [];
    for (let i = 0; i < 6; i++) api.push((await request(at(i), 'GET', '/api/v1/types')).status);
    expect(api).toEqual(Array(6).fill(401));
    expect((await request(a.url, 'GET', '/api/v1/types')).status).toBe(429);
    expect((await request(b.url, 'GET', '/api/v1/types')).status).toBe(429);

    // The seed API has its own counter, shared the same way.
    const seed = [];
    for (let i = 0; i < 6; i++) seed.push((await request(at(i), 'GET', '/check_token/fm_unknown')).status);
    expect(seed).not.toContain(429);
    expect((await request(b.url, 'GET', '/check_token/fm_unknown')).status).toBe(429);
    expect((await request(a.url, 'GET', '/check_token/fm_unknown')).status).toBe(429);

    const redis = testRedis();
    try {
      const keys = await keysUnder(redis, `${prefix}rate:`);
      expect(keys.some((k) => k.startsWith(`${prefix}rate:api:minute:`))).toBe(true);
      expect(keys.some((k) => k.startsWith(`${prefix}rate:seed:minute:`))).toBe(true);
    } finally {
      redis.disconnect();
    }
  });

  it('count the per-day limit once across instances', async () => {
    const { a, b } = await pair('rate-day', { RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_PER_DAY: '3' });
    expect((await request(a.url, 'GET', '/api/v1/types')).status).toBe(401);
    expect((await request(b.url, 'GET', '/api/v1/types')).status).toBe(401);
    expect((await request(a.url, 'GET', '/api/v1/types')).status).toBe(401);
    const limited = await request(b.url, 'GET', '/api/v1/types');
    expect(limited.status).toBe(429);
    expect(Number(limited.headers.get('retry-after'))).toBeGreaterThan(3600);
  });
});

describe('two instances sharing Redis: the response cache', { timeout: 120_000 }, () => {
  it('a write through A retires the trends B cached, for the writer, the members of a shared freezer and everybody', async () => {
    const { a, b } = await pair('cache');
    const alice = await signUp(a.url); // the first account: an administrator
    const bob = await signUp(b.url);
    const carol = await signUp(a.url);
    const aliceA = alice.api;
    const aliceB = client(b.url, alice.token);
    const bobA = client(a.url, bob.token);
    const bobB = client(b.url, bob.token);
    const carolB = client(b.url, carol.token);
    const hitsOnB = () => b.app.services.cache.stats().hits;

    const freezer = await newFreezer(aliceA, 'Shared');
    const soup = await putIn(aliceA, freezer.id, 1);
    // Freezers are shared by the legacy import (no route shares them): carol joins alice's freezer.
    await a.app.db.insertInto('freezer_members').values({ freezer_id: freezer.id, user_id: carol.user.id, role: 'member', created_at: new Date().toISOString() }).execute();

    const personal = async (api: ReturnType<typeof client>) => {
      const res = await api.get('/api/v1/trends/personal');
      expect(res.status, res.text).toBe(200);
      return res.body.map((t: any) => [t.nameEn, t.freq]);
    };
    // B computes, then serves from the cache.
    expect(await personal(aliceB)).toEqual([['soup', 1]]);
    let hits = hitsOnB();
    expect(await personal(aliceB)).toEqual([['soup', 1]]);
    expect(hitsOnB()).toBe(hits + 1);
    expect(await personal(carolB)).toEqual([['soup', 1]]);
    expect(await personal(bobB)).toEqual([]);

    // alice writes through A: her answer and carol's (same freezer) are fresh on B at once; bob's stays cached.
    await putIn(aliceA, freezer.id, 1, { typeId: FISH, name: 'Cod' });
    hits = hitsOnB();
    expect(await personal(aliceB)).toContainEqual(['fish', 1]);
    expect(await personal(carolB)).toContainEqual(['fish', 1]);
    expect(hitsOnB()).toBe(hits);
    expect(await personal(bobB)).toEqual([]);
    expect(hitsOnB()).toBe(hits + 1);

    // General trends count everybody's writes: bob's write through A shows on B.
    const general = async () => (await bobB.get('/api/v1/trends/general')).body.map((t: any) => [t.nameEn, t.freq]);
    expect(await general()).toEqual([
      ['soup', 1],
      ['fish', 1],
    ]);
    expect((await general())[0]).toEqual(['soup', 1]);
    const bobsFreezer = await newFreezer(bobA, 'Bob');
    await putIn(bobA, bobsFreezer.id, 1, { typeId: BREAD, name: 'Loaf' });
    await putIn(bobA, bobsFreezer.id, 1, { typeId: BREAD, name: 'Baguette' });
    expect((await general())[0]).toEqual(['bread', 2]);

    // Eat-first and consumption: a take-out through A shows on B.
    const eatFirst = async () => (await aliceB.get('/api/v1/trends/eat-first')).body.map((p: any) => p.id);
    expect(await eatFirst()).toContain(soup.id);
    expect(await eatFirst()).toContain(soup.id);
    const portions = async () => (await aliceB.get('/api/v1/trends/consumption?months=1')).body[0].portions;
    expect(await portions()).toBe(0);
    expect(await portions()).toBe(0);
    expect((await aliceA.post(`/api/v1/products/${soup.id}/take-out`)).status).toBe(200);
    expect(await eatFirst()).not.toContain(soup.id);
    expect(await portions()).toBe(1);

    // An administrator renames a type through A: every user's cached answer on B shows the new name,
    // bob's too (he shares nothing with alice).
    expect(await personal(bobB)).toEqual([['bread', 2]]);
    hits = hitsOnB();
    expect(await personal(bobB)).toEqual([['bread', 2]]);
    expect(hitsOnB()).toBe(hits + 1);
    expect((await aliceA.patch(`/api/v1/types/${BREAD}`, { nameEn: 'rye bread' })).status).toBe(200);
    expect(await personal(bobB)).toEqual([['rye bread', 2]]);

    // Refused writes change nothing and retire nothing.
    hits = hitsOnB();
    expect((await bobA.post('/api/v1/products', { name: 'x', typeId: SOUP, freezerId: bobsFreezer.id, box: 99 })).status).toBe(400);
    await personal(bobB);
    expect(hitsOnB()).toBe(hits + 1);
  });

  it('a photo changed through A is found by its new words through B at once (X-Cache tells hits)', async () => {
    const { a, b } = await pair('search');
    const user = await signUp(a.url);
    const onB = client(b.url, user.token);
    const [photo] = (await upload(a.url, user.token, [{ field: 'caption', value: 'blueberry pie' }, { filename: 'pie.jpg', data: await jpeg(4242) }])).body;
    const search = async (q: string) => {
      const res = await onB.get(`/api/v1/photos?q=${q}`);
      expect(res.status, res.text).toBe(200);
      return { ids: res.body.items.map((p: any) => p.id), cache: res.headers.get('x-cache') };
    };
    expect(await search('blueberry')).toEqual({ ids: [photo.id], cache: 'miss' });
    expect(await search('blueberry')).toEqual({ ids: [photo.id], cache: 'hit' });
    expect((await user.api.patch(`/api/v1/photos/${photo.id}`, { caption: 'raspberry pie' })).status).toBe(200);
    expect(await search('blueberry')).toEqual({ ids: [], cache: 'miss' });
    expect(await search('raspberry')).toEqual({ ids: [photo.id], cache: 'miss' });
    // A hit through A too: the answer B stored is in Redis.
    expect((await user.api.get('/api/v1/photos?q=raspberry')).headers.get('x-cache')).toBe('hit');
    expect((await user.api.delete(`/api/v1/photos/${photo.id}`)).status).toBe(204);
    expect(await search('raspberry')).toEqual({ ids: [], cache: 'miss' });
  });
});

describe('two instances sharing Redis: preview jobs', { timeout: 120_000 }, () => {
  it('make each uploaded photo’s previews once, with both workers running and previews asked for on the other instance', async () => {
    const { a, b } = await pair('previews');
    const user = await signUp(a.url);
    const files = await Promise.all(Array.from({ length: 8 }, (_, i) => jpeg(7100 + i, 900, 700)));
    const res = await upload(a.url, user.token, files.map((data, i) => ({ filename: `${i}.jpg`, data })));
    expect(res.status, res.text).toBe(201);
    // Asked for through B while A's and B's workers take the jobs: on demand, under the same per-photo lock.
    const previews = await Promise.all(res.body.map((p: any) => fetchBytes(b.url, p.preview_url, user.token)));
    expect(previews.map((p) => p.status)).toEqual(Array(8).fill(200));
    await eventually(async () => (await a.app.services.photos.previewsPending()) === 0, 60_000, 'the queue to drain');
    const states = await a.app.db.selectFrom('photos').select('preview_state').execute();
    expect(states.map((s) => s.preview_state)).toEqual(Array(8).fill('ready'));
    const made = a.app.services.photos.previewStats().made + b.app.services.photos.previewStats().made;
    expect(made).toBe(8);
    expect(filesUnder(path.join(a.dataDir, 'photos')).filter((f) => f.startsWith('previews/'))).toHaveLength(16);
  });

  it('closing an instance waits for the preview it is making; the queue keeps the rest for the next instance', async () => {
    const prefix = uniqueRedisPrefix('close');
    prefixes.push(prefix);
    const env = { REDIS_URL: TEST_REDIS_URL, REDIS_PREFIX: prefix, PHOTO_PREVIEW_CONCURRENCY: '1' };
    const a = await startServer(env);
    const queue = new Queue('previews', { connection: { url: TEST_REDIS_URL }, prefix: `${prefix}bull` });
    try {
      const user = await signUp(a.url);
      const files = await Promise.all(Array.from({ length: 4 }, (_, i) => jpeg(7300 + i, 3000, 2000)));
      expect((await upload(a.url, user.token, files.map((data, i) => ({ filename: `${i}.jpg`, data })))).status).toBe(201);
      await eventually(async () => (await queue.getActiveCount()) > 0, 60_000, 'a preview job to run');
      await a.app.close();

      // Nothing left running nor failed: the job under way finished before the instance closed.
      expect(await queue.getActiveCount()).toBe(0);
      expect(await queue.getFailedCount()).toBe(0);
      const direct = openDatabase(a.config.database);
      const states = (await direct.selectFrom('photos').select('preview_state').execute()).map((r) => r.preview_state);
      await direct.destroy();
      expect(states.filter((s) => s === 'ready').length).toBeGreaterThan(0);
      expect(states.every((s) => s === 'ready' || s === 'pending')).toBe(true);
      const madeByA = a.app.services.photos.previewStats().made;
      expect(madeByA).toBe(states.filter((s) => s === 'ready').length);

      // The next instance makes the rest, once each.
      const b = await startServer(env, { shareDataDir: a.dataDir });
      try {
        await eventually(async () => (await b.app.db.selectFrom('photos').select('id').where('preview_state', '!=', 'ready').execute()).length === 0, 60_000, 'the remaining previews');
        expect(madeByA + b.app.services.photos.previewStats().made).toBe(4);
      } finally {
        await b.close();
      }
    } finally {
      await queue.close();
      // Its app is closed already: this removes its data directory and database.
      await a.close();
    }
  });
});
