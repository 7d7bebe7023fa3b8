import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import S3rver from 's3rver';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signUp, startServer, type TestServer } from '../helpers.js';
import { eventually, fetchBytes, filesUnder, jpeg, upload } from './photo-helpers.js';

/**
 * The S3 backend against a real S3-compatible server (s3rver, from npm) listening on loopback: the AWS
 * SDK talks HTTP to it exactly as to AWS, multipart uploads included.
 */
let s3: S3rver;
let s3Dir: string;
let server: TestServer;
const BUCKET = 'freezer-photos';

beforeAll(async () => {
  s3Dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-s3-'));
  s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: s3Dir, configureBuckets: [{ name: BUCKET, configs: [] }] });
  const { port } = await s3.run();
  server = await startServer({
    S3_ENDPOINT: `http://127.0.0.1:${port}`,
    S3_BUCKET: BUCKET,
    S3_REGION: 'us-east-1',
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
    PHOTO_MAX_FILE_BYTES: String(12 * 1024 * 1024),
  });
});
afterAll(async () => {
  await server?.close();
  await s3?.close();
  fs.rmSync(s3Dir, { recursive: true, force: true });
});

/** Keys of the objects s3rver holds in the bucket (it keeps each object as a file plus metadata files). */
const objectKeys = () =>
  filesUnder(path.join(s3Dir, BUCKET))
    .filter((f) => f.endsWith('._S3rver_object'))
    .map((f) => f.slice(0, -'._S3rver_object'.length))
    .sort();

describe('S3 storage', () => {
  it('stores uploads in the bucket (multipart for large files), serves them with ranges and previews, deletes them', async () => {
    const user = await signUp(server.url);
    const small = await jpeg(1, 64, 48);
    // Over lib-storage's 5 MB part size: a real multipart upload (two parts).
    const large = await sharp({ create: { width: 1400, height: 1400, channels: 3, background: '#777', noise: { type: 'gaussian', mean: 128, sigma: 90 } } }).png({ compressionLevel: 0 }).toBuffer();
    expect(large.length).toBeGreaterThan(5 * 1024 * 1024);
    const res = await upload(server.url, user.token, [
      { filename: 'small.jpg', data: small },
      { filename: 'large.png', data: large },
      { filename: 'fake.jpg', data: Buffer.from('GIF? no: plain text') },
    ]);
    expect(res.status, res.text).toBe(201);
    expect(res.body.map((e: any) => e.status)).toEqual(['created', 'created', 'refused']);
    const rows = await server.app.db.selectFrom('photos').select(['id', 'storage_key']).where('user_id', '=', user.user.id).orderBy('id').execute();
    expect(rows).toHaveLength(2);
    // Nothing on the local disk: the photos are in the bucket.
    expect(filesUnder(path.join(server.dataDir, 'photos'))).toEqual([]);
    await eventually(() => objectKeys().length === 6, 15_000, 'originals and previews in the bucket');
    expect(objectKeys().filter((k) => k.startsWith('originals/'))).toEqual(rows.map((r) => r.storage_key).sort());

    const [smallPhoto, largePhoto] = res.body;
    const back = await fetchBytes(server.url, largePhoto.url, user.token);
    expect(back.status).toBe(200);
    expect(back.bytes.equals(large)).toBe(true);
    const range = await fetchBytes(server.url, largePhoto.url, user.token, { range: 'bytes=100-199' });
    expect(range.status).toBe(206);
    expect(range.bytes.equals(large.subarray(100, 200))).toBe(true);
    const preview = await fetchBytes(server.url, smallPhoto.preview_url, user.token);
    expect(preview.status).toBe(200);
    expect((await sharp(preview.bytes).metadata()).format).toBe('webp');
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);

    expect((await user.api.delete(`/api/v1/photos/${largePhoto.id}`)).status).toBe(204);
    expect(objectKeys().filter((k) => k.includes(path.basename(rows[1]!.storage_key)))).toEqual([]);
    expect(objectKeys()).toHaveLength(3);
  });
});
