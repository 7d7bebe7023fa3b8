import type { ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, createTestDatabase, signUp, type TestDatabase } from '../helpers.js';
import { freePort, startServerProcess } from './server-process.js';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-crash-'));
let child: ChildProcess | undefined;
// On PostgreSQL (FM_TEST_DATABASE=postgres), a database of its own that outlives the killed process.
let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await new Promise((r) => setTimeout(r, 100));
  await database.drop();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

const startServer = (port: number) => startServerProcess(dataDir, port, database.env);

describe('SIGKILL during a write load', { timeout: 120_000 }, () => {
  it('loses no acknowledged write and leaves a consistent database', async () => {
    const port = await freePort();
    const first = await startServer(port);
    child = first.process;
    const account = await signUp(first.url);
    const api = client(first.url, account.token);
    const freezer = (await api.post('/api/v1/freezers', { name: 'Crash test', boxCount: 10 })).body;

    // Writers put products in and take some out as fast as they can until the process dies under them.
    const acknowledged = new Map<number, { name: string; box: number; slot: number; takenOut: boolean }>();
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i += 1) {
        const name = `w${w}-${i}`;
        try {
          const res = await api.post('/api/v1/products', { name, typeId: 1, freezerId: freezer.id, box: 1 + ((w + i) % 10), quantity: 2 });
          if (res.status !== 201) continue;
          acknowledged.set(res.body.id, { name, box: res.body.box, slot: res.body.slot, takenOut: false });
          if (i % 3 === 0) {
            const out = await api.post(`/api/v1/products/${res.body.id}/take-out`, { portions: 1 });
            if (out.status === 200) acknowledged.get(res.body.id)!.takenOut = true;
          }
        } catch {
          return; // connection refused or reset: the server is gone
        }
      }
    };
    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    while (acknowledged.size < 60) await new Promise((r) => setTimeout(r, 20));
    first.process.kill('SIGKILL');
    await new Promise((r) => first.process.once('exit', r));
    stop = true;
    await Promise.all(writers);
    expect(acknowledged.size).toBeGreaterThanOrEqual(60);

    // The SQLite file is intact. (On PostgreSQL only the application died: the server keeps its own
    // integrity; what matters there is checked below, that every acknowledged write was committed.)
    if (!database.env.DATABASE_URL) {
      const file = path.join(dataDir, 'freezer-manager.sqlite');
      const sqlite = new Database(file);
      expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(sqlite.pragma('foreign_key_check')).toEqual([]);
      sqlite.close();
    }

    // After a restart every acknowledged write is there, as it was acknowledged.
    const second = await startServer(port);
    child = second.process;
    const again = client(second.url, account.token);
    const all = (await again.get('/api/v1/products?status=all&limit=500')).body.items as Array<{ id: number; name: string; box: number; slot: number; quantity: number; sourceProductId: number | null }>;
    const byId = new Map(all.map((p) => [p.id, p]));
    for (const [id, expected] of acknowledged) {
      const row = byId.get(id);
      expect(row, `acknowledged product ${id}`).toBeDefined();
      expect(row).toMatchObject({ name: expected.name, box: expected.box, slot: expected.slot });
      if (expected.takenOut) {
        expect(row!.quantity).toBe(1);
        expect(all.some((p) => p.sourceProductId === id && p.quantity === 1)).toBe(true);
      }
    }
    // No half-written take-out: every history row points at a product whose portions add up.
    for (const history of all.filter((p) => p.sourceProductId !== null)) {
      expect(byId.get(history.sourceProductId!)?.quantity).toBe(1);
    }
    // Slots are still unique among the products inside.
    const inside = all.filter((p) => p.sourceProductId === null).map((p) => `${p.box}/${p.slot}`);
    expect(new Set(inside).size).toBe(inside.length);
    // SIGTERM is a graceful stop: the process closes the server and the database and exits with 0.
    const exited = new Promise<number | null>((r) => second.process.once('exit', (code) => r(code)));
    second.process.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
