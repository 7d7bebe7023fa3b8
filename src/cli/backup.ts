import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import Database from 'better-sqlite3';
import { loadConfig, type Config } from '../config.js';
import { PREVIEW_SIZES, previewKey } from '../features/photos/photos.previews.js';
import { hashingStream } from '../storage/storage.js';

/**
 * `backup` and `restore` for the embedded default (SQLite file + photos on disk). A backup directory holds
 * freezer-manager.sqlite, photos/<key> and manifest.json (written last: a directory without it is not a
 * backup). PostgreSQL and S3 have their own tools (README: pg_dump, bucket versioning).
 */

export const MANIFEST = 'manifest.json';
const FORMAT = 'freezer-manager-backup';
const DATABASE_NAME = 'freezer-manager.sqlite';
const COUNTED_TABLES = ['users', 'freezers', 'products', 'photos', 'product_types'] as const;

export interface ManifestFile {
  path: string;
  bytes: number;
  sha256: string;
}

export interface Manifest {
  format: typeof FORMAT;
  version: 1;
  createdAt: string;
  /** The last migration applied to the copied database. */
  schema: string | null;
  counts: Record<(typeof COUNTED_TABLES)[number], number>;
  /** Photos deleted between the database snapshot and the copy of their file: their rows were taken out of the copy. */
  photosDeletedDuringBackup: number;
  files: ManifestFile[];
}

export class BackupError extends Error {}

/** The SQLite file of the embedded default; the other set-ups are backed up with their own tools. */
function embeddedOnly(config: Config): string {
  if (config.database.kind !== 'sqlite') throw new BackupError('the database is PostgreSQL (DATABASE_URL): back it up with pg_dump (README, "Backups")');
  if (config.s3) throw new BackupError('photos are in S3 (S3_BUCKET): back the bucket up with its own tools (README, "Backups")');
  return config.database.file;
}

async function isEmptyDir(dir: string): Promise<boolean> {
  try {
    return (await fsp.readdir(dir)).length === 0;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw err;
  }
}

/** The manifest's names for what a hashing stream saw. */
function bytesAndSum(hash: ReturnType<typeof hashingStream>): { bytes: number; sha256: string } {
  const { size, sha256 } = hash.digest();
  return { bytes: size, sha256 };
}

async function checksum(file: string): Promise<{ bytes: number; sha256: string }> {
  const hash = hashingStream();
  await pipeline(fs.createReadStream(file), hash, async function* (source) {
    for await (const _chunk of source) {
      // consumed for the hash only
    }
  });
  return bytesAndSum(hash);
}

/** Copies a file, fsyncs the copy, and returns its size and checksum as read. */
async function copyFile(from: string, to: string): Promise<{ bytes: number; sha256: string }> {
  await fsp.mkdir(path.dirname(to), { recursive: true });
  const hash = hashingStream();
  await pipeline(fs.createReadStream(from), hash, fs.createWriteStream(to, { flush: true }));
  return bytesAndSum(hash);
}

function counts(db: Database.Database): Manifest['counts'] {
  const out = {} as Manifest['counts'];
  for (const table of COUNTED_TABLES) out[table] = (db.prepare(`select count(*) as n from "${table}"`).get() as { n: number }).n;
  return out;
}

function schemaOf(db: Database.Database): string | null {
  const row = db.prepare('select name from kysely_migration order by name desc limit 1').get() as { name: string } | undefined;
  return row?.name ?? null;
}

/**
 * An online, consistent copy while the server runs: SQLite's backup API copies every page in one step
 * (one read transaction: a snapshot, never restarted by concurrent writes), then the photo files the
 * snapshot refers to are copied (they never change once written).
 */
export async function backup(config: Config, target: string, log: (line: string) => void = () => undefined): Promise<Manifest> {
  const databaseFile = embeddedOnly(config);
  if (!fs.existsSync(databaseFile)) throw new BackupError(`there is no database at ${databaseFile} (DATA_DIR or DATABASE_URL)`);
  target = path.resolve(target);
  if (!(await isEmptyDir(target))) throw new BackupError(`${target} is not empty: back up into a new or empty directory`);
  await fsp.mkdir(target, { recursive: true });

  const dbCopy = path.join(target, DATABASE_NAME);
  const source = new Database(databaseFile, { fileMustExist: true });
  try {
    source.pragma('busy_timeout = 5000');
    await source.backup(dbCopy, { progress: () => 0x7fffffff });
  } finally {
    source.close();
  }

  const copy = new Database(dbCopy);
  let deleted = 0;
  const files: ManifestFile[] = [];
  try {
    copy.pragma('foreign_keys = ON');
    const photosDir = path.join(config.dataDir, 'photos');
    const rows = copy.prepare('select id, storage_key, preview_state from photos order by id').all() as Array<{ id: number; storage_key: string; preview_state: string }>;
    for (const row of rows) {
      try {
        files.push({ path: `photos/${row.storage_key}`, ...(await copyFile(path.join(photosDir, row.storage_key), path.join(target, 'photos', row.storage_key))) });
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        // Deleted after the snapshot: the copy takes the deletion too rather than point at a missing file.
        copy.prepare('delete from photos where id = ?').run(row.id);
        deleted += 1;
        continue;
      }
      if (row.preview_state !== 'ready') continue;
      for (const size of PREVIEW_SIZES) {
        const key = previewKey(row.storage_key, size);
        try {
          files.push({ path: `photos/${key}`, ...(await copyFile(path.join(photosDir, key), path.join(target, 'photos', key))) });
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
          // The server makes it again at start-up.
          copy.prepare("update photos set preview_state = 'pending' where id = ?").run(row.id);
        }
      }
    }
    const integrity = copy.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new BackupError(`the copied database failed its integrity check: ${String(integrity)}`);
    const manifestCounts = counts(copy);
    const schema = schemaOf(copy);
    copy.pragma('journal_mode = DELETE'); // one self-contained file
    copy.close();
    files.unshift({ path: DATABASE_NAME, ...(await checksum(dbCopy)) });
    const manifest: Manifest = { format: FORMAT, version: 1, createdAt: new Date().toISOString(), schema, counts: manifestCounts, photosDeletedDuringBackup: deleted, files };
    const manifestFile = path.join(target, MANIFEST);
    await fsp.writeFile(`${manifestFile}.part`, `${JSON.stringify(manifest, null, 2)}\n`, { flush: true });
    await fsp.rename(`${manifestFile}.part`, manifestFile);
    log(
      `Backed up ${manifest.counts.users} users, ${manifest.counts.freezers} freezers, ${manifest.counts.products} products, ` +
        `${manifest.counts.photos} photos (${files.length} files) to ${target}.`,
    );
    return manifest;
  } finally {
    if (copy.open) copy.close();
  }
}

