import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';

/** The Redis server of the test run (.ci/run starts one on 127.0.0.1:6379). */
export const TEST_REDIS_URL = process.env.FM_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** A key prefix no other test uses: tests share the server, never its keys. */
export function uniqueRedisPrefix(tag: string): string {
  return `fmtest:${tag}:${randomUUID().slice(0, 8)}:`;
}

/** A client on the test server, or on another (commands queue until connected). */
export function testRedis(url = TEST_REDIS_URL): Redis {
  return new Redis(url, { maxRetriesPerRequest: 1 });
}

/** Keys under a prefix (SCAN, never KEYS on a shared server). */
export async function keysUnder(redis: Redis, prefix: string): Promise<string[]> {
  const keys: string[] = [];
  let cursor = '0';
  do {
    const [next, batch] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 1000);
    keys.push(...batch);
    cursor = next;
  } while (cursor !== '0');
  return keys;
}

/** Deletes the keys under a prefix, on the test server unless told another (never FLUSHALL: others use the same server). */
export async function dropPrefix(prefix: string, url = TEST_REDIS_URL): Promise<void> {
  const redis = testRedis(url);
  try {
    const keys = await keysUnder(redis, prefix);
    for (let i = 0; i < keys.length; i += 500) await redis.del(...keys.slice(i, i + 500));
  } finally {
    redis.disconnect();
  }
}
