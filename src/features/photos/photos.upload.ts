import { randomUUID } from 'node:crypto';
import { Transform, type Readable, type TransformCallback } from 'node:stream';
import { finished } from 'node:stream/promises';
import type { MessageKey } from '../../i18n/messages.js';
import type { PhotoStorage } from '../../storage/storage.js';
import { analyseImage, HEIC_SUPPORTED, ImageRefusal, MIME, sniffFormat, SNIFF_BYTES, type ImageFacts, type ImageFormat } from './photos.images.js';

/** One part of an upload request, as the route hands it over. */
export type UploadPart = { kind: 'field'; name: string; value: string } | { kind: 'file'; name: string; stream: Readable };

/** A file refused for a reason of its own; the other files of the request go on. */
export class FileRefusal extends Error {
  constructor(
    readonly key: MessageKey,
    readonly params: Record<string, string | number> = {},
  ) {
    super(key);
    this.name = 'FileRefusal';
  }
}

export interface ReceivedFile {
  key: string;
  size: number;
  sha256: string;
  format: ImageFormat;
  mime: string;
  facts: ImageFacts;
}

interface Limits {
  maxFileBytes: number;
  /** What is left of the request's total allowance. */
  remainingBytes: number;
  maxRequestBytes: number;
  maxPixels: number;
}

/**
 * Watches a file go by on its way to storage: checks its first bytes (the real format), counts it
 * against the per-file and per-request limits (refusing it the moment it crosses one), and keeps its
 * bytes for the image check that follows (one file at a time, at most maxFileBytes).
 */
class Inspector extends Transform {
  bytes = 0;
  format: ImageFormat | undefined;
  chunks: Buffer[] = [];
  private head = Buffer.alloc(0);

  constructor(private readonly limits: Limits) {
    super();
  }

  private decide(): FileRefusal | undefined {
    if (this.head.length === 0) return new FileRefusal('photo-empty');
    const format = sniffFormat(this.head);
    if (!format) return new FileRefusal('photo-unsupported-type');
    if (format === 'heic' && !HEIC_SUPPORTED) return new FileRefusal('photo-heic-unsupported');
    this.format = format;
    return undefined;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback): void {
    this.bytes += chunk.length;
    if (this.bytes > this.limits.maxFileBytes) return done(new FileRefusal('photo-too-large', { limit: this.limits.maxFileBytes }));
    if (this.bytes > this.limits.remainingBytes) return done(new FileRefusal('photo-request-too-large', { limit: this.limits.maxRequestBytes }));
    if (!this.format) {
      this.head = Buffer.concat([this.head, chunk.subarray(0, SNIFF_BYTES)]).subarray(0, SNIFF_BYTES);
      if (this.head.length >= SNIFF_BYTES) {
        const refusal = this.decide();
        if (refusal) return done(refusal);
      }
    }
    this.chunks.push(chunk);
    done(null, chunk);
  }

  override _flush(done: TransformCallback): void {
    if (!this.format) {
      const refusal = this.decide();
      if (refusal) return done(refusal);
    }
    done();
  }
}

export function newOriginalKey(): string {
  const id = randomUUID();
  return `originals/${id.slice(0, 2)}/${id}`;
}

/**
 * Streams one file to storage while hashing and inspecting it, then reads the image. A refused file
 * leaves nothing in storage and its remaining bytes are read and dropped, so the next part can follow.
 * Errors that are not refusals (the request was cut off) are thrown: the caller undoes the request.
 */
export async function receiveFile(storage: PhotoStorage, stream: Readable, limits: Limits): Promise<ReceivedFile | FileRefusal> {
  // Cut off before we got to it: the parser destroyed the part already, and it will never end.
  if (stream.destroyed) throw stream.errored ?? new Error('the upload stream closed before its end');
  const inspector = new Inspector(limits);
  // A refusal can happen before storage starts reading (a small file arrives whole at once): the error
  // stays on the stream (inspector.errored) for storage's pipeline to see; this listener keeps it from
  // being thrown as uncaught meanwhile.
  inspector.on('error', () => undefined);
  const onSourceError = (err: Error) => inspector.destroy(err);
  const onSourceClose = () => {
    if (!stream.readableEnded) inspector.destroy(stream.errored ?? new Error('the upload stream closed before its end'));
  };
  stream.once('error', onSourceError);
  stream.once('close', onSourceClose);
  stream.pipe(inspector);
  const key = newOriginalKey();
  let stored: { size: number; sha256: string };
  try {
    stored = await storage.put(key, inspector);
  } catch (err) {
    if (!(err instanceof FileRefusal)) throw err;
    stream.unpipe(inspector);
    stream.off('error', onSourceError);
    stream.off('close', onSourceClose);
    stream.resume();
    await finished(stream);
    return err;
  } finally {
    stream.off('error', onSourceError);
    stream.off('close', onSourceClose);
  }
  const format = inspector.format as ImageFormat;
  const bytes = Buffer.concat(inspector.chunks);
  inspector.chunks = [];
  try {
    const facts = await analyseImage(bytes, limits.maxPixels);
    return { key, size: stored.size, sha256: stored.sha256, format, mime: MIME[format], facts };
  } catch (err) {
    await storage.delete(key);
    if (err instanceof ImageRefusal) return new FileRefusal(err.key, err.params);
    throw err;
  }
}
