import { execFile } from 'node:child_process';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import type { Redis } from 'ioredis';
import { afterAll, describe, expect, it } from 'vitest';
import { createMemoryCache, createRedisCache, type Cache } from '../../src/lib/cache.js';
import { connectRedis } from '../../src/lib/redis.js';
import { root } from '../ops/process-helpers.js';
import { eventually } from '../photos/photo-helpers.js';
import { dropPrefix, keysUnder, TEST_REDIS_URL, uniqueRedisPrefix } from '../redis-helpers.js';

const silent = { warn: () => undefined };
const clients: Redis[] = [];
const prefixes: string[] = [];
afterAll(async () => {
  for (const c of clients) c.disconnect();
  for (const p of prefixes) await dropPrefix(p);
});

async function redisCache(prefix: string): Promise<{ cache: Cache; redis: Redis }> {
  const redis = await connectRedis({ url: TEST_REDIS_URL, prefix });
  clients.push(redis);
  return { cache: createRedisCache(redis, prefix, silent), redis };
}

const alice = { kind: 'user', userId: 1 } as const;
const bob = { kind: 'user', userId: 2 } as const;
const everybody = { kind: 'everybody' } as const;

/** Answers numbered by computation, so a test sees whether an answer was computed again. */
function counter() {
  let n = 0;
  return async () => `answer ${++n}`;
}

const implementations: Array<[string, () => Promise<Cache>]> = [
  ['in process', async () => createMemoryCache()],
  [
    'Redis',
    async () => {
      const prefix = uniqueRedisPrefix('cache');
      prefixes.push(prefix);
      return (await redisCache(prefix)).cache;
    },
  ],
];

describe.each(implementations)('response cache (%s)', (_name, make) => {
  it('serves a stored answer and counts hits and misses', async () => {
    const cache = await make();
    const compute = counter();
    expect(await cache.remember('t', alice, 'k', 60_000, compute)).toEqual({ value: 'answer 1', hit: false });
    expect(await cache.remember('t', alice, 'k', 60_000, compute)).toEqual({ value: 'answer 1', hit: true });
    expect(await cache.remember('t', alice, 'other', 60_000, compute)).toEqual({ value: 'answer 2', hit: false });
    expect(await cache.remember('t', bob, 'k', 60_000, compute)).toEqual({ value: 'answer 3', hit: false });
    expect(cache.stats()).toMatchObject({ hits: 1, misses: 3 });
  });

  it("a user's write retires that user's answers and general ones, not other users'", async () => {
    const cache = await make();
    const compute = counter();
    await cache.remember('t', alice, 'k', 60_000, compute); // 1
    await cache.remember('t', bob, 'k', 60_000, compute); // 2
    await cache.remember('g', everybody, 'k', 60_000, compute); // 3
    await cache.invalidate({ userIds: [1], everyone: false });
    expect(await cache.remember('t', alice, 'k', 60_000, compute)).toEqual({ value: 'answer 4', hit: false });
    expect(await cache.remember('t', bob, 'k', 60_000, compute)).toEqual({ value: 'answer 2', hit: true });
    expect(await cache.remember('g', everybody, 'k', 60_000, compute)).toEqual({ value: 'answer 5', hit: false });
  });

  it("a write without a user retires general answers only; an 'everyone' write retires every user's", async () => {
    const cache = await make();
    const compute = counter();
    await cache.remember('t', alice, 'k', 60_000, compute); // 1
    await cache.remember('g', everybody, 'k', 60_000, compute); // 2
    await cache.invalidate({ userIds: [], everyone: false });
    expect((await cache.remember('t', alice, 'k', 60_000, compute)).hit).toBe(true);
    expect(await cache.remember('g', everybody, 'k', 60_000, compute)).toEqual({ value: 'answer 3', hit: false });
    await cache.invalidate({ userIds: [], everyone: true });
    expect(await cache.remember('t', alice, 'k', 60_000, compute)).toEqual({ value: 'answer 4', hit: false });
    expect(await cache.remember('t', bob, 'k', 60_000, compute)).toEqual({ value: 'answer 5', hit: false });
  });

  it('never serves an answer computed while a write landed', async () => {
    const cache = await make();
    const first = await cache.remember('t', alice, 'k', 60_000, async () => {
      await cache.invalidate({ userIds: [1], everyone: false });
      return 'read before the write';
    });
    expect(first.value).toBe('read before the write');
    expect(await cache.remember('t', alice, 'k', 60_000, async () => 'fresh')).toEqual({ value: 'fresh', hit: false });
  });

  it('gives a Buffer back as the same bytes, and other values as they were', async () => {
    const cache = await make();
    for (const [key, bytes] of [
      ['text', Buffer.from('{"name":"Crème brûlée"}')],
      ['zero first', Buffer.from([0, 1, 2])],
      ['empty', Buffer.alloc(0)],
    ] as const) {
      await cache.remember('t', alice, key, 60_000, async () => bytes);
      const hit = await cache.remember('t', alice, key, 60_000, async () => Buffer.from('not computed'));
      expect(hit.hit).toBe(true);
      expect(Buffer.isBuffer(hit.value)).toBe(true);
      expect(hit.value.equals(bytes)).toBe(true);
    }
    const value = { list: [1, 'deux'], zero: '\u0000' };
    await cache.remember('t', alice, 'json', 60_000, async () => value);
    expect(await cache.remember('t', alice, 'json', 60_000, async () => null)).toEqual({ value, hit: true });
  });

  it('does not keep what `keep` refuses, and answers expire', async () => {
    const cache = await make();
    const compute = counter();
    await cache.remember('t', alice, 'big', 60_000, compute, () => false);
    expect(await cache.remember('t', alice, 'big', 60_000, compute, () => false)).toEqual({ value: 'answer 2', hit: false });
    await cache.remember('t', alice, 'short', 30, compute); // 3
    await sleep(80);
    expect(await cache.remember('t', alice, 'short', 30, compute)).toEqual({ value: 'answer 4', hit: false });
  });
});

