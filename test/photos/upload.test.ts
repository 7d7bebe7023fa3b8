import { createHash } from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { expectProblem, signUp, startServer, type TestServer } from '../helpers.js';
import { eventually, fetchBytes, filesUnder, jpeg, multipartBody, png, upload, webp, type Part } from './photo-helpers.js';

const MAX_FILE = 20_000;
let server: TestServer;
beforeAll(async () => {
  server = await startServer({ PHOTO_MAX_FILE_BYTES: String(MAX_FILE) });
});
afterAll(async () => server.close());

const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex');
const photosDir = () => path.join(server.dataDir, 'photos');
const originals = () => filesUnder(path.join(photosDir(), 'originals'));
const rowsOf = (userId: number) => server.app.db.selectFrom('photos').selectAll().where('user_id', '=', userId).orderBy('id').execute();

/**
 * Holds back the opening of the temporary files under `dir` by `ms`, as a busy thread pool does under
 * load (sharp's work and fsyncs queued ahead of it): what a put does meanwhile happens before its file exists.
 * `done` counts the opens that have happened (the file is there from then on).
 */
/** Earlier tests' previews done first: their temporary files are not this test's. */
const earlierPreviewsDone = () => eventually(async () => (await server.app.services.photos.previewsPending()) === 0, 20_000, 'earlier previews');

/** A POST /api/v1/photos over a raw socket, its headers sent: the test writes (part of) the body and cuts it off. */
async function rawUpload(token: string, contentType: string, length: number): Promise<net.Socket> {
  const url = new URL(server.url);
  const socket = net.connect(Number(url.port), url.hostname);
  await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
  socket.write(`POST /api/v1/photos HTTP/1.1\r\nHost: ${url.host}\r\nAuthorization: Bearer ${token}\r\nContent-Type: ${contentType}\r\nContent-Length: ${length}\r\n\r\n`);
  return socket;
}

function holdTemporaryOpens(dir: string, ms: number) {
  const open = fs.open as (...args: unknown[]) => void;
  const held = { started: 0, done: 0, restore: () => spy.mockRestore() };
  const spy = vi.spyOn(fs, 'open').mockImplementation(((file: fs.PathLike, ...rest: unknown[]) => {
    if (!String(file).startsWith(dir)) return open(file, ...rest);
    held.started += 1;
    const callback = rest.pop() as (...result: unknown[]) => void;
    setTimeout(() => {
      open(file, ...rest, (...result: unknown[]) => {
        held.done += 1;
        callback(...result);
      });
    }, ms);
  }) as never);
  return held;
}

