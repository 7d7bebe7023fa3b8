import type { Redis, RedisOptions } from 'ioredis';
import type { RedisConfig } from '../config.js';

/** Redis could not be reached at start-up: the server does not start (a half-shared instance would count and cache alone). */
export class RedisUnavailableError extends Error {
  override name = 'RedisUnavailableError';
}

/** host:port of a Redis URL, without credentials, for messages and logs. */
export function redisAddress(url: string): string {
  const parsed = new URL(url);
  return `${parsed.protocol}//${parsed.hostname}:${parsed.port || 6379}`;
}

const CONNECT_TIMEOUT_MS = 5_000;

/**
 * Options shared by every connection of the app. Commands fail fast while the connection is down
 * (no offline queue, a command timeout) so a Redis outage slows no request: callers fall back
 * (rate limits let requests through, the cache computes, preview jobs wait for the start-up resume).
 */
export function redisOptions(): RedisOptions {
  return { lazyConnect: true, connectTimeout: CONNECT_TIMEOUT_MS, enableOfflineQueue: false, commandTimeout: 2_000, maxRetriesPerRequest: 1 };
}

/** A connected client, or RedisUnavailableError naming the address (never the password). */
export async function connectRedis(config: RedisConfig): Promise<Redis> {
  // Loaded only when REDIS_URL is set: a single instance does not pay for it at start-up.
  const { Redis } = await import('ioredis');
  const client = new Redis(config.url, { ...redisOptions(), retryStrategy: (attempt) => Math.min(attempt * 200, 2_000) });
  // Connection errors are reported by connect() below, then retried in the background with the retry strategy.
  let lastError: Error | undefined;
  client.on('error', (err: Error) => {
    lastError = err;
  });
  try {
    await client.connect();
    await client.ping();
  } catch (err) {
    client.disconnect();
    const cause = lastError ?? err;
    const reason = cause instanceof Error ? cause.message.replace(/\/\/[^@/\s]*@/g, '//') : String(cause);
    throw new RedisUnavailableError(`Redis is not reachable at ${redisAddress(config.url)} (REDIS_URL): ${reason}`);
  }
  return client;
}
