import { createHash } from 'node:crypto';
import { Transform, type Readable } from 'node:stream';
import type { Config } from '../config.js';
import { createDiskStorage } from './disk.js';
import { createS3Storage } from './s3.js';

/** What `put` stored: the key it was given, the byte count and the SHA-256 of exactly those bytes. */
export interface StoredObject {
  key: string;
  size: number;
  sha256: string;
}

export interface ListedObject {
  key: string;
  lastModified: Date;
}

/** A byte range, both ends included (as in an HTTP Range header). */
export interface ByteRange {
  start: number;
  end: number;
}

/**
 * Where photo files live. Keys are relative paths made of [A-Za-z0-9._-/] (the services choose them).
 * `put` streams: the body is never held whole in memory, and a failed or cut-off body leaves nothing
 * under the key (disk: temporary file, fsync, rename; S3: an aborted multipart upload).
 */
export interface PhotoStorage {
  readonly kind: 'disk' | 's3';
  put(key: string, body: Readable, options?: { contentType?: string }): Promise<StoredObject>;
  /** The object's bytes (or a range of them); throws StorageNotFoundError when it does not exist. */
  get(key: string, range?: ByteRange): Promise<Readable>;
  exists(key: string): Promise<boolean>;
  /** Deleting what does not exist is not an error. */
  delete(key: string): Promise<void>;
  /** Every object under a prefix (for the start-up sweep of orphans). */
  list(prefix: string): AsyncIterable<ListedObject>;
  /** Removes what interrupted uploads left behind (disk: temporary files); returns how many. */
  sweepTemporary(): Promise<number>;
  /** Throws when the storage does not answer (readiness probe). */
  check(): Promise<void>;
  close(): Promise<void>;
}

export class StorageNotFoundError extends Error {
  constructor(key: string) {
    super(`no object ${key}`);
    this.name = 'StorageNotFoundError';
  }
}

const KEY_RE = /^(?!\/)(?!.*\.\.)[A-Za-z0-9._\-/]{1,512}$/;

export function assertKey(key: string): void {
  if (!KEY_RE.test(key)) throw new Error(`invalid storage key: ${key}`);
}

/** A pass-through that hashes and counts what goes through it. */
export function hashingStream(): Transform & { digest(): { size: number; sha256: string } } {
  const hash = createHash('sha256');
  let size = 0;
  const stream = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  }) as Transform & { digest(): { size: number; sha256: string } };
  let digest: string | undefined;
  stream.digest = () => {
    digest ??= hash.digest('hex');
    return { size, sha256: digest };
  };
  return stream;
}

/** The configured backend: S3-compatible object storage when S3_BUCKET is set, else DATA_DIR/photos. */
export function createStorage(config: Config): PhotoStorage {
  if (config.s3) return createS3Storage(config.s3);
  return createDiskStorage(`${config.dataDir}/photos`);
}
