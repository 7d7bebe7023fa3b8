import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { RedisConfig } from '../config.js';
import { connectRedis } from './redis.js';

/**
 * The response cache (trends, photo search). Answers are kept under a key that holds the current
 * *generations* of the data they were computed from; a write moves those generations on, so an answer
 * computed before it is never found again (it simply expires). Nothing is ever deleted or scanned, and a
 * read computed while a write lands is stored under the old generation: it cannot be served after it.
 *
 * Scopes:
 * - `everybody`: answers over every user's data (general trends): generation `all`, which every write moves.
 * - `user`: answers over one user's data (their freezers, photos): generations `user:<id>` and `shared`.
 *   A write moves the generations of the users whose data it touched, and `shared` when it touched data
 *   that appears in every user's answers (product types).
 *
 * In process by default; with Redis, the generations and answers live there, so every instance sees
 * every other instance's writes at once.
 */
export type CacheScope = { kind: 'everybody' } | { kind: 'user'; userId: number };

export interface CacheChange {
  /** Users whose own data changed (the writer and the members of the freezers they share). */
  userIds: readonly number[];
  /** Data every user's answers show (product types, administration) changed. */
  everyone: boolean;
}

export interface CacheStats {
  hits: number;
  misses: number;
  /** Redis commands that failed (the answer was computed instead). */
  errors: number;
  /** In process: what the kept answers weigh together (see weightOf), bounded by maxBytes. */
  bytes?: number;
}

export interface Cache {
  /**
   * The stored answer for (namespace, scope, key), else `compute()`'s, stored for `ttlMs` unless
   * `keep(value)` says no (large answers).
   */
  remember<T>(namespace: string, scope: CacheScope, key: string, ttlMs: number, compute: () => Promise<T>, keep?: (value: T) => boolean): Promise<{ value: T; hit: boolean }>;
  /** Moves on the generations a write changed. Resolves once every instance would see it. */
  invalidate(change: CacheChange): Promise<void>;
  stats(): CacheStats;
  close(): Promise<void>;
}

/** The generation names an answer of this scope depends on. */
function generationNames(scope: CacheScope): string[] {
  return scope.kind === 'everybody' ? ['all'] : ['shared', `u:${scope.userId}`];
}

/** The generation names a change moves on: `all` always (general answers count everybody's writes). */
function changedNames(change: CacheChange): string[] {
  return ['all', ...(change.everyone ? ['shared'] : []), ...new Set(change.userIds.map((id) => `u:${id}`))];
}

export interface MemoryCacheOptions {
  /** 0: nothing is kept (every answer is computed). Default 500,000 (maxBytes is the bound that matters). */
  maxEntries?: number;
  /** What the kept answers may weigh together with their keys, about (see weightOf). Default 64 MiB. */
  maxBytes?: number;
  now?: () => number;
  /**
   * A number that changes when another process wrote to the database (SQLite's `PRAGMA data_version`):
   * part of every key, so a write by the CLI or another program retires every answer at once.
   */
  externalVersion?: () => number;
}

/**
 * What an entry costs beside its key's characters and its value's bytes: the map's slot, the entry, the
 * Buffer's two objects and its block's bookkeeping, the key's joined parts. Measured: 624–630 bytes of V8
 * heap per entry holding a Buffer of 300 B to 3 KB (50,000 entries, after a full GC). At 200, an answer of a
 * few hundred bytes (most search answers) was weighed at about 60 % of what it took.
 */
const ENTRY_OVERHEAD_BYTES = 600;

/** About how much memory an entry takes: its key, its value (bytes and texts, the answers of sendCached, by their length; anything else 4 KiB) and the entry itself. */
const weightOf = (key: string, value: unknown): number => key.length + (Buffer.isBuffer(value) || typeof value === 'string' ? value.length : 4096) + ENTRY_OVERHEAD_BYTES;

/**
 * What is kept of a value: a Buffer that is a view of a larger block (zlib's synchronous output is a slice
 * of a 16 KB chunk, a small Buffer.from() a slice of Node's 8 KB pool) is copied into a block of its own
 * size, so that its weight is what it holds. With gzipped answers of 1–3 KB kept as slices, a soak's server
 * grew from 355 to 960 MiB in its first minute (376 MiB with every kept Buffer copied).
 */