describe('in-process cache bounds', () => {
  it('keeps at most maxEntries, dropping the least recently used', async () => {
    const cache = createMemoryCache({ maxEntries: 2 });
    const compute = counter();
    await cache.remember('t', alice, 'a', 60_000, compute); // 1
    await cache.remember('t', alice, 'b', 60_000, compute); // 2
    await cache.remember('t', alice, 'a', 60_000, compute); // hit: a is now the most recent
    await cache.remember('t', alice, 'c', 60_000, compute); // 3, drops b
    expect((await cache.remember('t', alice, 'a', 60_000, compute)).hit).toBe(true);
    expect(await cache.remember('t', alice, 'b', 60_000, compute)).toEqual({ value: 'answer 4', hit: false });
  });

  it('drops exactly what a least-recently-used list would, through a long run of hits, misses and writes', async () => {
    const capacity = 7;
    const cache = createMemoryCache({ maxEntries: capacity });
    const model: string[] = []; // least recently used first
    let seed = 42;
    const random = (n: number) => {
      seed = (seed * 1_103_515_245 + 12_345) % 2 ** 31;
      return seed % n;
    };
    for (let step = 0; step < 3_000; step += 1) {
      if (random(50) === 0) {
        // A write of alice's retires her answers: they stay in the cache, never found again.
        await cache.invalidate({ userIds: [1], everyone: false });
        model.length = 0;
        continue;
      }
      const key = `k${random(12)}`;
      const { hit } = await cache.remember('t', alice, key, 60_000, async () => key);
      const at = model.indexOf(key);
      expect(hit, `step ${step}, ${key}`).toBe(at >= 0);
      if (at >= 0) model.splice(at, 1);
      model.push(key);
      if (model.length > capacity) model.shift();
    }
  });

  it('keeps answers weighing at most maxBytes together, dropping the least recently used', async () => {
    const cache = createMemoryCache({ maxBytes: 3_500 });
    const text = (name: string) => async () => name.repeat(1_000); // about 1,600 bytes each, with the entry
    await cache.remember('t', alice, 'a', 60_000, text('a'));
    await cache.remember('t', alice, 'b', 60_000, text('b'));
    await cache.remember('t', alice, 'a', 60_000, text('x')); // hit: a is now the most recent
    await cache.remember('t', alice, 'c', 60_000, text('c')); // drops b
    expect(await cache.remember('t', alice, 'a', 60_000, text('x'))).toEqual({ value: 'a'.repeat(1_000), hit: true });
    expect(await cache.remember('t', alice, 'c', 60_000, text('x'))).toEqual({ value: 'c'.repeat(1_000), hit: true });
    expect(await cache.remember('t', alice, 'b', 60_000, text('B'))).toEqual({ value: 'B'.repeat(1_000), hit: false });
  });

  it('weighs a Buffer by its length', async () => {
    const cache = createMemoryCache({ maxBytes: 3_500 });
    const bytes = (name: string) => async () => Buffer.from(name.repeat(1_000));
    await cache.remember('t', alice, 'a', 60_000, bytes('a'));
    await cache.remember('t', alice, 'b', 60_000, bytes('b'));
    expect((await cache.remember('t', alice, 'a', 60_000, bytes('x'))).hit).toBe(true);
    await cache.remember('t', alice, 'c', 60_000, bytes('c')); // a third one does not fit: drops b
    expect((await cache.remember('t', alice, 'b', 60_000, bytes('B'))).hit).toBe(false);
  });

  it('weighs its entries about as much as they take in memory (V8 heap and Buffers)', async () => {
    // Measured in a process of its own: in this one, other test files' leftovers may be freed meanwhile.
    const { stdout } = await promisify(execFile)(path.join(root, 'node_modules/.bin/vite-node'), [path.join(root, 'test/unit/cache-weight.child.ts'), '20000'], { cwd: root });
    const { weighed, taken, misses } = JSON.parse(stdout.trim().split('\n').at(-1) as string) as { weighed: number; taken: number; misses: number };
    expect(misses).toBe(20_000);
    expect(weighed / taken).toBeGreaterThan(0.8);
    expect(weighed / taken).toBeLessThan(1.25);
  });

  it('keeps a Buffer that is a view of a larger block as a copy of its own size (zlib output, pooled buffers)', async () => {
    const cache = createMemoryCache();
    const gzipped = gzipSync(Buffer.from('{"soup":1}'.repeat(300)));
    expect(gzipped.buffer.byteLength).toBeGreaterThan(gzipped.length); // a slice of zlib's 16 KB chunk
    const pooled = Buffer.from('a small answer');
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length); // a slice of Node's pool
    for (const [key, value] of [['gzipped', gzipped], ['pooled', pooled]] as const) {
      await cache.remember('t', alice, key, 60_000, async () => value);
      const hit = await cache.remember('t', alice, key, 60_000, async () => Buffer.from('computed again'));
      expect(hit.hit, key).toBe(true);
      expect(hit.value.equals(value), key).toBe(true);
      expect(hit.value.buffer.byteLength, key).toBe(value.length);
    }
  });

  it('keeps nothing with maxEntries 0', async () => {
    const cache = createMemoryCache({ maxEntries: 0 });
    const compute = counter();
    await cache.remember('t', alice, 'a', 60_000, compute);
    expect(await cache.remember('t', alice, 'a', 60_000, compute)).toEqual({ value: 'answer 2', hit: false });
  });

  it('retires every answer when the external version moves (another program wrote to the database)', async () => {
    let version = 1;
    const cache = createMemoryCache({ externalVersion: () => version });
    const compute = counter();
    await cache.remember('t', alice, 'a', 60_000, compute);
    expect((await cache.remember('t', alice, 'a', 60_000, compute)).hit).toBe(true);
    version = 2;
    expect(await cache.remember('t', alice, 'a', 60_000, compute)).toEqual({ value: 'answer 2', hit: false });
  });
});

