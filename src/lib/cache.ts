/**
 * A small cache for computed answers (photo search). Entries live in namespaces; a write that may change
 * the answers of a namespace invalidates it whole. In process by default; a Redis implementation
 * (GET/SET PX, and INCR of a generation key per namespace) can replace it for several instances.
 */
export interface Cache {
  get<T>(namespace: string, key: string): Promise<T | undefined>;
  /**
   * Stores an answer. With `generation` (read by `generation()` before the answer was computed), an
   * answer computed before an invalidation is not stored: it may already be stale.
   */
  set<T>(namespace: string, key: string, value: T, ttlMs: number, generation?: number): Promise<void>;
  /** The namespace's current generation; invalidate() moves it on. */
  generation(namespace: string): Promise<number>;
  /** Drops every entry of the namespace. */
  invalidate(namespace: string): Promise<void>;
}

/** In-process cache: least recently used entries go first past maxEntries; a generation per namespace. */
export function createMemoryCache(options: { maxEntries?: number; now?: () => number } = {}): Cache {
  const maxEntries = options.maxEntries ?? 1000;
  const now = options.now ?? Date.now;
  const entries = new Map<string, { value: unknown; expires: number }>();
  const generations = new Map<string, number>();
  const fullKey = (namespace: string, key: string) => `${namespace}\u0000${generations.get(namespace) ?? 0}\u0000${key}`;

  return {
    async get<T>(namespace: string, key: string): Promise<T | undefined> {
      const k = fullKey(namespace, key);
      const entry = entries.get(k);
      if (!entry) return undefined;
      entries.delete(k);
      if (entry.expires <= now()) return undefined;
      entries.set(k, entry); // most recently used last
      return entry.value as T;
    },
    async set<T>(namespace: string, key: string, value: T, ttlMs: number, generation?: number): Promise<void> {
      if (generation !== undefined && generation !== (generations.get(namespace) ?? 0)) return;
      const k = fullKey(namespace, key);
      entries.delete(k);
      entries.set(k, { value, expires: now() + ttlMs });
      while (entries.size > maxEntries) {
        const oldest = entries.keys().next().value;
        if (oldest === undefined) break;
        entries.delete(oldest);
      }
    },
    async generation(namespace: string): Promise<number> {
      return generations.get(namespace) ?? 0;
    },
    async invalidate(namespace: string): Promise<void> {
      generations.set(namespace, (generations.get(namespace) ?? 0) + 1);
      const prefix = `${namespace}\u0000`;
      for (const k of entries.keys()) if (k.startsWith(prefix)) entries.delete(k);
    },
  };
}
