import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { CacheScope } from '../lib/cache.js';
import { acceptsGzip, gzipAnswer, isGzip } from '../lib/content-coding.js';

/** How long a cached answer lives at most (a write to the data it shows retires it at once). */
const ANSWER_TTL_MS = 60_000;
/** Larger answers are sent without being kept (a heavy history through the seed API can reach megabytes). */
const MAX_KEPT_BYTES = 1_000_000;
/** Smaller answers are sent as they are, even to a client that takes gzip: a few hundred bytes gain little. */
const GZIP_MIN_BYTES = 1024;

export interface CachedAnswer {
  /** What the answer is (one per route), part of the key. */
  namespace: string;
  /** `user`: over the caller's freezers (retired by their writes and their freezers' other members'); `everybody`: over everyone's data (retired by any write). */
  scope: 'user' | 'everybody';
  /** Everything else the answer depends on: the query, the caller's language, today's date when it shows. */
  key: string;
}

/**
 * Sends a read's answer from the response cache, as the JSON text the route's own response schema made
 * of it (so a hit costs neither the queries nor the serialization), or computes, serializes and keeps it.
 * It is kept as UTF-8 bytes: a hit is written to the socket as it is, where a string would be measured and
 * encoded again on every send (a seed API history of 30 KB cost about a fifth of its request).
 * Keys hold the cache's generations (see lib/cache.ts): a write through any route retires what it could
 * have changed before its own answer leaves. With `--workers N` and no Redis, each worker keeps its own
 * answers on SQLite (another worker's commits retire them, see app.ts) and none on PostgreSQL.
 *
 * A client that takes gzip (Accept-Encoding; browsers, phones' HTTP stacks and curl --compressed all do)
 * gets answers of 1 KB and more gzipped: the seed API's list of all a user's products goes as a tenth of
 * its bytes (to a phone, a Raspberry Pi by the freezer). Each coding is kept under its own
 * key with the same generations, so a write retires both at once, and every answer says
 * `Vary: Accept-Encoding`.
 */
export async function sendCached(app: FastifyInstance, request: FastifyRequest, reply: FastifyReply, answer: CachedAnswer, compute: () => Promise<unknown>): Promise<FastifyReply> {
  const auth = request.auth;
  if (answer.scope === 'user' && !auth) throw new Error(`sendCached(${answer.namespace}): a per-user answer on an unauthenticated route`);
  const scope: CacheScope = answer.scope === 'user' && auth ? { kind: 'user', userId: auth.user.id } : { kind: 'everybody' };
  const takesGzip = acceptsGzip(request.headers['accept-encoding']);
  const { value, hit } = await app.services.cache.remember(
    takesGzip ? `answer-gzip:${answer.namespace}` : `answer:${answer.namespace}`,
    scope,
    answer.key,
    ANSWER_TTL_MS,
    async () => {
      const json = Buffer.from(String(reply.serialize(await compute())));
      return takesGzip && json.length >= GZIP_MIN_BYTES ? gzipAnswer(json) : json;
    },
    (bytes) => bytes.length <= MAX_KEPT_BYTES,
  );
  if (isGzip(value)) reply.header('content-encoding', 'gzip');
  // Said in X-Cache, as photo search does: /metrics counts hits and misses per route from it.
  return reply.header('vary', 'accept-encoding').header('x-cache', hit ? 'hit' : 'miss').type('application/json; charset=utf-8').send(value);
}
