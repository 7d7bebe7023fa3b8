import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it } from 'vitest';
import { backup, BackupError, MANIFEST, restore, type Manifest } from '../../src/cli/backup.js';
import { loadConfig } from '../../src/config.js';
import { client, signUp, startServer } from '../helpers.js';
import { eventually, fetchBytes, jpeg, upload } from '../photos/photo-helpers.js';
import { root } from './process-helpers.js';

const scratch = fs.mkdtempSync(path.join(process.env.FM_TEST_TMP_DIR ?? os.tmpdir(), 'fm-backup-'));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

function cli(args: string[], dataDir: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      path.join(root, 'node_modules/.bin/vite-node'),
      [path.join(root, 'src/cli/index.ts'), ...args],
      { cwd: root, env: { ...process.env, DATA_DIR: dataDir, LOG_LEVEL: 'warn' }, timeout: 120_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('backup and restore (SQLite + photos on disk)', { timeout: 240_000 }, () => {
  it('copies a live server under a write load consistently; the restored copy serves everything acknowledged before', async () => {
    const live = await startServer({}, { sqlite: true }); // the file backup is SQLite's own
    const backupDir = path.join(scratch, 'backup-1');
    const restoredDir = path.join(scratch, 'restored-1');
    try {
      const account = await signUp(live.url);
      const api = client(live.url, account.token);
      const freezer = (await api.post('/api/v1/freezers', { name: 'Chest', boxCount: 6 })).body;
      const pictures = [await jpeg(21, 640, 480), await jpeg(22, 320, 240)];
      const uploaded = await upload(live.url, account.token, [
        { filename: 'a.jpg', data: pictures[0]! },
        { filename: 'b.jpg', data: pictures[1]! },
      ]);
      expect(uploaded.status).toBe(201);
      const photoIds = (uploaded.body as Array<{ id: number }>).map((p) => p.id);
      const ready = async () => (await live.app.db.selectFrom('photos').select('preview_state').where('preview_state', '=', 'ready').execute()).length === 2;
      await eventually(ready, 60_000, 'previews');

      // A write load, running before, during and after the backup.
      const acknowledged = new Map<number, { name: string; box: number; slot: number; at: number }>();
      let stop = false;
      const writer = async (w: number) => {
        for (let i = 0; !stop; i += 1) {
          const name = `w${w}-${i}`;
          const res = await api.post('/api/v1/products', { name, typeId: 1, freezerId: freezer.id, box: 1 + ((w + i) % 6), quantity: 1 });
          if (res.status === 201) acknowledged.set(res.body.id, { name, box: res.body.box, slot: res.body.slot, at: Date.now() });
        }
      };
      const writers = [0, 1, 2].map(writer);
      await eventually(() => acknowledged.size >= 30, 30_000, 'some writes');
      const startedAt = Date.now();
      const before = [...acknowledged.entries()].filter(([, p]) => p.at < startedAt);

      const result = await cli(['backup', backupDir], live.dataDir);
      const countDuring = acknowledged.size;
      stop = true;
      await Promise.all(writers);
      expect(result.code, result.stderr).toBe(0);
      expect(result.stdout).toMatch(/Backed up 1 users, 1 freezers, \d+ products, 2 photos \(\d+ files\)/);
      expect(acknowledged.size).toBeGreaterThan(before.length); // the load really ran during the backup
      expect(countDuring).toBeGreaterThan(before.length);

      const manifest = JSON.parse(fs.readFileSync(path.join(backupDir, MANIFEST), 'utf8')) as Manifest;
      expect(manifest.counts.photos).toBe(2);
      expect(manifest.counts.products).toBeGreaterThanOrEqual(before.length);
      expect(manifest.files.map((f) => f.path)).toContain('freezer-manager.sqlite');
      expect(manifest.files.filter((f) => f.path.startsWith('photos/originals/'))).toHaveLength(2);
      expect(manifest.files.filter((f) => f.path.startsWith('photos/previews/'))).toHaveLength(2 * 2);
      for (const f of manifest.files) expect(f.sha256).toMatch(/^[0-9a-f]{64}$/);

      // Restore into a fresh directory (CLI), then check the file and serve it.
      const restored = await cli(['restore', backupDir], restoredDir);
      expect(restored.code, restored.stderr).toBe(0);
      expect(restored.stdout).toContain(`Restored 1 users, 1 freezers, ${manifest.counts.products} products, 2 photos`);
      const sqlite = new Database(path.join(restoredDir, 'freezer-manager.sqlite'), { readonly: true });
      expect(sqlite.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(sqlite.pragma('foreign_key_check')).toEqual([]);
      sqlite.close();

      const copy = await startServer({ DATA_DIR: restoredDir }, { sqlite: true });
      try {
        const again = client(copy.url, account.token);
        const all: Array<{ id: number; name: string; box: number; slot: number }> = [];
        for (let offset = 0; ; offset += 500) {
          const page = (await again.get(`/api/v1/products?status=all&limit=500&offset=${offset}`)).body.items as typeof all;
          all.push(...page);
          if (page.length < 500) break;
        }
        const byId = new Map(all.map((p) => [p.id, p]));
        for (const [id, expected] of before) expect(byId.get(id), `product ${id} acknowledged before the backup`).toMatchObject({ name: expected.name, box: expected.box, slot: expected.slot });
        expect(all.length).toBe(manifest.counts.products);
        // Every product of the copy is one the load wrote and was told about: no phantom or torn rows.
        for (const p of all) expect(acknowledged.has(p.id)).toBe(true);
        for (const [i, id] of photoIds.entries()) {
          const original = await fetchBytes(copy.url, `/api/v1/photos/${id}/original`, account.token);
          expect(original.status).toBe(200);
          expect(original.bytes.equals(pictures[i]!)).toBe(true);
          const preview = await fetchBytes(copy.url, `/api/v1/photos/${id}/preview?size=thumb`, account.token);
          expect(preview.status).toBe(200);
          expect(preview.headers.get('content-type')).toBe('image/webp');
        }
      } finally {
        await copy.app.close();
      }

      // A non-empty DATA_DIR is refused, unless --force.
      const refused = await cli(['restore', backupDir], restoredDir);
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain('is not empty');
      fs.writeFileSync(path.join(restoredDir, 'photos', 'stray-file'), 'x');
      const forced = await restore(loadConfig({ DATA_DIR: restoredDir }), backupDir, { force: true });
      expect(forced.counts).toEqual(manifest.counts);
      expect(fs.existsSync(path.join(restoredDir, 'photos', 'stray-file'))).toBe(false);
    } finally {
      await live.close();
    }
  });

  it('refuses a damaged, incomplete or hostile backup and leaves the target untouched', async () => {
    const live = await startServer({}, { sqlite: true }); // the file backup is SQLite's own
    try {
      const account = await signUp(live.url);
      expect((await upload(live.url, account.token, [{ filename: 'c.jpg', data: await jpeg(31) }])).status).toBe(201);
      const dir = path.join(scratch, 'backup-2');
      const manifest = await backup(live.config, dir);
      expect(manifest.counts.users).toBe(1);

      // Backing up into a non-empty directory is refused.
      await expect(backup(live.config, dir)).rejects.toThrow(/is not empty/);

      const attempt = async (mutate: (copy: string) => void) => {
        const copy = fs.mkdtempSync(path.join(scratch, 'damaged-'));
        fs.cpSync(dir, copy, { recursive: true });
        mutate(copy);
        const target = path.join(scratch, `target-${path.basename(copy)}`);
        const error = await restore(loadConfig({ DATA_DIR: target }), copy, { force: false }).then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(error).toBeInstanceOf(BackupError);
        expect(fs.existsSync(target) ? fs.readdirSync(target) : []).toEqual([]);
        return (error as Error).message;
      };
      const original = manifest.files.find((f) => f.path.startsWith('photos/originals/'))!.path;
      expect(
        await attempt((copy) => {
          const file = path.join(copy, original);
          const bytes = fs.readFileSync(file);
          const at = bytes.length - 10;
          bytes.writeUInt8(bytes.readUInt8(at) ^ 0xff, at);
          fs.writeFileSync(file, bytes);
        }),
      ).toBe(`${original} does not match the manifest (damaged or changed)`);
      expect(await attempt((copy) => fs.rmSync(path.join(copy, original)))).toBe(`${original} is missing from the backup`);
      expect(await attempt((copy) => fs.rmSync(path.join(copy, MANIFEST)))).toMatch(/holds no manifest\.json/);
      expect(
        await attempt((copy) => {
          const m = JSON.parse(fs.readFileSync(path.join(copy, MANIFEST), 'utf8')) as Manifest;
          m.files.push({ path: '../../etc/evil', bytes: 1, sha256: '0'.repeat(64) });
          fs.writeFileSync(path.join(copy, MANIFEST), JSON.stringify(m));
        }),
      ).toMatch(/unsafe path/);
      expect(await attempt((copy) => fs.writeFileSync(path.join(copy, MANIFEST), '{"format": "something else"}'))).toMatch(/not a freezer-manager backup manifest/);

      // Photos in S3 are not this command's job.
      await expect(backup(loadConfig({ DATA_DIR: live.dataDir, S3_BUCKET: 'photos' }), path.join(scratch, 'never'))).rejects.toThrow(/S3_BUCKET/);
    } finally {
      await live.close();
    }
  });

  it('refuses a PostgreSQL set-up, pointing to pg_dump, before touching the target', async () => {
    const target = fs.mkdtempSync(path.join(process.env.FM_TEST_TMP_DIR ?? os.tmpdir(), 'fm-backup-pg-'));
    const config = loadConfig({ DATA_DIR: target, DATABASE_URL: 'postgres://freezer:pg-s3cret-pw@127.0.0.1:5432/freezer' });
    await expect(backup(config, path.join(target, 'copy'))).rejects.toThrow(/PostgreSQL \(DATABASE_URL\): back it up with pg_dump/);
    await expect(restore(config, target, { force: false })).rejects.toBeInstanceOf(BackupError);
    expect(fs.readdirSync(target)).toEqual([]);
    fs.rmSync(target, { recursive: true, force: true });
  });

  it('answers usage errors with exit code 2', async () => {
    const result = await cli(['restore'], path.join(scratch, 'unused'));
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Usage: freezer-manager restore BACKUP_DIR [--force]');
  });
});
