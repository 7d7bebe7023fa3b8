import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { restartDelay } from '../../src/server.js';
import { client, signUp } from '../helpers.js';
import { jpeg, multipartBody } from '../photos/photo-helpers.js';
import { freePort, getOnNewConnection, sample, spawnServer, within, type ServerProcess } from './process-helpers.js';

const METRICS_TOKEN = 'cluster-metrics-token-0123456789';
const dataDir = fs.mkdtempSync(path.join(process.env.FM_TEST_TMP_DIR ?? os.tmpdir(), 'fm-workers-'));
let server: ServerProcess | undefined;
afterAll(() => {
  if (server && server.process.exitCode === null) server.process.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Slow on a loaded machine: every worker started from the sources compiles them again (vite-node).
describe('serve --workers 2', { timeout: 600_000 }, () => {
  it('migrates once, shares the load, aggregates metrics, replaces a killed worker and stops gracefully', async () => {
    const port = await freePort();
    const metricsPort = await freePort();
    // At debug, a request's arrival is logged too: the upload below is seen reaching a worker while it still arrives.
    server = spawnServer(['--workers', '2'], { DATA_DIR: dataDir, PORT: String(port), METRICS_TOKEN, METRICS_PORT: String(metricsPort), LOG_LEVEL: 'debug' });
    const s = server;
    const listening = () => s.logs.filter((l) => l.msg === 'worker listening').map((l) => l.workerPid as number);
    await s.waitForLog(() => listening().length >= 2, 'two workers listening');
    const workers = listening();
    expect(new Set(workers).size).toBe(2);
    // The primary migrated the database once, before forking; the workers did not.
    expect(s.logs.filter((l) => l.msg === 'migrations applied')).toHaveLength(1);
    expect(s.logs.find((l) => l.msg === 'migrations applied')?.role).toBe('primary');

    // Requests on new connections are spread over both workers (each log line carries its process id).
    for (let i = 0; i < 20; i += 1) expect((await getOnNewConnection(`${s.url}/healthz`)).status).toBe(200);
    await s.waitForLog(() => s.logs.filter((l) => l.msg === 'request completed').length >= 20, 'the request logs');
    const servedBy = new Set(s.logs.filter((l) => l.msg === 'request completed' && l.req?.url === '/healthz').map((l) => l.pid as number));
    expect([...servedBy].sort()).toEqual([...workers].sort());

    // Writes through both workers at once on the one SQLite file: none fails (a transaction takes the write
    // lock when it begins, so a process never finds the file changed under a read it already made).
    const writer = await signUp(s.url);
    const writes = client(s.url, writer.token);
    const freezer = (await writes.post('/api/v1/freezers', { name: 'Both workers', boxCount: 4 })).body;
    const added = await Promise.all(
      Array.from({ length: 40 }, (_, i) => writes.post('/api/v1/products', { name: `p${i}`, typeId: 1, freezerId: freezer.id, box: 1 + (i % 4), quantity: 1 })),
    );
    expect(added.map((r) => r.status)).toEqual(Array(40).fill(201));
    // Both workers answer the writer's trends, and keep them (no Redis: each in process, under SQLite's
    // data_version, which another worker's commit moves); no worker may serve a copy from before a write.
    const personal = async () =>
      Promise.all(Array.from({ length: 6 }, () => getOnNewConnection(`${s.url}/api/v1/trends/personal`, { authorization: `Bearer ${writer.token}` })));
    for (const answer of await personal()) expect(JSON.parse(answer.body)).toMatchObject([{ typeId: 1, freq: 40, latest: null }]);
    const takenOut = await Promise.all(added.map((r) => writes.post(`/api/v1/products/${r.body.id}/take-out`, {})));
    expect(takenOut.map((r) => r.status)).toEqual(Array(40).fill(200));
    for (const answer of await personal()) expect(JSON.parse(answer.body)[0].latest).toMatch(/^\d{4}-\d{2}-\d{2}$/);
    // One write reaches one worker only; the other worker's answer must not be a stale copy.
    expect((await writes.post('/api/v1/products', { name: 'one more', typeId: 2, freezerId: freezer.id, box: 1, quantity: 1 })).status).toBe(201);
    for (const answer of await personal()) expect(JSON.parse(answer.body).map((t: { typeId: number }) => t.typeId).sort()).toEqual([1, 2]);
    expect(new Set(s.logs.filter((l) => l.msg === 'request completed' && l.req?.url === '/api/v1/trends/personal').map((l) => l.pid as number)).size).toBe(2);
    // The workers keep those answers: six more, one after the other, from both workers, are all hits (the
    // metrics sum every worker's count)...
    const hits = async () =>
      sample((await getOnNewConnection(`http://127.0.0.1:${metricsPort}/metrics`)).body, 'freezer_cache_lookups_total', { route: '/api/v1/trends/personal', result: 'hit' }) ?? 0;
    const typesInOrder = async () => {
      const logged = s.logs.length;
      const types: number[][] = [];
      for (let i = 0; i < 6; i += 1) {
        const answer = await getOnNewConnection(`${s.url}/api/v1/trends/personal`, { authorization: `Bearer ${writer.token}` });
        types.push(JSON.parse(answer.body).map((t: { typeId: number }) => t.typeId).sort());
      }
      await s.waitForLog(() => s.logs.slice(logged).filter((l) => l.msg === 'request completed').length >= 6, 'the request logs');
      const servedBy = new Set(s.logs.slice(logged).filter((l) => l.msg === 'request completed').map((l) => l.pid as number));
      return { types, servedBy: servedBy.size };
    };
    const hitsBefore = await hits();
    expect(await typesInOrder()).toEqual({ types: Array(6).fill([1, 2]), servedBy: 2 });
    expect((await hits()) - hitsBefore).toBe(6);
    // ...and one write through one worker retires what both kept.
    expect((await writes.post('/api/v1/products', { name: 'and another', typeId: 3, freezerId: freezer.id, box: 2, quantity: 1 })).status).toBe(201);
    expect(await typesInOrder()).toEqual({ types: Array(6).fill([1, 2, 3]), servedBy: 2 });

    // Metrics are the sum over the workers, on the main port (token) and on the metrics port.
    const viaToken = await getOnNewConnection(`${s.url}/metrics`, { authorization: `Bearer ${METRICS_TOKEN}` });
    expect(viaToken.status).toBe(200);
    expect(sample(viaToken.body, 'freezer_http_requests_total', { method: 'GET', route: '/healthz', status_class: '2xx' })).toBe(20);
    const viaPort = await getOnNewConnection(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(viaPort.status).toBe(200);
    expect(sample(viaPort.body, 'freezer_http_requests_total', { method: 'GET', route: '/healthz', status_class: '2xx' })).toBe(20);
    expect(sample(viaPort.body, 'freezer_http_request_duration_seconds_count', { route: '/healthz', status_class: '2xx' })).toBe(20);
    expect((await getOnNewConnection(`http://127.0.0.1:${metricsPort}/healthz`)).status).toBe(404);
    expect((await getOnNewConnection(`${s.url}/metrics`)).status).toBe(401);

    // A worker that dies is replaced.
    const victim = workers[0]!;
    process.kill(victim, 'SIGKILL');
    await s.waitForLog((l) => l.msg === 'worker died; starting another' && l.workerPid === victim, 'the primary to notice');
    await s.waitForLog(() => listening().length >= 3, 'a new worker');
    const replacement = listening()[2]!;
    expect(workers).not.toContain(replacement);
    const survivors = [workers[1]!, replacement];
    for (let i = 0; i < 6; i += 1) expect((await getOnNewConnection(`${s.url}/healthz`)).status).toBe(200);

    // SIGTERM while a large upload is still arriving: new connections are refused, the upload completes, exit 0.
    const account = await signUp(s.url);
    const { body, contentType } = multipartBody([{ filename: 'big.jpg', data: await jpeg(11, 1600, 1200) }, { field: 'caption', value: 'sent slowly' }]);
    let uploadRequest: http.ClientRequest | undefined;
    const answer = new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = http.request(`${s.url}/api/v1/photos`, {
        method: 'POST',
        agent: false,
        headers: { authorization: `Bearer ${account.token}`, 'content-type': contentType, 'content-length': String(body.length) },
      });
      req.on('response', (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (c: string) => (text += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text }));
      });
      req.on('error', reject);
      uploadRequest = req;
    });
    const half = Math.floor(body.length / 2);
    uploadRequest!.write(body.subarray(0, half));
    await s.waitForLog((l) => l.msg === 'incoming request' && l.req?.method === 'POST' && l.req?.url === '/api/v1/photos', 'the upload to reach a worker');

    s.process.kill('SIGTERM');
    await s.waitForLog(() => s.logs.filter((l) => l.msg === 'shutting down' && survivors.includes(l.pid)).length === 2, 'both workers to start stopping');
    // Stopped accepting: a new connection is refused while the upload is still in flight.
    const refusedBy = Date.now() + 60_000;
    for (;;) {
      expect(Date.now(), 'new connections refused within 60 s of SIGTERM').toBeLessThan(refusedBy);
      const refused = await getOnNewConnection(`${s.url}/healthz`).then(
        () => false,
        (err: NodeJS.ErrnoException) => err.code === 'ECONNREFUSED',
      );
      if (refused) break;
      await sleep(50);
    }
    for (let offset = half; offset < body.length; offset += 16 * 1024) {
      uploadRequest!.write(body.subarray(offset, Math.min(body.length, offset + 16 * 1024)));
      await sleep(20);
    }
    uploadRequest!.end();
    const result = await within(answer, 120_000, 'the answer to the upload');
    expect(result.status, result.text).toBe(201);
    expect(JSON.parse(result.text)[0]).toMatchObject({ status: 'created', name: 'big.jpg' });
    expect(await within(s.exited, 120_000, 'the primary to exit')).toBe(0);

    // What was acknowledged is in the database and in the photo store.
    const db = new Database(path.join(dataDir, 'freezer-manager.sqlite'), { readonly: true });
    try {
      const photo = db.prepare("select storage_key from photos where caption = 'sent slowly'").get() as { storage_key: string } | undefined;
      expect(photo).toBeDefined();
      expect(fs.existsSync(path.join(dataDir, 'photos', photo!.storage_key))).toBe(true);
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
    } finally {
      db.close();
    }
  });

  it('backs off when workers keep dying: 0.5 s, 1 s, 2 s… up to 30 s', () => {
    expect([1, 2, 3, 4, 7, 8, 20].map(restartDelay)).toEqual([500, 1000, 2000, 4000, 30_000, 30_000, 30_000]);
  });
});