describe('Redis cache', () => {
  it('is shared: a write through one instance retires the answer another instance stored', async () => {
    const prefix = uniqueRedisPrefix('cache-shared');
    prefixes.push(prefix);
    const a = (await redisCache(prefix)).cache;
    const b = (await redisCache(prefix)).cache;
    await b.remember('t', alice, 'k', 60_000, async () => 'old');
    expect(await a.remember('t', alice, 'k', 60_000, async () => 'not computed')).toEqual({ value: 'old', hit: true });
    await a.invalidate({ userIds: [1], everyone: false });
    expect(await b.remember('t', alice, 'k', 60_000, async () => 'new')).toEqual({ value: 'new', hit: false });
  });

  it('keeps its keys under the prefix, answers with a TTL', async () => {
    const prefix = uniqueRedisPrefix('cache-keys');
    prefixes.push(prefix);
    const { cache, redis } = await redisCache(prefix);
    await cache.remember('t', alice, 'k', 60_000, async () => 'x');
    await cache.invalidate({ userIds: [1], everyone: false });
    const keys = await keysUnder(redis, prefix);
    expect(keys.sort()).toEqual(expect.arrayContaining([`${prefix}gen:all`, `${prefix}gen:u:1`]));
    const answers = keys.filter((k) => k.startsWith(`${prefix}cache:`));
    expect(answers).toHaveLength(1);
    const ttl = await redis.pttl(answers[0] as string);
    expect(ttl).toBeGreaterThan(0);
    expect(ttl).toBeLessThanOrEqual(60_000);
  });

  it('while Redis is unreachable: computes every answer, and retries the invalidation before caching again', async () => {
    const prefix = uniqueRedisPrefix('cache-down');
    prefixes.push(prefix);
    const { cache, redis } = await redisCache(prefix);
    const other = (await redisCache(prefix)).cache;
    await cache.remember('t', alice, 'k', 60_000, async () => 'before the write');
    const ended = new Promise((resolve) => redis.once('end', resolve));
    redis.disconnect(); // this instance loses Redis; the write below cannot retire the answer yet
    await ended;
    const errorsBefore = cache.stats().errors;
    await cache.invalidate({ userIds: [1], everyone: false });
    expect(cache.stats().errors).toBeGreaterThan(errorsBefore);
    expect(await cache.remember('t', alice, 'k', 60_000, async () => 'computed')).toEqual({ value: 'computed', hit: false });
    await redis.connect();
    // The invalidation reaches Redis by the retry: then no instance serves the answer from before the write.
    await eventually(async () => (await other.remember('t', alice, 'k', 60_000, async () => 'after the write')).value === 'after the write', 10_000, 'the retried invalidation');
    expect(await cache.remember('t', alice, 'k', 60_000, async () => 'recomputed')).toEqual({ value: 'after the write', hit: true });
  });
});
