import { DeleteObjectCommand, GetObjectCommand, HeadBucketCommand, HeadObjectCommand, ListObjectsV2Command, S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import type { Readable } from 'node:stream';
import type { S3Config } from '../config.js';
import { assertKey, hashingStream, StorageNotFoundError, type ByteRange, type ListedObject, type PhotoStorage, type StoredObject } from './storage.js';

function isNotFound(err: unknown): boolean {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } } | null;
  return e?.name === 'NoSuchKey' || e?.name === 'NotFound' || e?.$metadata?.httpStatusCode === 404;
}

/**
 * S3-compatible object storage. A put is a streamed multipart upload (@aws-sdk/lib-storage: 5 MB
 * parts, two in flight, so memory stays bounded whatever the object's size); when the body fails
 * midway the multipart upload is aborted and no object appears under the key.
 */
export function createS3Storage(config: S3Config): PhotoStorage {
  const clientConfig: S3ClientConfig = {
    region: config.region,
    // Path-style addressing works with every S3-compatible server (MinIO, Ceph, Garage, s3rver...).
    forcePathStyle: Boolean(config.endpoint),
    // Checksums only where S3 requires them: several S3-compatible servers reject the trailing checksums
    // newer SDKs send by default.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    ...(config.endpoint ? { endpoint: config.endpoint } : {}),
    ...(config.accessKeyId && config.secretAccessKey ? { credentials: { accessKeyId: config.accessKeyId, secretAccessKey: config.secretAccessKey } } : {}),
  };
  const client = new S3Client(clientConfig);
  const Bucket = config.bucket;

  return {
    kind: 's3',

    async put(key: string, body: Readable, options: { contentType?: string } = {}): Promise<StoredObject> {
      assertKey(key);
      const hasher = hashingStream();
      body.on('error', (err) => hasher.destroy(err));
      const upload = new Upload({
        client,
        params: { Bucket, Key: key, Body: body.pipe(hasher), ...(options.contentType ? { ContentType: options.contentType } : {}) },
        queueSize: 2,
        partSize: 5 * 1024 * 1024,
        leavePartsOnError: false,
      });
      await upload.done();
      return { key, ...hasher.digest() };
    },

    async get(key: string, range?: ByteRange): Promise<Readable> {
      assertKey(key);
      try {
        const out = await client.send(new GetObjectCommand({ Bucket, Key: key, ...(range ? { Range: `bytes=${range.start}-${range.end}` } : {}) }));
        if (!out.Body) throw new StorageNotFoundError(key);
        return out.Body as Readable;
      } catch (err) {
        if (isNotFound(err)) throw new StorageNotFoundError(key);
        throw err;
      }
    },

    async exists(key: string): Promise<boolean> {
      assertKey(key);
      try {
        await client.send(new HeadObjectCommand({ Bucket, Key: key }));
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },

    async delete(key: string): Promise<void> {
      assertKey(key);
      await client.send(new DeleteObjectCommand({ Bucket, Key: key }));
    },

    async *list(prefix: string): AsyncIterable<ListedObject> {
      let token: string | undefined;
      do {
        const page = await client.send(new ListObjectsV2Command({ Bucket, Prefix: prefix, ...(token ? { ContinuationToken: token } : {}) }));
        for (const object of page.Contents ?? []) {
          if (object.Key) yield { key: object.Key, lastModified: object.LastModified ?? new Date(0) };
        }
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
    },

    // Aborted multipart uploads are cleaned by lib-storage itself; a bucket lifecycle rule
    // (AbortIncompleteMultipartUpload) catches those of a crashed process.
    sweepTemporary: async () => 0,

    async check(): Promise<void> {
      await client.send(new HeadBucketCommand({ Bucket }));
    },

    async close(): Promise<void> {
      client.destroy();
    },
  };
}

