import { type Expression, type Kysely, type SqlBool, sql } from 'kysely';
import { rowCount } from '../../db/sql.js';
import type { Database, NewPhotoRow, PhotoRow, PhotosTable } from '../../db/types.js';
import type { Updateable } from 'kysely';
import { isPostgres } from '../../db/database.js';

/** A photo row with its product's name (null when it is attached to none). */
export interface PhotoView extends PhotoRow {
  product_name: string | null;
}

export interface PhotoPageFilter {
  /** Full-text query, already checked to hold at least one word. */
  q?: string;
  limit: number;
  offset: number;
}

function base(db: Kysely<Database>) {
  return db.selectFrom('photos as ph').leftJoin('products as pr', 'pr.id', 'ph.product_id');
}

function selectView(db: Kysely<Database>) {
  return base(db).selectAll('ph').select('pr.name as product_name');
}

/**
 * Photos this user may see: their own, and those attached to a product of a freezer they are a
 * member of. The one place photo visibility is decided.
 */
function visibleTo(userId: number) {
  return (eb: any): Expression<SqlBool> =>
    eb.or([
      eb('ph.user_id', '=', userId),
      eb.exists(eb.selectFrom('freezer_members as m').select('m.user_id').whereRef('m.freezer_id', '=', 'pr.freezer_id').where('m.user_id', '=', userId)),
    ]);
}

/** FTS words: letters and digits only (no FTS syntax gets through), each a prefix. */
export function searchTerms(q: string): string[] {
  return (q.match(/[\p{L}\p{N}]+/gu) ?? []).slice(0, 16).map((w) => w.toLowerCase());
}

/**
 * The full-text condition, isolated here: every word of the query, as a prefix, in the photo's caption,
 * notes or product text. SQLite: the FTS5 table photos_fts (kept by triggers, migration 0003).
 * PostgreSQL: the tsvector table photos_fts (kept by triggers, migration 0005), the query's words folded
 * by the same fm_search_words() as the documents.
 */
function searchMatch(db: Kysely<Database>, q: string) {
  const terms = searchTerms(q);
  if (isPostgres(db)) {
    return sql<SqlBool>`ph.id in (select photo_id from photos_fts where document @@ to_tsquery('simple',
      array_to_string(array(select fm_search_words(w) || ':*' from unnest(cast(${terms} as text[])) as w), ' & ')))`;
  }
  const expression = terms.map((w) => `"${w.replace(/"/g, '""')}"*`).join(' ');
  return sql<SqlBool>`ph.id in (select rowid from photos_fts where photos_fts match ${expression})`;
}

export const photosRepository = {
  async getVisible(db: Kysely<Database>, userId: number, id: number): Promise<PhotoView | undefined> {
    return (await selectView(db).where('ph.id', '=', id).where(visibleTo(userId)).executeTakeFirst()) as PhotoView | undefined;
  },

  async getOwned(db: Kysely<Database>, userId: number, id: number): Promise<PhotoView | undefined> {
    return (await selectView(db).where('ph.id', '=', id).where('ph.user_id', '=', userId).executeTakeFirst()) as PhotoView | undefined;
  },

  /** Unscoped, for the preview worker and share links only. */
  async getById(db: Kysely<Database>, id: number): Promise<PhotoView | undefined> {
    return (await selectView(db).where('ph.id', '=', id).executeTakeFirst()) as PhotoView | undefined;
  },

  async getByShareHash(db: Kysely<Database>, hash: string): Promise<PhotoView | undefined> {
    return (await selectView(db).where('ph.share_token_hash', '=', hash).executeTakeFirst()) as PhotoView | undefined;
  },

  async findBySha(db: Kysely<Database>, userId: number, sha256: string): Promise<PhotoView | undefined> {
    return (await selectView(db).where('ph.user_id', '=', userId).where('ph.sha256', '=', sha256).executeTakeFirst()) as PhotoView | undefined;
  },

  /** Inserts, or returns undefined when this user already has a photo with the same SHA-256. */
  async insertUnlessDuplicate(db: Kysely<Database>, row: NewPhotoRow): Promise<number | undefined> {
    const created = await db
      .insertInto('photos')
      .values(row)
      .onConflict((oc) => oc.columns(['user_id', 'sha256']).doNothing())
      .returning('id')
      .executeTakeFirst();
    return created?.id;
  },

  async update(db: Kysely<Database>, id: number, changes: Updateable<PhotosTable>): Promise<void> {
    await db.updateTable('photos').set(changes).where('id', '=', id).execute();
  },

  async delete(db: Kysely<Database>, id: number): Promise<void> {
    await db.deleteFrom('photos').where('id', '=', id).execute();
  },

  /** The owner's photos, newest first (taken, else uploaded), optionally matching a full-text query. */
  async listOwned(db: Kysely<Database>, userId: number, filter: PhotoPageFilter): Promise<{ rows: PhotoView[]; total: number }> {
    let query = base(db).where('ph.user_id', '=', userId);
    if (filter.q !== undefined) query = query.where(searchMatch(db, filter.q));
    const [rows, total] = await Promise.all([
      query.selectAll('ph').select('pr.name as product_name').orderBy('ph.sort_at', 'desc').orderBy('ph.id', 'desc').limit(rowCount(filter.limit)).offset(rowCount(filter.offset)).execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows: rows as PhotoView[], total: Number(total.n) };
  },

  /** A product's photos, its cover first, then newest first. */
  async listByProduct(db: Kysely<Database>, productId: number, limit: number, offset: number): Promise<{ rows: PhotoView[]; total: number }> {
    const query = base(db).where('ph.product_id', '=', productId);
    const [rows, total] = await Promise.all([
      query
        .selectAll('ph')
        .select('pr.name as product_name')
        .orderBy('ph.is_cover', 'desc')
        .orderBy('ph.sort_at', 'desc')
        .orderBy('ph.id', 'desc')
        .limit(rowCount(limit))
        .offset(rowCount(offset))
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows: rows as PhotoView[], total: Number(total.n) };
  },

  /** Id and dHash of every photo this user may see (the Hamming distance is computed by the caller). */
  async hashesVisibleTo(db: Kysely<Database>, userId: number): Promise<Array<{ id: number; dhash: string }>> {
    return base(db).select(['ph.id', 'ph.dhash']).where(visibleTo(userId)).execute();
  },

  async getManyVisible(db: Kysely<Database>, userId: number, ids: number[]): Promise<PhotoView[]> {
    if (!ids.length) return [];
    return (await selectView(db).where('ph.id', 'in', ids).where(visibleTo(userId)).execute()) as PhotoView[];
  },

  async pendingPreviews(db: Kysely<Database>, limit: number): Promise<number[]> {
    const rows = await db.selectFrom('photos').select('id').where('preview_state', '=', 'pending').orderBy('id').limit(rowCount(limit)).execute();
    return rows.map((r) => r.id);
  },

  async allStorageKeys(db: Kysely<Database>): Promise<Set<string>> {
    const rows = await db.selectFrom('photos').select('storage_key').execute();
    return new Set(rows.map((r) => r.storage_key));
  },

  async clearCover(db: Kysely<Database>, productId: number): Promise<void> {
    await db.updateTable('photos').set({ is_cover: 0 }).where('product_id', '=', productId).where('is_cover', '=', 1).execute();
  },
};
