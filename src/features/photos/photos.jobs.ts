import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConnectionOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { previewMaker, type PreviewDeps, type Previewer, type PreviewStats } from './photos.previews.js';

const QUEUE = 'previews';
/** A photo's lock lives this long unless its holder renews it (a crashed holder frees it by then). */
const LOCK_MS = 60_000;
const RENEW_MS = 20_000;
const POLL_MS = 50;
const BULK = 1_000;

const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) else return 0 end`;
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) else return 0 end`;

export interface QueuedPreviewerDeps extends PreviewDeps {
  /** The bullmq module, loaded by the app only when REDIS_URL is set. */
  bullmq: typeof import('bullmq');
  /** The app's client (locks). */
  redis: Redis;
  redisUrl: string;
  prefix: string;
}

/** The job of a photo: one per photo at a time, whichever instance asks. */
export const previewJobId = (photoId: number) => `photo-${photoId}`;

/**
 * Previews as BullMQ jobs shared by every instance: an upload adds the photo's job (its id comes from the
 * photo's, so adding it twice adds it once), and the worker of every instance takes jobs. Each run, from
 * a job or on demand, holds the photo's lock in Redis and renders only if the previews are not ready yet,
 * so a photo's previews are made once whichever instance received the upload or the first request.
 */
export function createQueuedPreviewer(deps: QueuedPreviewerDeps): Previewer {
  const { redis, log } = deps;
  const { Queue, Worker } = deps.bullmq;
  const stats: PreviewStats = { made: 0, failed: 0 };
  const make = previewMaker(deps, stats);
  const prefix = `${deps.prefix}bull`;
  const lockKey = (id: number) => `${deps.prefix}preview-lock:${id}`;
  const connection = (extra: Record<string, unknown>): ConnectionOptions => ({ url: deps.redisUrl, ...extra }) as ConnectionOptions;
  // The queue fails fast while Redis is down (the photo stays pending: the start-up resume or the first request makes it).
  const queue = new Queue(QUEUE, { connection: connection({ enableOfflineQueue: false, maxRetriesPerRequest: 1 }), prefix });
  queue.on('error', (err) => log.warn({ err }, 'preview queue: Redis error'));
  const running = new Map<number, Promise<void>>();
  let closed = false;

  /** Runs `make` for the photo under its lock; waits for another holder to finish first. */
  function exclusive(id: number): Promise<void> {
    const current = running.get(id);
    if (current) return current;
    const run = (async () => {
      const token = randomUUID();
      while ((await redis.set(lockKey(id), token, 'PX', LOCK_MS, 'NX')) !== 'OK') await sleep(POLL_MS);
      const renew = setInterval(() => {
        redis.eval(RENEW, 1, lockKey(id), token, LOCK_MS).catch(() => undefined);
      }, RENEW_MS);
      try {
        await make(id);
      } finally {
        clearInterval(renew);
        await redis.eval(RELEASE, 1, lockKey(id), token).catch(() => undefined);
      }
    })().finally(() => running.delete(id));
    running.set(id, run);
    return run;
  }

  const worker = new Worker<{ photoId: number }>(QUEUE, async (job) => exclusive(Number(job.data.photoId)), {
    connection: connection({ maxRetriesPerRequest: null }),
    prefix,
    concurrency: deps.concurrency,
  });
  worker.on('error', (err) => log.warn({ err }, 'preview worker: Redis error'));

  const jobOptions = { removeOnComplete: true, removeOnFail: { age: 86_400, count: 1_000 } };

  async function add(ids: number[]): Promise<void> {
    for (let i = 0; i < ids.length; i += BULK) {
      await queue.addBulk(ids.slice(i, i + BULK).map((photoId) => ({ name: 'preview', data: { photoId }, opts: { ...jobOptions, jobId: previewJobId(photoId) } })));
    }
  }

  return {
    enqueue(id) {
      if (closed) return;
      add([id]).catch((err: unknown) => log.warn({ err, photoId: id }, 'could not queue a preview; it will be made at the next start or when asked for'));
    },
    enqueueAll: (ids) => add([...ids]),
    ensure: (id) => exclusive(id),
    async settle(id) {
      // A job still waiting is dropped; one running anywhere is waited for (its lock).
      // Redis unreachable: go on; a run that finds its photo deleted takes its previews back out.
      await queue.remove(previewJobId(id)).catch(() => undefined);
      await running.get(id)?.catch(() => undefined);
      while (await redis.exists(lockKey(id)).catch(() => 0)) await sleep(POLL_MS);
    },
    async close() {
      closed = true;
      // Waits for the jobs this worker is running; the others stay queued for the other instances.
      await worker.close();
      await Promise.allSettled([...running.values()]);
      await queue.close();
    },
    async pending() {
      const counts = await queue.getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return Object.values(counts).reduce((sum, n) => sum + n, 0);
    },
    stats: () => ({ ...stats }),
  };
}