function safeRelative(p: unknown): string {
  if (typeof p !== 'string' || p === '' || path.isAbsolute(p) || p.split(/[\\/]/).some((s) => s === '..' || s === '')) {
    throw new BackupError(`the manifest names an unsafe path: ${JSON.stringify(p)}`);
  }
  return p;
}

/** Reads a backup's manifest and checks every file it lists (size and SHA-256). */
export async function verifyBackup(dir: string): Promise<Manifest> {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(await fsp.readFile(path.join(dir, MANIFEST), 'utf8')) as Manifest;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BackupError(code === 'ENOENT' ? `${dir} holds no ${MANIFEST}: not a backup, or an unfinished one` : `${MANIFEST} cannot be read: ${(err as Error).message}`);
  }
  if (manifest?.format !== FORMAT || manifest.version !== 1 || !Array.isArray(manifest.files)) throw new BackupError(`${MANIFEST} is not a freezer-manager backup manifest (version 1)`);
  if (!manifest.files.some((f) => f.path === DATABASE_NAME)) throw new BackupError(`${MANIFEST} lists no database`);
  for (const file of manifest.files) {
    const rel = safeRelative(file.path);
    let actual: { bytes: number; sha256: string };
    try {
      actual = await checksum(path.join(dir, rel));
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new BackupError(`${rel} is missing from the backup`);
      throw err;
    }
    if (actual.bytes !== file.bytes || actual.sha256 !== file.sha256) throw new BackupError(`${rel} does not match the manifest (damaged or changed)`);
  }
  return manifest;
}

/** Restores a verified backup into the configured DATA_DIR (database file and photos), then checks the result. */
export async function restore(config: Config, dir: string, options: { force: boolean }, log: (line: string) => void = () => undefined): Promise<Manifest> {
  const databaseFile = embeddedOnly(config);
  dir = path.resolve(dir);
  const manifest = await verifyBackup(dir);
  if (!(await isEmptyDir(config.dataDir))) {
    if (!options.force) throw new BackupError(`${config.dataDir} is not empty: restore into an empty DATA_DIR, or add --force to replace its database and photos`);
    for (const suffix of ['', '-wal', '-shm', '-journal']) await fsp.rm(`${databaseFile}${suffix}`, { force: true });
    await fsp.rm(path.join(config.dataDir, 'photos'), { recursive: true, force: true });
  }
  await fsp.mkdir(config.dataDir, { recursive: true });
  for (const file of manifest.files) {
    const rel = safeRelative(file.path);
    const to = rel === DATABASE_NAME ? databaseFile : path.join(config.dataDir, rel);
    const copied = await copyFile(path.join(dir, rel), `${to}.restoring`);
    if (copied.sha256 !== file.sha256) throw new BackupError(`${rel} changed while it was restored`);
    await fsp.rename(`${to}.restoring`, to);
  }
  const db = new Database(databaseFile, { fileMustExist: true });
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') throw new BackupError(`the restored database failed its integrity check: ${String(integrity)}`);
    const restored = counts(db);
    for (const table of COUNTED_TABLES) {
      if (restored[table] !== manifest.counts[table]) throw new BackupError(`the restored database has ${restored[table]} ${table}, the manifest ${manifest.counts[table]}`);
    }
  } finally {
    db.close();
  }
  log(
    `Restored ${manifest.counts.users} users, ${manifest.counts.freezers} freezers, ${manifest.counts.products} products, ` +
      `${manifest.counts.photos} photos from the backup of ${manifest.createdAt} into ${config.dataDir}.`,
  );
  return manifest;
}

export async function backupCommand(command: 'backup' | 'restore', args: string[]): Promise<number> {
  const { positionals, values } = parseArgs({ args, allowPositionals: true, options: { force: { type: 'boolean', default: false } } });
  if (positionals.length !== 1 || (command === 'backup' && values.force)) {
    console.error(command === 'backup' ? 'Usage: freezer-manager backup TARGET_DIR' : 'Usage: freezer-manager restore BACKUP_DIR [--force]');
    return 2;
  }
  const config = loadConfig();
  try {
    if (command === 'backup') await backup(config, positionals[0]!, console.log);
    else await restore(config, positionals[0]!, { force: values.force }, console.log);
    return 0;
  } catch (err) {
    if (!(err instanceof BackupError)) throw err;
    console.error(`${command}: ${err.message}`);
    return 1;
  }
}
