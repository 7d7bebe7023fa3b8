import { type ColumnDefinitionBuilder, type Kysely, PostgresAdapter, sql } from 'kysely';

// Shipped migration: never edit, append a new one instead.

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/** What the search of a photo reads from its product: name, description and the type's names. */
const PRODUCT_TEXT = (photo: 'new' | 'old') => `coalesce((
  select p.name || ' ' || p.description || ' ' || t.name_en || ' ' || t.name_fr
  from products p join product_types t on t.id = p.type_id
  where p.id = ${photo}.product_id), '')`;

/**
 * Photos: owned by their uploader, optionally attached to a product (visible to that product's
 * freezer members), one cover per product. `sort_at` is taken_at when known, else created_at, so
 * the timeline is one indexed sort. On SQLite, photos_fts (FTS5) indexes caption, notes and the
 * product's text, kept up to date by triggers on photos, products and product_types.
 */
export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const idType = pg ? 'serial' : 'integer';
  const id = (col: ColumnDefinitionBuilder) => (pg ? col.primaryKey() : col.primaryKey().autoIncrement());

  await db.schema
    .createTable('photos')
    .addColumn('id', idType, id)
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('product_id', 'integer', (c) => c.references('products.id').onDelete('set null'))
    .addColumn('is_cover', 'integer', (c) => c.notNull().defaultTo(0).check(sql`is_cover in (0, 1)`))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('storage_key', 'text', (c) => c.notNull().unique())
    .addColumn('sha256', 'text', (c) => c.notNull())
    .addColumn('mime', 'text', (c) => c.notNull())
    .addColumn('size', 'integer', (c) => c.notNull())
    .addColumn('width', 'integer', (c) => c.notNull())
    .addColumn('height', 'integer', (c) => c.notNull())
    .addColumn('taken_at', 'text')
    .addColumn('sort_at', 'text', (c) => c.notNull())
    .addColumn('caption', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('notes', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('dhash', 'text', (c) => c.notNull())
    .addColumn('preview_state', 'text', (c) => c.notNull().defaultTo('pending').check(sql`preview_state in ('pending', 'ready', 'failed')`))
    .addColumn('share_token_hash', 'text', (c) => c.unique())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addUniqueConstraint('photos_user_sha256_uq', ['user_id', 'sha256'])
    .execute();
  await db.schema.createIndex('photos_timeline_idx').on('photos').columns(['user_id', 'sort_at', 'id']).execute();
  await db.schema.createIndex('photos_product_idx').on('photos').columns(['product_id', 'sort_at']).execute();
  await db.schema.createIndex('photos_preview_pending_idx').on('photos').column('preview_state').where(sql.ref('preview_state'), '=', 'pending').execute();
  // One cover per product.
  await db.schema.createIndex('photos_cover_uq').on('photos').column('product_id').unique().where(sql.ref('is_cover'), '=', 1).execute();

  if (pg) {
    // PostgreSQL: the repository's searchMatch() uses to_tsvector over the same columns; an expression
    // index comes with the PostgreSQL work.
    return;
  }
  await sql`create virtual table photos_fts using fts5(caption, notes, product, tokenize = 'unicode61 remove_diacritics 2')`.execute(db);
  await sql.raw(`create trigger photos_fts_insert after insert on photos begin
    insert into photos_fts(rowid, caption, notes, product) values (new.id, new.caption, new.notes, ${PRODUCT_TEXT('new')});
  end`).execute(db);
  await sql.raw(`create trigger photos_fts_update after update of caption, notes, product_id on photos begin
    delete from photos_fts where rowid = old.id;
    insert into photos_fts(rowid, caption, notes, product) values (new.id, new.caption, new.notes, ${PRODUCT_TEXT('new')});
  end`).execute(db);
  await sql.raw(`create trigger photos_fts_delete after delete on photos begin
    delete from photos_fts where rowid = old.id;
  end`).execute(db);
  await sql.raw(`create trigger photos_fts_product_update after update of name, description, type_id on products begin
    update photos_fts set product = new.name || ' ' || new.description || ' ' ||
      (select t.name_en || ' ' || t.name_fr from product_types t where t.id = new.type_id)
    where rowid in (select id from photos where product_id = new.id);
  end`).execute(db);
  await sql.raw(`create trigger photos_fts_type_update after update of name_en, name_fr on product_types begin
    update photos_fts set product = (select p.name || ' ' || p.description || ' ' || new.name_en || ' ' || new.name_fr from products p join photos ph on ph.product_id = p.id where ph.id = photos_fts.rowid)
    where rowid in (select ph.id from photos ph join products p on p.id = ph.product_id where p.type_id = new.id);
  end`).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) {
    for (const trigger of ['photos_fts_insert', 'photos_fts_update', 'photos_fts_delete', 'photos_fts_product_update', 'photos_fts_type_update']) {
      await sql.raw(`drop trigger if exists ${trigger}`).execute(db);
    }
    await sql`drop table if exists photos_fts`.execute(db);
  }
  await db.schema.dropTable('photos').execute();
}
