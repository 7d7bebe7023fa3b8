import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import type { Config, PhotoConfig } from '../../config.js';
import type { Database } from '../../db/types.js';
import type { Shared } from '../../services.js';
import { translate } from '../../i18n/messages.js';
import type { Actor } from '../../lib/actor.js';
import type { Cache } from '../../lib/cache.js';
import { AppError, notFound } from '../../lib/errors.js';
import { sha256 } from '../../lib/secrets.js';
import { nowIso } from '../../lib/time.js';
import { createStorage, type ByteRange, type PhotoStorage } from '../../storage/storage.js';
import { auditRepository } from '../audit/audit.repository.js';
import { productsRepository } from '../products/products.repository.js';
import type { Page } from '../products/products.service.js';
import { shareLinks, toPhotoDto, type PhotoDto } from './photos.dto.js';
import { hammingDistance, type PreviewSize } from './photos.images.js';
import { createQueuedPreviewer } from './photos.jobs.js';
import { createPreviewer, PREVIEW_SIZES, previewKey, type Previewer } from './photos.previews.js';
import { photosRepository, searchTerms, type PhotoView } from './photos.repository.js';
import { sweepOrphans } from './photos.sweep.js';
import { FileRefusal, receiveFile, type ReceivedFile, type UploadPart } from './photos.upload.js';
import { inTransaction } from '../../db/database.js';

type Tx = Kysely<Database>;

export type UploadEntry = { index: number; name: string } & (
  | ({ status: 'created' | 'duplicate' } & PhotoDto)
  | { status: 'refused'; error: { type: string; code: string; detail: string } }
);

export interface PhotoPatch {
  caption?: string;
  notes?: string;
  takenAt?: string | null;
  productId?: number | null;
}

const SEARCH_NAMESPACE = 'photo-search';
const SEARCH_TTL_MS = 60_000;
const SEARCH_CACHE_MAX_ITEMS = 100;

/** A file name to show: no path, no control characters, at most 255 characters. */
function cleanName(raw: string, index: number): string {
  const base = raw.split(/[\\/]/).pop() ?? '';
  const clean = base.replace(/[\u0000-\u001f\u007f\ud800-\udfff]/g, '').trim().slice(0, 255);
  return clean || `file-${index + 1}`;
}

/** A date or date-time as an ISO instant; dates are midnight UTC. */
function normaliseTakenAt(value: string): string {
  const iso = /^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value;
  const time = Date.parse(iso);
  if (Number.isNaN(time)) throw new AppError(400, 'invalid-date', { value: value.slice(0, 40) }, 'takenAt');
  return new Date(time).toISOString();
}

export interface PhotosDeps {
  storage: PhotoStorage;
  cache: Cache;
  previewer: Previewer;
  config: PhotoConfig;
  log: FastifyBaseLogger;
}