function kept<T>(value: T): T {
  if (!Buffer.isBuffer(value) || value.buffer.byteLength === value.length) return value;
  const exact = Buffer.allocUnsafeSlow(value.length);
  value.copy(exact);
  return exact as T;
}

/** In-process cache: least recently used entries go first past maxEntries or maxBytes; entries also expire. */
export function createMemoryCache(options: MemoryCacheOptions = {}): Cache {
  const maxEntries = options.maxEntries ?? 500_000;
  const maxBytes = options.maxBytes ?? 64 * 1024 * 1024;
  const externalVersion = options.externalVersion ?? (() => 0);
  const now = options.now ?? Date.now;
  const entries = new Map<string, { value: unknown; expires: number; weight: number }>();
  let bytes = 0;
  const drop = (k: string, entry: { weight: number }) => {
    entries.delete(k);
    bytes -= entry.weight;
  };
  // The least recently used entry is the first in the map's order (a hit moves its entry to the end). A
  // new iterator would step over every entry deleted before it on each call (a map compacts only when it
  // grows), which made evicting cost in proportion to the cache's size; this one stays where the last
  // eviction left it: everything before it was dropped, or moved behind it by a hit.
  let oldest: MapIterator<[string, { value: unknown; expires: number; weight: number }]> | undefined;
  const dropOldest = (): boolean => {
    for (let attempt = 0; attempt < 2; attempt += 1) {
      oldest ??= entries.entries();
      const next = oldest.next();
      if (!next.done) {
        drop(next.value[0], next.value[1]);
        return true;
      }
      oldest = undefined;
    }
    return false;
  };
  // One counter per user who ever wrote, plus two: bounded by the number of accounts.
  const generations = new Map<string, number>();
  const stats: CacheStats = { hits: 0, misses: 0, errors: 0 };

  return {
    async remember(namespace, scope, key, ttlMs, compute, keep) {
      const gens = generationNames(scope).map((name) => generations.get(name) ?? 0);
      const k = `${namespace}\u0000${externalVersion()}.${gens.join('.')}\u0000${scope.kind === 'user' ? scope.userId : '*'}\u0000${key}`;
      const entry = entries.get(k);
      if (entry) {
        entries.delete(k);
        if (entry.expires > now()) {
          entries.set(k, entry); // most recently used last
          stats.hits += 1;
          return { value: entry.value as never, hit: true };
        }
        bytes -= entry.weight;
      }
      stats.misses += 1;
      const value = await compute();
      if (maxEntries > 0 && (!keep || keep(value))) {
        const stale = entries.get(k); // computed twice at once: keep the newer
        if (stale) drop(k, stale);
        const weight = weightOf(k, value);
        entries.set(k, { value: kept(value), expires: now() + ttlMs, weight });
        bytes += weight;
        while ((entries.size > maxEntries || bytes > maxBytes) && dropOldest());
      }
      return { value, hit: false };
    },
    async invalidate(change) {
      for (const name of changedNames(change)) generations.set(name, (generations.get(name) ?? 0) + 1);
    },
    stats: () => ({ ...stats, bytes }),
    async close() {
      entries.clear();
      bytes = 0;
    },
  };
}

/** Largest answer stored in Redis, in bytes (larger ones are computed each time). */
const MAX_REDIS_VALUE_BYTES = 512 * 1024;

/**
 * How a value is stored in Redis: a Buffer as its bytes after a zero byte, anything else as JSON (which
 * never starts with a zero byte). So a Buffer comes back a Buffer, not JSON's {type, data} of it.
 */
const RAW_MARK = Buffer.from([0]);
function encodeValue(value: unknown): Buffer | string | undefined {
  return Buffer.isBuffer(value) ? Buffer.concat([RAW_MARK, value]) : JSON.stringify(value);
}
function decodeValue(stored: Buffer): unknown {
  return stored[0] === 0 ? stored.subarray(1) : JSON.parse(stored.toString('utf8'));
}

