import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Shipped migration: never edit, append a new one instead.

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

/**
 * Letters with diacritics and the plain letter they fold to, as SQLite's FTS5 tokenizer
 * (unicode61 remove_diacritics 2) folds them: every Latin letter whose canonical decomposition is a base
 * letter plus marks, and the few Latin letters with a stroke that do not decompose.
 */
function diacriticFolds(): { from: string; to: string } {
  let from = '';
  let to = '';
  const ranges: Array<[number, number]> = [
    [0x00c0, 0x024f],
    [0x1e00, 0x1eff],
  ];
  for (const [start, end] of ranges) {
    for (let code = start; code <= end; code += 1) {
      const letter = String.fromCodePoint(code);
      const base = letter.normalize('NFD').replace(/\p{M}/gu, '');
      if (base !== letter && base.length === 1) {
        from += letter;
        to += base.toLowerCase();
      }
    }
  }
  for (const [letter, base] of [['Ø', 'o'], ['ø', 'o'], ['Ł', 'l'], ['ł', 'l'], ['Đ', 'd'], ['đ', 'd'], ['Ħ', 'h'], ['ħ', 'h'], ['Ŧ', 't'], ['ŧ', 't']] as const) {
    from += letter;
    to += base;
  }
  // Combining marks (decomposed input) are dropped: translate() deletes what has no counterpart.
  for (let code = 0x0300; code <= 0x036f; code += 1) from += String.fromCodePoint(code);
  return { from, to };
}

/**
 * PostgreSQL's photo search, the counterpart of SQLite's photos_fts (migration 0003): a table of the
 * same name holding one tsvector per photo (caption, notes and its product's name, description and
 * type names), GIN-indexed, kept up to date by triggers on photos, products and product_types, like
 * SQLite's. Words are folded as FTS5 folds them (lower case, diacritics removed, split on anything that
 * is not a letter or a digit), and the repository matches every word of a query as a prefix.
 * Nothing to do on SQLite.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  const { from, to } = diacriticFolds();
  await sql`create function fm_search_words(value text) returns text language sql immutable strict parallel safe as ${sql.raw(
    `$$ select regexp_replace(translate(lower(value), '${from.replace(/'/g, "''")}', '${to}'), '[^[:alnum:]]+', ' ', 'g') $$`,
  )}`.execute(db);
  await sql`create function fm_photo_document(caption text, notes text, product integer) returns tsvector language sql stable as $$
    select to_tsvector('simple', fm_search_words(caption || ' ' || notes || ' ' || coalesce((
      select p.name || ' ' || p.description || ' ' || t.name_en || ' ' || t.name_fr
      from products p join product_types t on t.id = p.type_id
      where p.id = product), '')))
  $$`.execute(db);
  await sql`create table photos_fts (
    photo_id integer primary key references photos(id) on delete cascade,
    document tsvector not null
  )`.execute(db);
  await sql`create index photos_fts_document_idx on photos_fts using gin (document)`.execute(db);
  await sql`insert into photos_fts (photo_id, document) select id, fm_photo_document(caption, notes, product_id) from photos`.execute(db);

  await sql`create function photos_fts_photo() returns trigger language plpgsql as $$
    begin
      insert into photos_fts (photo_id, document) values (new.id, fm_photo_document(new.caption, new.notes, new.product_id))
      on conflict (photo_id) do update set document = excluded.document;
      return null;
    end
  $$`.execute(db);
  await sql`create trigger photos_fts_insert after insert on photos for each row execute function photos_fts_photo()`.execute(db);
  await sql`create trigger photos_fts_update after update of caption, notes, product_id on photos for each row execute function photos_fts_photo()`.execute(db);

  await sql`create function photos_fts_product() returns trigger language plpgsql as $$
    begin
      update photos_fts f set document = fm_photo_document(ph.caption, ph.notes, ph.product_id)
      from photos ph where ph.id = f.photo_id and ph.product_id = new.id;
      return null;
    end
  $$`.execute(db);
  await sql`create trigger photos_fts_product_update after update of name, description, type_id on products for each row execute function photos_fts_product()`.execute(db);

  await sql`create function photos_fts_type() returns trigger language plpgsql as $$
    begin
      update photos_fts f set document = fm_photo_document(ph.caption, ph.notes, ph.product_id)
      from photos ph join products p on p.id = ph.product_id where ph.id = f.photo_id and p.type_id = new.id;
      return null;
    end
  $$`.execute(db);
  await sql`create trigger photos_fts_type_update after update of name_en, name_fr on product_types for each row execute function photos_fts_type()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!isPostgres(db)) return;
  await sql`drop trigger if exists photos_fts_type_update on product_types`.execute(db);
  await sql`drop trigger if exists photos_fts_product_update on products`.execute(db);
  await sql`drop trigger if exists photos_fts_update on photos`.execute(db);
  await sql`drop trigger if exists photos_fts_insert on photos`.execute(db);
  await sql`drop function if exists photos_fts_type()`.execute(db);
  await sql`drop function if exists photos_fts_product()`.execute(db);
  await sql`drop function if exists photos_fts_photo()`.execute(db);
  await sql`drop table if exists photos_fts`.execute(db);
  await sql`drop function if exists fm_photo_document(text, text, integer)`.execute(db);
  await sql`drop function if exists fm_search_words(text)`.execute(db);
}
