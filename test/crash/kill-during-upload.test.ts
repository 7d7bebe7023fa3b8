import type { ChildProcess } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { client, signUp } from '../helpers.js';
import { eventually, fetchBytes, filesUnder, multipartBody, picture, upload } from '../photos/photo-helpers.js';
import { freePort, killHard, startServerProcess } from './server-process.js';

/**
 * SIGKILL during bulk photo uploads: once in the middle of a streamed upload of many pictures (while
 * small uploads are acknowledged next to it), once right after uploads were acknowledged (their
 * previews not made yet). After each restart: the database is intact, every acknowledged photo is
 * there with a readable file of the acknowledged SHA-256, no row lacks its file, no temporary file
 * is left, files without a row are only those the start-up sweep keeps for its grace period (and
 * it removes them once that is over), and the previews are made in the background.
 */

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-crash-upload-'));
const photosDir = path.join(dataDir, 'photos');
let child: ChildProcess | undefined;
afterAll(async () => {
  if (child) await killHard(child);
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const PREVIEW_CONCURRENCY = '1';
const start = (port: number) => startServerProcess(dataDir, port, { PHOTO_PREVIEW_CONCURRENCY: PREVIEW_CONCURRENCY });

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');
let seed = 1000;
const newJpeg = async () => picture((seed += 1), 640, 480).jpeg({ quality: 90 }).toBuffer();

const originals = () => filesUnder(path.join(photosDir, 'originals')).map((f) => `originals/${f}`);
const previews = () => filesUnder(path.join(photosDir, 'previews')).map((f) => `previews/${f}`);
const temporary = () => filesUnder(path.join(photosDir, '.tmp'));

function integrityOk(): void {
  const sqlite = new Database(path.join(dataDir, 'freezer-manager.sqlite'));
  try {
    expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(sqlite.pragma('foreign_key_check')).toEqual([]);
  } finally {
    sqlite.close();
  }
}

/**
 * One multipart upload written to the socket a file at a time, with a pause between files, so the
 * server stores the first files while the rest are still to come; after `stallAfter` files it sends
 * half of the next one and stops there (the server is then writing that file's temporary file).
 * Settles when the request ends or the connection breaks.
 */
function streamUpload(url: string, token: string, files: Buffer[], stallAfter: number, onProgress: (whole: number, stalled: boolean) => void): Promise<{ status?: number; error?: string }> {
  const boundary = '----crashBoundary1234';
  const target = new URL(`${url}/api/v1/photos`);
  return new Promise((resolve) => {
    const req = http.request({
      host: target.hostname,
      port: target.port,
      method: 'POST',
      path: target.pathname,
      headers: { authorization: `Bearer ${token}`, 'content-type': `multipart/form-data; boundary=${boundary}`, 'transfer-encoding': 'chunked' },
    });
    req.on('response', (res) => {
      res.resume();
      res.on('end', () => resolve({ status: res.statusCode }));
    });
    req.on('error', (err) => resolve({ error: err.message }));
    void (async () => {
      for (const [i, data] of files.entries()) {
        if (req.destroyed) return;
        req.write(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="bulk-${i}.jpg"\r\nContent-Type: image/jpeg\r\n\r\n`);
        if (i === stallAfter) {
          req.write(data.subarray(0, data.length >> 1));
          onProgress(i, true);
          return;
        }
        req.write(data);
        req.write('\r\n');
        onProgress(i + 1, false);
        await new Promise((r) => setTimeout(r, 30));
      }
      if (!req.destroyed) req.end(`--${boundary}--\r\n`);
    })();
  });
}

interface Acked {
  id: number;
  sha256: string;
}

/** Every check after a restart: acknowledged photos there and readable, rows and files match. */
async function checkAfterRestart(url: string, token: string, acked: Map<number, Acked>, leftovers: string[]): Promise<{ rows: Array<{ id: number; sha256: string }>; strayFiles: string[] }> {
  const api = client(url, token);
  const list = await api.get('/api/v1/photos?limit=500');
  expect(list.status).toBe(200);
  const rows = list.body.items as Array<{ id: number; sha256: string }>;
  expect(list.body.total).toBe(rows.length);
  const byId = new Map(rows.map((r) => [r.id, r]));
  for (const a of acked.values()) {
    expect(byId.get(a.id)?.sha256, `acknowledged photo ${a.id}`).toBe(a.sha256);
  }
  // No row without its file: every original is readable and is the bytes that were hashed.
  for (const row of rows) {
    const original = await fetchBytes(url, `/api/v1/photos/${row.id}/original`, token);
    expect(original.status, `original of photo ${row.id}`).toBe(200);
    expect(sha256(original.bytes)).toBe(row.sha256);
  }
  // The start-up sweep took every temporary file the crash left (new ones may belong to previews being made now).
  const survivors = leftovers.filter((f) => fs.existsSync(path.join(photosDir, '.tmp', f)));
  expect(survivors).toEqual([]);
  // Files without a row: whatever is beyond one file per row.
  const files = originals();
  expect(files.length).toBeGreaterThanOrEqual(rows.length);
  return { rows, strayFiles: files };
}

describe('SIGKILL during bulk photo uploads', { timeout: 180_000 }, () => {
  it('keeps every acknowledged photo, leaves no row without a file, sweeps stray files, makes the previews', async () => {
    const port = await freePort();
    let server = await start(port);
    child = server.process;
    const account = await signUp(server.url);
    const api = client(server.url, account.token);
    const freezer = await api.post('/api/v1/freezers', { name: 'Crash', boxCount: 2 });
    const product = await api.post('/api/v1/products', { name: 'Soup', typeId: 1, freezerId: freezer.body.id, box: 1, quantity: 2 });
    expect(product.status).toBe(201);

    const acked = new Map<number, Acked>();
    const record = (res: { status: number; body: any }) => {
      if (res.status !== 201) return;
      for (const item of res.body as Array<{ status: string; id: number; sha256: string }>) if (item.status === 'created') acked.set(item.id, { id: item.id, sha256: item.sha256 });
    };

    // ---- round 1: killed in the middle of a streamed upload of 40 pictures, small uploads acknowledged next to it
    const bulk = await Promise.all(Array.from({ length: 40 }, () => newJpeg()));
    record(await upload(server.url, account.token, [{ filename: 'first.jpg', data: await newJpeg() }]));
    const filesBefore = originals().length;
    let written = 0;
    let stalled = false;
    const bulkDone = streamUpload(server.url, account.token, bulk, 20, (n, s) => ((written = n), (stalled = s)));
    let stop = false;
    const smallUploads = (async () => {
      while (!stop) {
        try {
          const parts = [{ field: 'product_id', value: String(product.body.id) }, { filename: 'a.jpg', data: await newJpeg() }, { filename: 'b.jpg', data: await newJpeg() }];
          record(await upload(server.url, account.token, parts));
        } catch {
          return; // the server is gone
        }
      }
    })();
    // The server has stored files of the bulk request (beyond those acknowledged), and is writing the half-sent one, when it dies.
    // The half-sent one is known by its bytes: any other temporary file (a small upload's, a preview's) may
    // be gone by the time of the kill.
    const halfSent = bulk[20]!.subarray(0, bulk[20]!.length >> 1);
    const halfSentBeingWritten = () =>
      temporary().some((f) => {
        try {
          return fs.readFileSync(path.join(photosDir, '.tmp', f)).equals(halfSent);
        } catch {
          return false; // finished and renamed meanwhile
        }
      });
    await eventually(() => stalled && originals().length >= filesBefore + acked.size + 5 && halfSentBeingWritten(), 60_000, 'bulk files stored, the half-sent one being written');
    expect(acked.size).toBeGreaterThan(0);
    await killHard(server.process);
    stop = true;
    const bulkResult = await bulkDone;
    await smallUploads;
    expect(bulkResult.status, 'the bulk upload was never acknowledged').toBeUndefined();
    expect(written).toBe(20);
    integrityOk();

    let leftovers = temporary();
    expect(leftovers.length, 'the half-sent file was left as a temporary file').toBeGreaterThan(0);
    server = await start(port);
    child = server.process;
    const first = await checkAfterRestart(server.url, account.token, acked, leftovers);
    // None of the bulk request's pictures became a photo: its rows were never committed.
    const bulkShas = new Set(bulk.map(sha256));
    expect(first.rows.filter((r) => bulkShas.has(r.sha256))).toEqual([]);
    // Its stored files are still there, young, inside the sweep's grace period …
    const stray = first.strayFiles.length - first.rows.length;
    expect(stray).toBeGreaterThanOrEqual(5);

    // ---- round 2: killed right after uploads were acknowledged, previews still to make
    for (let i = 0; i < 3; i += 1) {
      record(await upload(server.url, account.token, await Promise.all(Array.from({ length: 4 }, async (_, j) => ({ filename: `r2-${i}-${j}.jpg`, data: await newJpeg() })))));
    }
    const lastAcked = await upload(server.url, account.token, [{ filename: 'last.jpg', data: await newJpeg() }]);
    record(lastAcked);
    await killHard(server.process);
    expect(lastAcked.status).toBe(201);
    integrityOk();

    // … and once they are older than the grace period, the next start-up removes them.
    const old = new Date(Date.now() - 2 * 3600_000);
    const known = new Set<string>();
    leftovers = temporary();
    server = await start(port);
    child = server.process;
    await checkAfterRestart(server.url, account.token, acked, leftovers);
    await killHard(server.process);
    // Which files belong to a row: the previews name their original, and every row has one once made;
    // age every original and preview, restart, and only files with a row may survive.
    for (const file of [...originals(), ...previews()]) fs.utimesSync(path.join(photosDir, file), old, old);
    leftovers = temporary();
    server = await start(port);
    child = server.process;
    // (A small upload in flight at the first kill may have committed without its answer arriving: rows ⊇ acknowledged.)
    const third = await checkAfterRestart(server.url, account.token, acked, leftovers);
    expect(third.rows.length).toBeGreaterThanOrEqual(acked.size);
    expect(originals()).toHaveLength(third.rows.length);
    for (const f of originals()) known.add(f);

    // The previews are made in the background (nobody asks for them here): two per photo.
    await eventually(() => previews().length === 2 * third.rows.length, 120_000, 'previews of every photo');
    for (const preview of previews()) {
      const m = /^previews\/(.+)-(thumb|display)\.webp$/.exec(preview);
      expect(m, preview).not.toBeNull();
      expect(known.has(`originals/${m![1]}`), `${preview} belongs to a photo`).toBe(true);
    }
    const sample = [...acked.values()][0]!;
    const thumb = await fetchBytes(server.url, `/api/v1/photos/${sample.id}/preview`, account.token);
    expect(thumb.status).toBe(200);
    expect(thumb.bytes.subarray(8, 12).toString('latin1')).toBe('WEBP');

    const exited = new Promise<number | null>((r) => server.process.once('exit', (code) => r(code)));
    server.process.kill('SIGTERM');
    expect(await exited).toBe(0);
    child = undefined;
  });
});