/**
 * The cache in Redis, shared by every instance. Generations are counters (`<prefix>gen:<name>`, never
 * expiring: one per user who wrote); answers are JSON (or bytes: see encodeValue) under `<prefix>cache:<namespace>:<generations>:<hash>`
 * with a TTL, so memory is bounded by what is read within a TTL.
 *
 * If Redis fails, answers are computed (never served from a possibly stale store); a failed invalidation
 * is retried, and until it succeeds this instance neither reads nor stores answers.
 */
export function createRedisCache(redis: Redis, prefix: string, log: { warn(obj: object, msg: string): void }): Cache {
  const stats: CacheStats = { hits: 0, misses: 0, errors: 0 };
  const unflushed = new Set<string>();
  let retry: NodeJS.Timeout | undefined;
  const genKey = (name: string) => `${prefix}gen:${name}`;

  async function flush(): Promise<void> {
    if (!unflushed.size) return;
    const names = [...unflushed];
    const multi = redis.multi();
    for (const name of names) multi.incr(genKey(name));
    const results = await multi.exec();
    const failed = results?.find(([err]) => err);
    if (!results || failed) throw failed?.[0] ?? new Error('the invalidation was not applied');
    for (const name of names) unflushed.delete(name);
  }

  function scheduleRetry(): void {
    if (retry) return;
    retry = setInterval(() => {
      flush().then(
        () => {
          if (!unflushed.size && retry) {
            clearInterval(retry);
            retry = undefined;
          }
        },
        () => undefined,
      );
    }, 1_000);
    retry.unref();
  }

  return {
    async remember(namespace, scope, key, ttlMs, compute, keep) {
      let entryKey: string | undefined;
      if (!unflushed.size) {
        try {
          const gens = await redis.mget(...generationNames(scope).map(genKey));
          const owner = scope.kind === 'user' ? scope.userId : '*';
          const digest = createHash('sha256').update(key).digest('base64url').slice(0, 32);
          entryKey = `${prefix}cache:${namespace}:${owner}:${gens.map((g) => g ?? '0').join('.')}:${digest}`;
          const stored = await redis.getBuffer(entryKey);
          if (stored !== null) {
            stats.hits += 1;
            return { value: decodeValue(stored) as never, hit: true };
          }
        } catch (err) {
          stats.errors += 1;
          entryKey = undefined;
          log.warn({ err }, 'cache read failed; computing the answer');
        }
      }
      stats.misses += 1;
      const value = await compute();
      if (entryKey && (!keep || keep(value))) {
        const stored = encodeValue(value);
        if (stored !== undefined && Buffer.byteLength(stored) <= MAX_REDIS_VALUE_BYTES) {
          await redis.set(entryKey, stored, 'PX', ttlMs).catch((err: unknown) => {
            stats.errors += 1;
            log.warn({ err }, 'cache write failed');
          });
        }
      }
      return { value, hit: false };
    },
    async invalidate(change) {
      for (const name of changedNames(change)) unflushed.add(name);
      try {
        await flush();
      } catch (err) {
        stats.errors += 1;
        log.warn({ err }, 'cache invalidation failed; retrying every second, answers are not cached meanwhile');
        scheduleRetry();
      }
    },
    stats: () => ({ ...stats }),
    async close() {
      if (retry) clearInterval(retry);
      await flush().catch(() => undefined);
    },
  };
}

/**
 * For writes made outside the server (the CLI's demo seed and legacy import): retires every cached answer
 * in the shared cache. Returns false when Redis could not be reached (answers then expire by their TTL).
 */
export async function retireSharedCache(config: RedisConfig): Promise<boolean> {
  try {
    const redis = await connectRedis(config);
    try {
      await createRedisCache(redis, config.prefix, { warn: () => undefined }).invalidate({ userIds: [], everyone: true });
      return (await redis.get(`${config.prefix}gen:all`)) !== null;
    } finally {
      await redis.quit().catch(() => redis.disconnect());
    }
  } catch {
    return false;
  }
}