describe('POST /api/v1/photos', () => {
  it('takes 150 files in one request and answers each, in order; storage and rows hold exactly the accepted ones', async () => {
    const user = await signUp(server.url);
    const TEXT = 10;
    const CORRUPT = 20;
    const DUPLICATE = 30;
    const DUPLICATE_OF = 5;
    const TOO_LARGE = 40;
    const parts: Array<Part & { data: Buffer; filename: string }> = [];
    for (let i = 0; i < 150; i += 1) {
      let data: Buffer;
      let filename: string;
      if (i === TEXT) [data, filename] = [Buffer.from('just some notes about soup, not a picture\n'.repeat(5)), 'notes.jpg'];
      else if (i === CORRUPT) [data, filename] = [Buffer.concat([(await jpeg(i)).subarray(0, 20), Buffer.alloc(400, 0x5a)]), 'broken.jpg'];
      else if (i === DUPLICATE) [data, filename] = [(parts[DUPLICATE_OF] as { data: Buffer }).data, 'again.jpg'];
      else if (i === TOO_LARGE) {
        data = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#888', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
        filename = 'huge.png';
        expect(data.length).toBeGreaterThan(MAX_FILE);
      } else if (i % 3 === 0) [data, filename] = [await jpeg(i), `photo-${i}.jpg`];
      else if (i % 3 === 1) [data, filename] = [await png(i), `photo-${i}.png`];
      else [data, filename] = [await webp(i), `photo-${i}.webp`];
      // The declared type is always a lie for the odd ones: only the bytes count.
      parts.push({ filename, data, contentType: i % 2 ? 'image/jpeg' : 'text/plain' });
    }

    const res = await upload(server.url, user.token, parts);
    expect(res.status, res.text).toBe(201);
    expect(res.body).toHaveLength(150);
    const mimeOf = (i: number) => (i % 3 === 0 ? 'image/jpeg' : i % 3 === 1 ? 'image/png' : 'image/webp');
    res.body.forEach((entry: any, i: number) => {
      expect(entry.index).toBe(i);
      expect(entry.name).toBe(parts[i]?.filename);
      if (i === TEXT) expect(entry).toMatchObject({ status: 'refused', error: { code: 'photo-unsupported-type' } });
      else if (i === CORRUPT) expect(entry).toMatchObject({ status: 'refused', error: { code: 'photo-corrupt' } });
      else if (i === TOO_LARGE) expect(entry).toMatchObject({ status: 'refused', error: { code: 'photo-too-large' } });
      else if (i === DUPLICATE) expect(entry).toMatchObject({ status: 'duplicate', id: res.body[DUPLICATE_OF].id, url: res.body[DUPLICATE_OF].url });
      else {
        expect(entry).toMatchObject({ status: 'created', mime: mimeOf(i), width: 48, height: 32, sha256: sha(parts[i]!.data), url: `/api/v1/photos/${entry.id}/original` });
        expect(entry.preview_url).toBe(`/api/v1/photos/${entry.id}/preview`);
      }
      if (entry.status === 'refused') expect(entry.error.detail.length).toBeGreaterThan(10);
    });

    const created = res.body.filter((e: any) => e.status === 'created');
    expect(created).toHaveLength(146);
    const rows = await rowsOf(user.user.id);
    expect(rows.map((r) => r.id).sort((a, b) => a - b)).toEqual(created.map((e: any) => e.id).sort((a: number, b: number) => a - b));
    // Exactly one stored file per row, holding exactly the bytes sent.
    expect(originals()).toEqual(rows.map((r) => r.storage_key.replace(/^originals\//, '')).sort());
    for (const row of rows) {
      const entry = res.body.find((e: any) => e.id === row.id && e.status === 'created');
      expect(sha(fs.readFileSync(path.join(photosDir(), row.storage_key)))).toBe(sha(parts[entry.index]!.data));
    }
    // No temporary file is left: previews made in the background meanwhile write theirs there too, and finish.
    await eventually(() => filesUnder(path.join(photosDir(), '.tmp')).length === 0, 30_000, 'the temporary files to be gone');

    // The original comes back byte for byte, with the type its bytes say (the client claimed text/plain).
    const first = await fetchBytes(server.url, created[0].url, user.token);
    expect(first.status).toBe(200);
    expect(first.headers.get('content-type')).toBe('image/jpeg');
    expect(sha(first.bytes)).toBe(sha(parts[0]!.data));
  });

  it('answers an exact duplicate with the photo already there, across requests', async () => {
    const user = await signUp(server.url);
    const data = await jpeg(777);
    const a = await upload(server.url, user.token, [{ filename: 'a.jpg', data }]);
    const b = await upload(server.url, user.token, [{ filename: 'b.jpg', data }, { filename: 'b.jpg', data }]);
    expect(b.body.map((e: any) => [e.status, e.id, e.name])).toEqual([
      ['duplicate', a.body[0].id, 'b.jpg'],
      ['duplicate', a.body[0].id, 'b.jpg'],
    ]);
    expect(await rowsOf(user.user.id)).toHaveLength(1);
    // Another user uploading the same bytes gets a photo of their own.
    const other = await signUp(server.url);
    const c = await upload(server.url, other.token, [{ filename: 'c.jpg', data }]);
    expect(c.body[0].status).toBe('created');
    expect(c.body[0].id).not.toBe(a.body[0].id);
  });

  it('attaches every file to product_id and sets the caption; another user’s product is a 404 and keeps nothing', async () => {
    const user = await signUp(server.url);
    const freezer = (await user.api.post('/api/v1/freezers', { name: 'Garage', boxCount: 2 })).body;
    const product = (await user.api.post('/api/v1/products', { name: 'Lasagne', typeId: 20, freezerId: freezer.id, box: 1, quantity: 2 })).body;
    const res = await upload(server.url, user.token, [
      { field: 'product_id', value: String(product.id) },
      { field: 'caption', value: 'Sunday batch' },
      { filename: 'one.jpg', data: await jpeg(901) },
      { filename: 'two.png', data: await png(902) },
    ]);
    expect(res.status, res.text).toBe(201);
    for (const entry of res.body) expect(entry).toMatchObject({ status: 'created', productId: product.id, caption: 'Sunday batch' });
    const list = await user.api.get(`/api/v1/products/${product.id}/photos`);
    expect(list.body.total).toBe(2);

    const stranger = await signUp(server.url);
    const before = originals().length;
    const refused = await upload(server.url, stranger.token, [{ field: 'product_id', value: String(product.id) }, { filename: 'x.jpg', data: await jpeg(903) }]);
    expectProblem({ ...refused, body: refused.body } as any, 404);
    expect(await rowsOf(stranger.user.id)).toHaveLength(0);
    expect(originals()).toHaveLength(before);
  });

  it('refuses what is not an upload: no file 400, not multipart 415, bad field 400, read token 403, no token 401', async () => {
    const user = await signUp(server.url);
    expectProblem(await upload(server.url, user.token, [{ field: 'caption', value: 'nothing' }]) as any, 400);
    expectProblem(await upload(server.url, user.token, [{ field: 'product_id', value: 'abc' }, { filename: 'a.jpg', data: await jpeg(5) }]) as any, 400);
    const json = await user.api.post('/api/v1/photos', { file: 'x' });
    expectProblem(json, 415);
    const read = await user.api.post('/api/v1/tokens', { name: 'display', scope: 'read' });
    const readToken = read.body.secret as string;
    expectProblem(await upload(server.url, readToken, [{ filename: 'a.jpg', data: await jpeg(6) }]) as any, 403);
    const anonymous = multipartBody([{ filename: 'a.jpg', data: await jpeg(7) }]);
    const res = await fetch(`${server.url}/api/v1/photos`, { method: 'POST', headers: { 'content-type': anonymous.contentType }, body: anonymous.body });
    expect(res.status).toBe(401);
    expect(await rowsOf(user.user.id)).toHaveLength(0);
  });

  it('refuses the files past the per-request total, keeping the ones before', async () => {
    const small = await startServer({ PHOTO_MAX_REQUEST_BYTES: '1500' });
    try {
      const user = await signUp(small.url);
      const files = await Promise.all([1, 2, 3, 4, 5, 6].map((i) => jpeg(i)));
      const res = await upload(small.url, user.token, files.map((data, i) => ({ filename: `${i}.jpg`, data })));
      expect(res.status, res.text).toBe(201);
      const statuses = res.body.map((e: any) => e.status);
      const cut = statuses.indexOf('refused');
      expect(cut).toBeGreaterThan(0);
      expect(statuses.slice(cut).every((s: string) => s === 'refused')).toBe(true);
      expect(res.body[cut].error.code).toBe('photo-request-too-large');
      const total = files.slice(0, cut).reduce((n, f) => n + f.length, 0);
      expect(total).toBeLessThanOrEqual(1500);
    } finally {
      await small.close();
    }
  });

  it('a request cut off midway leaves no row and no file behind', async () => {
    const user = await signUp(server.url);
    await earlierPreviewsDone();
    const files = await Promise.all([11, 12, 13].map((i) => jpeg(i, 64, 64)));
    const { body, contentType } = multipartBody([...files.map((data, i) => ({ filename: `${i}.jpg`, data })), { filename: 'last.jpg', data: await jpeg(14, 64, 64) }]);
    const cutAt = body.length - 300; // inside the fourth file
    const socket = await rawUpload(user.token, contentType, body.length);
    const logsBefore = server.logs.length;
    socket.write(body.subarray(0, cutAt));
    const before = originals().length;
    // The three complete files reach storage before the connection drops...
    await eventually(() => originals().length >= before + 3, 10_000, 'the first files to be stored');
    socket.destroy();
    // ...and are taken back out once it has.
    await eventually(() => originals().length === before, 10_000, 'the stored files to be removed');
    await eventually(() => filesUnder(path.join(photosDir(), '.tmp')).length === 0, 30_000, 'the temporary files to be gone');
    // The client's doing, not the server's: a 400 (no one is left to read it), not an unhandled error.
    const refused = () => server.logs.slice(logsBefore).filter((line) => line.includes('"request refused"') || line.includes('"unhandled error"'));
    await eventually(() => refused().length > 0, 10_000, 'the request to be answered');
    expect(refused().map((line) => JSON.parse(line))).toMatchObject([{ msg: 'request refused', status: 400, problem: 'urn:freezer-manager:problem:photo-bad-multipart' }]);
    expect(await rowsOf(user.user.id)).toHaveLength(0);
    expect(await server.app.db.selectFrom('audit_log').select('id').where('user_id', '=', user.user.id).where('action', '=', 'photo.upload').execute()).toHaveLength(0);
  });

  it('a refused file leaves no temporary file, even when that file opens after the refusal', async () => {
    const user = await signUp(server.url);
    await earlierPreviewsDone();
    const tmp = path.join(photosDir(), '.tmp');
    const held = holdTemporaryOpens(tmp, 200);
    try {
      const large = await sharp({ create: { width: 200, height: 200, channels: 3, background: '#888', noise: { type: 'gaussian', mean: 128, sigma: 60 } } }).png().toBuffer();
      const res = await upload(server.url, user.token, [
        { filename: 'notes.jpg', data: Buffer.from('not a picture\n'.repeat(20)) },
        { filename: 'huge.png', data: large },
      ]);
      expect(res.status, res.text).toBe(201);
      expect(res.body.map((e: any) => e.error?.code)).toEqual(['photo-unsupported-type', 'photo-too-large']);
      expect(held.started).toBe(2);
      await eventually(() => held.done === held.started, 10_000, 'the held opens');
      expect(filesUnder(tmp)).toEqual([]);
    } finally {
      held.restore();
    }
  });

  it('a request cut off before its file’s temporary file is open leaves no temporary file behind', async () => {
    const user = await signUp(server.url);
    await earlierPreviewsDone();
    const tmp = path.join(photosDir(), '.tmp');
    const held = holdTemporaryOpens(tmp, 200);
    try {
      const { body, contentType } = multipartBody([{ filename: 'cut.jpg', data: await jpeg(21, 64, 64) }]);
      const socket = await rawUpload(user.token, contentType, body.length);
      socket.write(body.subarray(0, body.length - 300));
      // The file is on its way to storage, its temporary file not open yet: the client goes away.
      await eventually(() => held.started === 1, 10_000, 'the file to reach storage');
      socket.destroy();
      await eventually(() => held.done === held.started, 10_000, 'the held open');
      await eventually(() => filesUnder(tmp).length === 0, 5_000, 'the temporary file to be removed');
      expect(held.started).toBe(1);
      expect(await rowsOf(user.user.id)).toHaveLength(0);
    } finally {
      held.restore();
    }
  });
});
