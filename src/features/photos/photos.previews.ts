import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { Readable } from 'node:stream';
import type { Database } from '../../db/types.js';
import { StorageNotFoundError, type PhotoStorage } from '../../storage/storage.js';
import { renderPreview, type PreviewSize } from './photos.images.js';
import { photosRepository } from './photos.repository.js';

export const PREVIEW_SIZES: readonly PreviewSize[] = ['thumb', 'display'];

/** originals/ab/<uuid> -> previews/ab/<uuid>-thumb.webp */
export function previewKey(originalKey: string, size: PreviewSize): string {
  return `${originalKey.replace(/^originals\//, 'previews/')}-${size}.webp`;
}

/** The original key a preview key belongs to (for the orphan sweep). */
export function originalKeyOfPreview(key: string): string | undefined {
  const m = /^previews\/(.+)-(thumb|display)\.webp$/.exec(key);
  return m ? `originals/${m[1]}` : undefined;
}

export async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks);
}

export interface Previewer {
  /** Queues a photo's previews (background, bounded concurrency). */
  enqueue(id: number): void;
  /** Queues many (the start-up resume of the previews still to make). */
  enqueueAll(ids: readonly number[]): Promise<void>;
  /** Makes the previews now unless they exist; waits for a run already under way. Throws when they cannot be made. */
  ensure(id: number): Promise<void>;
  /** Waits for the run of this photo, if one is under way (before deleting its files). */
  settle(id: number): Promise<void>;
  /** Stops taking jobs and waits for those running. */
  close(): Promise<void>;
  /** Photos queued or being made (with a shared queue: by every instance). */
  pending(): Promise<number>;
  /** Previews made and failed by this instance since it started. */
  stats(): PreviewStats;
}

export interface PreviewStats {
  made: number;
  failed: number;
}

export interface PreviewDeps {
  db: Kysely<Database>;
  storage: PhotoStorage;
  log: FastifyBaseLogger;
  concurrency: number;
  maxPixels: number;
}

/**
 * Renders one photo's previews unless they are ready; the photo deleted meanwhile takes them back out.
 * Returns whether previews were written. Counts into `stats`.
 */
export function previewMaker(deps: PreviewDeps, stats: PreviewStats): (id: number) => Promise<boolean> {
  const { db, storage, log } = deps;
  return async function make(id: number): Promise<boolean> {
    const row = await photosRepository.getById(db, id);
    if (!row || row.preview_state === 'ready') return false;
    try {
      const original = await readAll(await storage.get(row.storage_key));
      for (const size of PREVIEW_SIZES) {
        const webp = await renderPreview(original, size, deps.maxPixels);
        await storage.put(previewKey(row.storage_key, size), Readable.from([webp]), { contentType: 'image/webp' });
      }
      stats.made += 1;
      // Deleted meanwhile: take the previews back out rather than leave orphans.
      if (!(await photosRepository.getById(db, id))) {
        await Promise.all(PREVIEW_SIZES.map((size) => storage.delete(previewKey(row.storage_key, size))));
        return true;
      }
      await photosRepository.update(db, id, { preview_state: 'ready' });
      return true;
    } catch (err) {
      if (err instanceof StorageNotFoundError) return false; // deleted while queued
      stats.failed += 1;
      log.error({ err, photoId: id }, 'preview failed');
      await photosRepository.update(db, id, { preview_state: 'failed' }).catch(() => undefined);
      throw err;
    }
  };
}

/**
 * Makes the previews of uploaded photos in this process: a queue worked by `concurrency` jobs at a time
 * (each sharp call also uses libvips' own thread pool), and on demand for a preview asked for before its turn.
 */
export function createPreviewer(deps: PreviewDeps): Previewer {
  const stats: PreviewStats = { made: 0, failed: 0 };
  const make = previewMaker(deps, stats);
  const queue: number[] = [];
  const queued = new Set<number>();
  const running = new Map<number, Promise<void>>();
  let background = 0;
  let closed = false;

  function start(id: number, counted: boolean): Promise<void> {
    if (counted) background += 1;
    const job = make(id)
      .then(() => undefined)
      .finally(() => {
        running.delete(id);
        if (counted) background -= 1;
        pump();
      });
    running.set(id, job);
    return job;
  }

  function pump(): void {
    while (!closed && background < deps.concurrency && queue.length) {
      const id = queue.shift() as number;
      queued.delete(id);
      if (running.has(id)) continue;
      start(id, true).catch(() => undefined);
    }
  }

  function enqueue(id: number): void {
    if (closed || queued.has(id) || running.has(id)) return;
    queue.push(id);
    queued.add(id);
    pump();
  }

  return {
    enqueue,
    async enqueueAll(ids) {
      for (const id of ids) enqueue(id);
    },
    async ensure(id) {
      const current = running.get(id);
      if (current) return current;
      if (queued.has(id)) {
        queued.delete(id);
        queue.splice(queue.indexOf(id), 1);
      }
      return start(id, false);
    },
    async settle(id) {
      if (queued.has(id)) {
        queued.delete(id);
        queue.splice(queue.indexOf(id), 1);
      }
      await running.get(id)?.catch(() => undefined);
    },
    async close() {
      closed = true;
      queue.length = 0;
      queued.clear();
      await Promise.allSettled([...running.values()]);
    },
    pending: async () => queue.length + running.size,
    stats: () => ({ ...stats }),
  };
}