export function createPhotosService(db: Kysely<Database>, deps: PhotosDeps) {
  const { storage, cache, previewer, config, log } = deps;

  const audit = (trx: Tx, actor: Actor, action: string, objectType: string, id: number, details?: Record<string, unknown>) =>
    auditRepository.insert(trx, { userId: actor.userId, action, objectType, objectId: id, ip: actor.ip, ...(details ? { details } : {}) });

  async function visible(trx: Tx, actor: Actor, id: number): Promise<PhotoView> {
    const row = await photosRepository.getVisible(trx, actor.userId, id);
    if (!row) throw notFound('photo-not-found');
    return row;
  }

  async function owned(trx: Tx, actor: Actor, id: number): Promise<PhotoView> {
    const row = await photosRepository.getOwned(trx, actor.userId, id);
    if (!row) throw notFound('photo-not-found');
    return row;
  }

  async function checkProduct(trx: Tx, actor: Actor, productId: number, field: string): Promise<void> {
    if (!(await productsRepository.getForMember(trx, actor.userId, productId))) throw new AppError(404, 'product-not-found', {}, field);
  }

  async function deleteFiles(key: string): Promise<void> {
    for (const k of [key, ...PREVIEW_SIZES.map((size) => previewKey(key, size))]) {
      await storage.delete(k).catch((err: unknown) => log.warn({ err, key: k }, 'could not delete a photo file; the start-up sweep will'));
    }
  }

  return {
    checkStorage: () => storage.check(),

    /**
     * Takes every file of a multipart upload, in order. Each is streamed to storage while it is hashed
     * and checked; a file refused for its own reason does not stop the others. Rows are written in one
     * transaction once the whole request has arrived: a request cut off midway leaves no row, and the
     * files it had stored are deleted.
     */
    async upload(actor: Actor, parts: AsyncIterable<UploadPart>): Promise<UploadEntry[]> {
      type Pending = { index: number; name: string } & ({ kind: 'new'; file: ReceivedFile } | { kind: 'dup'; of: number | PhotoView } | { kind: 'refused'; refusal: FileRefusal });
      const pending: Pending[] = [];
      const uncommitted = new Set<string>();
      const bySha = new Map<string, number>();
      let total = 0;
      let productId: number | undefined;
      let caption = '';
      try {
        for await (const part of parts) {
          if (part.kind === 'field') {
            if (part.name === 'product_id') {
              if (!/^[1-9]\d{0,9}$/.test(part.value.trim()) || Number(part.value) > 2147483647) {
                throw new AppError(400, 'photo-bad-field', { field: 'product_id', reason: 'a product id (a positive whole number) was expected' }, 'product_id');
              }
              productId = Number(part.value);
            } else if (part.name === 'caption') {
              if (part.value.length > 2000 || /[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(part.value)) {
                throw new AppError(400, 'photo-bad-field', { field: 'caption', reason: 'at most 2000 characters, no control characters' }, 'caption');
              }
              caption = part.value;
            } else {
              throw new AppError(400, 'photo-bad-field', { field: part.name.slice(0, 50), reason: 'unknown field (expected file, product_id, caption)' }, part.name.slice(0, 50));
            }
            continue;
          }
          const index = pending.length;
          const name = cleanName(part.name, index);
          const received = await receiveFile(storage, part.stream, {
            maxFileBytes: config.maxFileBytes,
            remainingBytes: config.maxRequestBytes - total,
            maxRequestBytes: config.maxRequestBytes,
            maxPixels: config.maxPixels,
          });
          if (received instanceof FileRefusal) {
            pending.push({ index, name, kind: 'refused', refusal: received });
            continue;
          }
          total += received.size;
          const earlier = bySha.get(received.sha256);
          const existing = earlier === undefined ? await photosRepository.findBySha(db, actor.userId, received.sha256) : undefined;
          if (earlier !== undefined || existing) {
            await storage.delete(received.key);
            pending.push({ index, name, kind: 'dup', of: earlier ?? (existing as PhotoView) });
            continue;
          }
          uncommitted.add(received.key);
          bySha.set(received.sha256, index);
          pending.push({ index, name, kind: 'new', file: received });
        }
        if (!pending.length) throw new AppError(400, 'photo-no-files');
        const now = nowIso();
        const ids = new Map<number, number>();
        const lateDuplicates: Array<{ entry: Pending; key: string; existing: PhotoView | undefined }> = [];
        await inTransaction(db, async (trx) => {
          // Run again from the start when PostgreSQL retries the transaction: forget the last attempt.
          ids.clear();
          lateDuplicates.length = 0;
          // Inside the transaction: a product deleted meanwhile is a 404, not a foreign-key failure.
          if (productId !== undefined) await checkProduct(trx, actor, productId, 'product_id');
          for (const p of pending) {
            if (p.kind !== 'new') continue;
            const { file } = p;
            const id = await photosRepository.insertUnlessDuplicate(trx, {
              user_id: actor.userId,
              product_id: productId ?? null,
              is_cover: 0,
              name: p.name,
              storage_key: file.key,
              sha256: file.sha256,
              mime: file.mime,
              size: file.size,
              width: file.facts.width,
              height: file.facts.height,
              taken_at: file.facts.takenAt,
              sort_at: file.facts.takenAt ?? now,
              caption,
              notes: '',
              dhash: file.facts.dhash,
              preview_state: 'pending',
              share_token_hash: null,
              created_at: now,
              updated_at: now,
            });
            if (id === undefined) {
              // Uploaded by a concurrent request meanwhile: answer with that one.
              lateDuplicates.push({ entry: p, key: file.key, existing: await photosRepository.findBySha(trx, actor.userId, file.sha256) });
              continue;
            }
            ids.set(p.index, id);
            await audit(trx, actor, 'photo.upload', 'photo', id, { name: p.name, size: file.size, productId: productId ?? null });
          }
        });
        uncommitted.clear();
        for (const { entry, key, existing } of lateDuplicates) {
          Object.assign(entry, { kind: 'dup', of: existing });
          await storage.delete(key).catch(() => undefined);
        }
        for (const id of ids.values()) previewer.enqueue(id);

        const rows = new Map((await photosRepository.getManyVisible(db, actor.userId, [...ids.values()])).map((r) => [r.id, r]));
        return pending.map((p): UploadEntry => {
          if (p.kind === 'refused') {
            const detail = translate(actor.language, p.refusal.key, p.refusal.params);
            return { index: p.index, name: p.name, status: 'refused', error: { type: `urn:freezer-manager:problem:${p.refusal.key}`, code: p.refusal.key, detail } };
          }
          if (p.kind === 'dup') {
            // `of` names an earlier entry of this request, which may itself have become a late duplicate.
            const first = typeof p.of === 'number' ? pending[p.of] : undefined;
            const of = first === undefined ? p.of : first.kind === 'dup' && typeof first.of !== 'number' ? first.of : rows.get(ids.get(p.of as number) as number);
            return { ...toPhotoDto(of as PhotoView), index: p.index, name: p.name, status: 'duplicate' };
          }
          return { ...toPhotoDto(rows.get(ids.get(p.index) as number) as PhotoView), index: p.index, name: p.name, status: 'created' };
        });
      } catch (err) {
        await Promise.all([...uncommitted].map((key) => storage.delete(key).catch((e: unknown) => log.warn({ err: e, key }, 'could not remove an upload'))));
        throw err;
      }
    },

    /** The caller's photos, newest first; with `q`, those matching it (answers cached until the next write). */
    async list(actor: Actor, query: { q?: string; limit?: number; offset?: number }): Promise<{ page: Page<PhotoDto>; cache?: 'hit' | 'miss' }> {
      const limit = query.limit ?? 50;
      const offset = query.offset ?? 0;
      const q = query.q?.trim();
      if (!q) {
        const { rows, total } = await photosRepository.listOwned(db, actor.userId, { limit, offset });
        return { page: { items: rows.map(toPhotoDto), total, limit, offset } };
      }
      const terms = searchTerms(q);
      if (!terms.length) return { page: { items: [], total: 0, limit, offset } };
      // Cached for this user until a write to their data (see src/lib/cache.ts); large pages are not kept,
      // so entries stay small.
      const { value, hit } = await cache.remember(
        SEARCH_NAMESPACE,
        { kind: 'user', userId: actor.userId },
        JSON.stringify([terms, limit, offset]),
        SEARCH_TTL_MS,
        async (): Promise<Page<PhotoDto>> => {
          const { rows, total } = await photosRepository.listOwned(db, actor.userId, { q: terms.join(' '), limit, offset });
          return { items: rows.map(toPhotoDto), total, limit, offset };
        },
        (page) => page.items.length <= SEARCH_CACHE_MAX_ITEMS,
      );
      return { page: value, cache: hit ? 'hit' : 'miss' };
    },

    get: async (actor: Actor, id: number) => toPhotoDto(await visible(db, actor, id)),

    async update(actor: Actor, id: number, patch: PhotoPatch): Promise<PhotoDto> {
      const takenAt = patch.takenAt === undefined || patch.takenAt === null ? patch.takenAt : normaliseTakenAt(patch.takenAt);
      const dto = await inTransaction(db, async (trx) => {
        const current = await owned(trx, actor, id);
        if (patch.productId !== undefined && patch.productId !== null) await checkProduct(trx, actor, patch.productId, 'productId');
        const moved = patch.productId !== undefined && patch.productId !== current.product_id;
        const nextTaken = takenAt === undefined ? current.taken_at : takenAt;
        await photosRepository.update(trx, id, {
          ...(patch.caption !== undefined ? { caption: patch.caption } : {}),
          ...(patch.notes !== undefined ? { notes: patch.notes } : {}),
          ...(takenAt !== undefined ? { taken_at: takenAt, sort_at: nextTaken ?? current.created_at } : {}),
          ...(moved ? { product_id: patch.productId ?? null, is_cover: 0 } : {}),
          updated_at: nowIso(),
        });
        await audit(trx, actor, 'photo.update', 'photo', id, { fields: Object.keys(patch) });
        return toPhotoDto(await owned(trx, actor, id));
      });
      return dto;
    },

    /** Deletes the photo, its file and its previews. */
    async delete(actor: Actor, id: number): Promise<void> {
      const row = await owned(db, actor, id);
      await previewer.settle(id);
      await inTransaction(db, async (trx) => {
        await owned(trx, actor, id);
        await photosRepository.delete(trx, id);
        await audit(trx, actor, 'photo.delete', 'photo', id, { name: row.name });
      });
      await deleteFiles(row.storage_key);
    },

    /** Photos the caller can see whose dHash is within maxDistance bits of this one's, closest first. */
    async similar(actor: Actor, id: number, maxDistance: number, limit: number): Promise<Array<{ distance: number; photo: PhotoDto }>> {
      const target = await visible(db, actor, id);
      const near = (await photosRepository.hashesVisibleTo(db, actor.userId))
        .filter((c) => c.id !== id)
        .map((c) => ({ id: c.id, distance: hammingDistance(target.dhash, c.dhash) }))
        .filter((c) => c.distance <= maxDistance)
        .sort((a, b) => a.distance - b.distance || b.id - a.id)
        .slice(0, limit);
      const rows = new Map((await photosRepository.getManyVisible(db, actor.userId, near.map((n) => n.id))).map((r) => [r.id, r]));
      return near.filter((n) => rows.has(n.id)).map((n) => ({ distance: n.distance, photo: toPhotoDto(rows.get(n.id) as PhotoView) }));
    },

    /** A new share link (replacing any earlier one): a random token, stored hashed, shown this once. */
    async share(actor: Actor, id: number) {
      const token = `fmp_${randomBytes(32).toString('base64url')}`;
      await inTransaction(db, async (trx) => {
        await owned(trx, actor, id);
        await photosRepository.update(trx, id, { share_token_hash: sha256(token), updated_at: nowIso() });
        await audit(trx, actor, 'photo.share', 'photo', id);
      });
      return shareLinks(token);
    },

    async unshare(actor: Actor, id: number): Promise<void> {
      await inTransaction(db, async (trx) => {
        await owned(trx, actor, id);
        await photosRepository.update(trx, id, { share_token_hash: null, updated_at: nowIso() });
        await audit(trx, actor, 'photo.unshare', 'photo', id);
      });
    },

    /** The photo behind a read: the caller must see it. */
    readable: (actor: Actor, id: number) => visible(db, actor, id),

    /** The photo behind a share link; 404 for an unknown or revoked token. */
    async shared(token: string): Promise<PhotoView> {
      const row = token.startsWith('fmp_') ? await photosRepository.getByShareHash(db, sha256(token)) : undefined;
      if (!row) throw notFound('photo-not-found');
      return row;
    },

    openOriginal: (row: PhotoView, range?: ByteRange): Promise<Readable> => storage.get(row.storage_key, range),

    /** A preview's bytes; made now if they do not exist yet, so a preview link never fails for timing. */
    async openPreview(row: PhotoView, size: PreviewSize): Promise<Readable> {
      if (row.preview_state !== 'ready') {
        try {
          await previewer.ensure(row.id);
        } catch {
          throw new AppError(422, 'photo-preview-failed');
        }
      }
      return storage.get(previewKey(row.storage_key, size));
    },

    async productPhotos(actor: Actor, productId: number, limit = 50, offset = 0): Promise<Page<PhotoDto>> {
      await checkProduct(db, actor, productId, 'id');
      const { rows, total } = await photosRepository.listByProduct(db, productId, limit, offset);
      return { items: rows.map(toPhotoDto), total, limit, offset };
    },

    /** Makes a photo attached to the product its cover (the previous cover stays attached). */
    async setCover(actor: Actor, productId: number, photoId: number): Promise<PhotoDto> {
      return inTransaction(db, async (trx) => {
        await checkProduct(trx, actor, productId, 'id');
        const photo = await visible(trx, actor, photoId);
        if (photo.product_id !== productId) throw new AppError(409, 'photo-not-attached', {}, 'photoId');
        await photosRepository.clearCover(trx, productId);
        await photosRepository.update(trx, photoId, { is_cover: 1, updated_at: nowIso() });
        await audit(trx, actor, 'product.cover', 'product', productId, { photoId });
        return toPhotoDto(await visible(trx, actor, photoId));
      });
    },

    async clearCover(actor: Actor, productId: number): Promise<void> {
      await inTransaction(db, async (trx) => {
        await checkProduct(trx, actor, productId, 'id');
        await photosRepository.clearCover(trx, productId);
        await audit(trx, actor, 'product.cover-clear', 'product', productId);
      });
    },

    /** At start-up: remove what interrupted uploads left, then resume the previews still to make. */
    async start(): Promise<void> {
      const swept = await sweepOrphans(db, storage);
      if (swept.temporary || swept.orphans) log.info(swept, 'photo storage swept');
      await previewer.enqueueAll(await photosRepository.pendingPreviews(db, 100_000));
    },

    /** Photos whose previews are queued or being made, by any instance when the queue is shared (metrics; the benchmark waits for 0). */
    previewsPending: () => previewer.pending(),
    /** Previews made and failed by this instance. */
    previewStats: () => previewer.stats(),

    async close(): Promise<void> {
      await previewer.close();
      await storage.close();
    },
  };
}

export type PhotosService = ReturnType<typeof createPhotosService>;

/**
 * The photos service on the configured storage and the app's cache; previews are made by BullMQ jobs
 * shared by every instance with Redis, else by an in-process queue.
 */
export function createPhotosServiceFor(db: Kysely<Database>, config: Config, log: FastifyBaseLogger, shared: Shared): PhotosService {
  const { cache, redis, bullmq } = shared;
  const storage = createStorage(config);
  const previewDeps = { db, storage, log, concurrency: config.photos.previewConcurrency, maxPixels: config.photos.maxPixels };
  const previewer =
    redis && bullmq && config.redis ? createQueuedPreviewer({ ...previewDeps, bullmq, redis, redisUrl: config.redis.url, prefix: config.redis.prefix }) : createPreviewer(previewDeps);
  return createPhotosService(db, { storage, cache, previewer, config: config.photos, log });
}
