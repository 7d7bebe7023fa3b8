import type { Kysely } from 'kysely';
import type { Database } from '../../db/types.js';
import type { PhotoStorage } from '../../storage/storage.js';
import { originalKeyOfPreview } from './photos.previews.js';
import { photosRepository } from './photos.repository.js';

/** Files younger than this may belong to an upload still under way (another instance sharing the storage). */
export const ORPHAN_GRACE_MS = 60 * 60 * 1000;

/**
 * Removes what a crash can leave behind: temporary files, and originals or previews that no photo row
 * names (a process killed between storing a file and committing its row, or a user deleted with
 * their photos). Runs at start-up.
 */
export async function sweepOrphans(db: Kysely<Database>, storage: PhotoStorage, now = Date.now()): Promise<{ temporary: number; orphans: number }> {
  const temporary = await storage.sweepTemporary();
  const known = await photosRepository.allStorageKeys(db);
  let orphans = 0;
  for (const prefix of ['originals/', 'previews/']) {
    for await (const object of storage.list(prefix)) {
      const original = prefix === 'originals/' ? object.key : originalKeyOfPreview(object.key);
      if (original && known.has(original)) continue;
      if (now - object.lastModified.getTime() < ORPHAN_GRACE_MS) continue;
      await storage.delete(object.key);
      orphans += 1;
    }
  }
  return { temporary, orphans };
}
