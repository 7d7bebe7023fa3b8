/**
 * Run by cache.test.ts in a process of its own, so that nothing else allocates or frees memory meanwhile:
 * fills an in-process cache with answers as sendCached keeps them and prints, as JSON, what the cache says they
 * weigh and what they took of the V8 heap and of the memory outside it (their Buffers' bytes).
 */
import v8 from 'node:v8';
import { runInNewContext } from 'node:vm';
import { createMemoryCache } from '../../src/lib/cache.js';

v8.setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const entries = Number(process.argv[2] ?? 20_000);

const cache = createMemoryCache({ maxBytes: 1e9 });
gc();
gc();
const before = process.memoryUsage();
// JSON bytes of 200 B to 1 KB (most search answers, small lists) under keys made of a list query.
for (let i = 0; i < entries; i += 1) {
  const key = `en|2026-11-24|${JSON.stringify({ status: 'inside', limit: 50, offset: 0, q: `soup ${i}` })}`;
  const answer = Buffer.from(JSON.stringify({ items: [], total: i, text: 'x'.repeat(200 + (i % 800)) }));
  await cache.remember('answer:products', { kind: 'user', userId: 1 + (i % 1_000) }, key, 60_000, async () => answer);
}
gc();
gc();
const after = process.memoryUsage();
const { bytes, misses } = cache.stats();
process.stdout.write(`${JSON.stringify({ weighed: bytes, taken: after.heapUsed - before.heapUsed + (after.external - before.external), misses })}\n`);
