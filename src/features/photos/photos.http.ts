import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { AppError } from '../../lib/errors.js';
import { StorageNotFoundError, type ByteRange } from '../../storage/storage.js';
import type { PreviewSize } from './photos.images.js';
import type { PhotoView } from './photos.repository.js';

/** Response documentation of the routes that answer image bytes. */
export const imageResponse = (description: string) => ({
  description,
  content: { 'image/*': { schema: { type: 'string', format: 'binary' } } },
});

/** A single `bytes=` range against a size: the range, 'unsatisfiable', or undefined (none, several, or malformed: the whole file). */
export function parseRange(header: string | undefined, size: number): ByteRange | 'unsatisfiable' | undefined {
  if (!header) return undefined;
  const m = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) return 'unsatisfiable';
    start = Math.max(0, size - suffix);
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
    if (m[2] !== '' && Number(m[2]) < start) return undefined;
  }
  if (start >= size || size === 0) return 'unsatisfiable';
  return { start, end };
}

function contentDisposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  return `inline; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/** True when the client's copy is current (If-None-Match, else If-Modified-Since). */
function notModified(request: FastifyRequest, etag: string, lastModified: Date): boolean {
  const inm = request.headers['if-none-match'];
  if (inm) return inm.split(',').some((t) => t.trim() === etag || t.trim() === `W/${etag}` || t.trim() === '*');
  const ims = request.headers['if-modified-since'];
  if (ims) {
    const since = Date.parse(ims);
    return !Number.isNaN(since) && Math.floor(lastModified.getTime() / 1000) <= Math.floor(since / 1000);
  }
  return false;
}

async function open(fn: () => Promise<Readable>): Promise<Readable> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof StorageNotFoundError) throw new AppError(404, 'photo-not-found');
    throw err;
  }
}

function cacheHeaders(reply: FastifyReply, etag: string, lastModified: Date): void {
  reply.header('etag', etag).header('last-modified', lastModified.toUTCString()).header('cache-control', 'private, max-age=86400');
}

/** The original: its stored type, ETag (its SHA-256), Last-Modified, private caching, single byte ranges. */
export async function sendOriginal(request: FastifyRequest, reply: FastifyReply, row: PhotoView, openOriginal: (range?: ByteRange) => Promise<Readable>) {
  const etag = `"${row.sha256}"`;
  const lastModified = new Date(row.created_at);
  cacheHeaders(reply, etag, lastModified);
  reply.header('accept-ranges', 'bytes').header('content-disposition', contentDisposition(row.name));
  if (notModified(request, etag, lastModified)) return reply.code(304).send();
  const ifRange = request.headers['if-range'];
  const range = ifRange && ifRange !== etag ? undefined : parseRange(request.headers.range, row.size);
  if (range === 'unsatisfiable') {
    reply.header('content-range', `bytes */${row.size}`);
    throw new AppError(416, 'range-not-satisfiable', { size: row.size });
  }
  const stream = await open(() => openOriginal(range));
  reply.type(row.mime);
  if (range) {
    reply.code(206).header('content-range', `bytes ${range.start}-${range.end}/${row.size}`).header('content-length', range.end - range.start + 1);
  } else {
    reply.header('content-length', row.size);
  }
  return reply.send(stream);
}

/** A WebP preview, made first if it does not exist yet. */
export async function sendPreview(request: FastifyRequest, reply: FastifyReply, row: PhotoView, size: PreviewSize, openPreview: () => Promise<Readable>) {
  const etag = `"${row.sha256.slice(0, 32)}-${size}"`;
  const lastModified = new Date(row.created_at);
  cacheHeaders(reply, etag, lastModified);
  if (notModified(request, etag, lastModified)) return reply.code(304).send();
  const stream = await open(openPreview);
  return reply.type('image/webp').send(stream);
}
