import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { assertKey, hashingStream, StorageNotFoundError, type ByteRange, type ListedObject, type PhotoStorage, type StoredObject } from './storage.js';

const TMP = '.tmp';

async function fsyncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Files under one root directory. A put writes ROOT/.tmp/<uuid>, fsyncs it, then renames it into
 * place (and fsyncs the directory): a crash leaves at most a temporary file, never a half file
 * behind a key. Temporary files are removed at start-up (sweepTemporary).
 */
export function createDiskStorage(root: string): PhotoStorage {
  const tmpDir = path.join(root, TMP);
  const full = (key: string) => {
    assertKey(key);
    return path.join(root, key);
  };

  async function* walk(dir: string, prefix: string): AsyncGenerator<ListedObject> {
    let entries: fs.Dirent[];
    try {
      entries = await fsp.readdir(dir, { withFileTypes: true });
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    for (const entry of entries) {
      const key = prefix ? `${prefix}/${entry.name}` : entry.name;
      const file = path.join(dir, entry.name);
      if (entry.isDirectory()) yield* walk(file, key);
      else if (entry.isFile()) {
        const stat = await fsp.stat(file).catch(() => undefined);
        if (stat) yield { key, lastModified: stat.mtime };
      }
    }
  }

  return {
    kind: 'disk',

    async put(key: string, body: Readable): Promise<StoredObject> {
      const target = full(key);
      await fsp.mkdir(tmpDir, { recursive: true });
      const tmp = path.join(tmpDir, `${randomUUID()}.part`);
      const hasher = hashingStream();
      const file = fs.createWriteStream(tmp, { flush: true });
      try {
        await pipeline(body, hasher, file);
        await fsp.mkdir(path.dirname(target), { recursive: true });
        await fsp.rename(tmp, target);
        await fsyncDir(path.dirname(target));
      } catch (err) {
        // pipeline() rejects as soon as the body fails, without waiting for the file stream to close
        // (nodejs/node#51540): its file may not even be open yet. Removed before it is, it would be
        // created afterwards and stay behind.
        if (!file.closed) await new Promise<void>((resolve) => file.once('close', () => resolve()));
        await fsp.rm(tmp, { force: true });
        throw err;
      }
      return { key, ...hasher.digest() };
    },

    async get(key: string, range?: ByteRange): Promise<Readable> {
      const file = full(key);
      const handle = await fsp.open(file, 'r').catch((err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') throw new StorageNotFoundError(key);
        throw err;
      });
      return handle.createReadStream(range ? { start: range.start, end: range.end } : {});
    },

    async exists(key: string): Promise<boolean> {
      return fsp.stat(full(key)).then(
        (s) => s.isFile(),
        () => false,
      );
    },

    async delete(key: string): Promise<void> {
      await fsp.rm(full(key), { force: true });
    },

    list(prefix: string): AsyncIterable<ListedObject> {
      const clean = prefix.replace(/\/+$/, '');
      assertKey(clean);
      return walk(path.join(root, clean), clean);
    },

    async sweepTemporary(): Promise<number> {
      let removed = 0;
      for await (const entry of walk(tmpDir, '')) {
        await fsp.rm(path.join(tmpDir, entry.key), { force: true });
        removed += 1;
      }
      return removed;
    },

    async check(): Promise<void> {
      await fsp.mkdir(root, { recursive: true });
      await fsp.access(root, fs.constants.W_OK);
    },

    async close(): Promise<void> {},
  };
}
