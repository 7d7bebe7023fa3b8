import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { signUp, startServer, type TestServer } from '../helpers.js';
import { eventually, fetchBytes, filesUnder, jpeg, picture, upload } from './photo-helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());

const photosDir = () => path.join(server.dataDir, 'photos');

/** 60x30 as stored, EXIF orientation 6 (turn 90° clockwise to view: 30x60), with a date and a GPS position. */
const rotatedWithGps = () =>
  picture(31337, 60, 30)
    .jpeg()
    .withMetadata({ orientation: 6 })
    .withExif({ IFD0: { Make: 'FreezerCam' }, IFD2: { DateTimeOriginal: '2024:03:05 10:20:30' }, IFD3: { GPSLatitudeRef: 'N', GPSLatitude: '48/1 51/1 0/1' } })
    .toBuffer();

describe('previews and serving', () => {
  it('previews apply the orientation and keep no metadata; the date taken comes from EXIF', async () => {
    const user = await signUp(server.url);
    const data = await rotatedWithGps();
    expect((await sharp(data).metadata()).exif).toBeDefined();
    const [photo] = (await upload(server.url, user.token, [{ filename: 'bag.jpg', data }])).body;
    expect(photo).toMatchObject({ status: 'created', width: 30, height: 60, takenAt: '2024-03-05T10:20:30.000Z' });
    for (const [url, edge] of [[photo.preview_url, 60], [photo.display_url, 60]] as const) {
      const res = await fetchBytes(server.url, url, user.token);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/webp');
      const meta = await sharp(res.bytes).metadata();
      expect(meta).toMatchObject({ format: 'webp', width: 30, height: edge });
      expect(meta.exif).toBeUndefined();
      expect(meta.xmp).toBeUndefined();
      expect(meta.orientation ?? 1).toBe(1);
    }
    // The original is kept as sent, metadata included (it is the owner's file).
    expect((await fetchBytes(server.url, photo.url, user.token)).bytes.equals(data)).toBe(true);
  });

  it('fits previews inside 256 and 1600 pixels', async () => {
    const user = await signUp(server.url);
    const [photo] = (await upload(server.url, user.token, [{ filename: 'wide.jpg', data: await jpeg(5150, 2000, 1000) }])).body;
    const thumb = await sharp((await fetchBytes(server.url, photo.preview_url, user.token)).bytes).metadata();
    const display = await sharp((await fetchBytes(server.url, `${photo.preview_url}?size=display`, user.token)).bytes).metadata();
    expect([thumb.width, thumb.height]).toEqual([256, 128]);
    expect([display.width, display.height]).toEqual([1600, 800]);
  });

  it('makes a preview on demand when it is asked for before the background worker got to it', async () => {
    const user = await signUp(server.url);
    // 40 photos queued ahead (two previews made at a time): the last one's preview is not ready when asked for.
    const files = await Promise.all(Array.from({ length: 40 }, (_, i) => jpeg(6000 + i, 400, 300)));
    const res = await upload(server.url, user.token, files.map((data, i) => ({ filename: `${i}.jpg`, data })));
    const last = res.body[39];
    const state = await server.app.db.selectFrom('photos').select('preview_state').where('id', '=', last.id).executeTakeFirstOrThrow();
    expect(state.preview_state).toBe('pending');
    const preview = await fetchBytes(server.url, last.preview_url, user.token);
    expect(preview.status).toBe(200);
    expect((await sharp(preview.bytes).metadata()).width).toBe(256);
  });

  it('serves originals with ETag, Last-Modified, private caching, 304 and byte ranges', async () => {
    const user = await signUp(server.url);
    const data = await jpeg(8080, 200, 100);
    const [photo] = (await upload(server.url, user.token, [{ filename: 'range.jpg', data }])).body;
    const full = await fetchBytes(server.url, photo.url, user.token);
    expect(full.headers.get('etag')).toBe(`"${photo.sha256}"`);
    expect(full.headers.get('cache-control')).toMatch(/^private/);
    expect(full.headers.get('last-modified')).toBeTruthy();
    expect(full.headers.get('accept-ranges')).toBe('bytes');
    expect(Number(full.headers.get('content-length'))).toBe(data.length);
    expect((await fetchBytes(server.url, photo.url, user.token, { 'if-none-match': `"${photo.sha256}"` })).status).toBe(304);
    const part = await fetchBytes(server.url, photo.url, user.token, { range: 'bytes=10-19' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 10-19/${data.length}`);
    expect(part.bytes.equals(data.subarray(10, 20))).toBe(true);
    const tail = await fetchBytes(server.url, photo.url, user.token, { range: 'bytes=-5' });
    expect(tail.bytes.equals(data.subarray(data.length - 5))).toBe(true);
    const beyond = await fetchBytes(server.url, photo.url, user.token, { range: `bytes=${data.length + 10}-` });
    expect(beyond.status).toBe(416);
    expect(beyond.headers.get('content-range')).toBe(`bytes */${data.length}`);
  });

  it('deleting a photo removes its file and its previews', async () => {
    const user = await signUp(server.url);
    const [photo] = (await upload(server.url, user.token, [{ filename: 'gone.jpg', data: await jpeg(4040) }])).body;
    expect((await fetchBytes(server.url, photo.display_url, user.token)).status).toBe(200);
    const row = await server.app.db.selectFrom('photos').selectAll().where('id', '=', photo.id).executeTakeFirstOrThrow();
    const uuid = path.basename(row.storage_key);
    const mine = () => [...filesUnder(path.join(photosDir(), 'originals')), ...filesUnder(path.join(photosDir(), 'previews'))].filter((f) => f.includes(uuid));
    await eventually(() => mine().length === 3, 5000, 'the original and two previews');
    expect((await user.api.delete(`/api/v1/photos/${photo.id}`)).status).toBe(204);
    expect(mine()).toEqual([]);
    expect((await fetchBytes(server.url, photo.url, user.token)).status).toBe(404);
    const audit = await server.app.db.selectFrom('audit_log').select('action').where('object_type', '=', 'photo').where('object_id', '=', String(photo.id)).execute();
    expect(audit.map((a) => a.action)).toEqual(['photo.upload', 'photo.delete']);
  });

  it('at start-up, sweeps temporary files and old files no photo names, and finishes pending previews', async () => {
    const dataDir = fs.mkdtempSync(path.join(server.dataDir, 'restart-'));
    const config = loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: 'silent', RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_PER_DAY: '0' });
    const first = await buildApp(config);
    await first.ready();
    const user = await first.inject({ method: 'POST', url: '/api/v1/users', payload: { email: 'sweep@example.com', password: 'correct horse battery' } });
    const token = user.json().token as string;
    const { body, contentType } = (await import('./photo-helpers.js')).multipartBody([{ filename: 'kept.jpg', data: await jpeg(1) }]);
    const kept = (await first.inject({ method: 'POST', url: '/api/v1/photos', headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, payload: body })).json()[0];
    await first.close();
    // What a crash leaves: a temporary file, an old original without a row, a recent one (maybe another instance's upload).
    const root = path.join(dataDir, 'photos');
    fs.mkdirSync(path.join(root, '.tmp'), { recursive: true });
    fs.writeFileSync(path.join(root, '.tmp', 'half.part'), 'half');
    fs.mkdirSync(path.join(root, 'originals', 'zz'), { recursive: true });
    const old = path.join(root, 'originals', 'zz', 'zz-orphan');
    fs.writeFileSync(old, 'orphan');
    fs.utimesSync(old, new Date(Date.now() - 2 * 3600_000), new Date(Date.now() - 2 * 3600_000));
    fs.writeFileSync(path.join(root, 'originals', 'zz', 'zz-recent'), 'recent');

    const second = await buildApp(config);
    // As if the process had stopped before the preview worker got to it.
    await second.db.updateTable('photos').set({ preview_state: 'pending' }).where('id', '=', kept.id).execute();
    fs.rmSync(path.join(root, 'previews'), { recursive: true, force: true });
    await second.ready();
    try {
      const files = filesUnder(root);
      expect(files).not.toContain('.tmp/half.part');
      expect(files).not.toContain('originals/zz/zz-orphan');
      expect(files).toContain('originals/zz/zz-recent');
      await eventually(async () => (await second.db.selectFrom('photos').select('preview_state').where('id', '=', kept.id).executeTakeFirstOrThrow()).preview_state === 'ready', 5000, 'the pending preview');
      expect(filesUnder(path.join(root, 'previews'))).toHaveLength(2);
    } finally {
      await second.close();
    }
  });
});
