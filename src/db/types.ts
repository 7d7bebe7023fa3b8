import type { Generated, Insertable, Selectable } from 'kysely';

/**
 * Table types. Dates are ISO strings: calendar dates as 'YYYY-MM-DD', instants as
 * 'YYYY-MM-DDTHH:mm:ss.sssZ'. Text dates sort correctly and behave the same on SQLite and
 * PostgreSQL, so the repositories need no dialect branches.
 */
export interface UsersTable {
  id: Generated<number>;
  email: string;
  password_hash: string;
  language: 'en' | 'fr';
  role: 'user' | 'admin';
  disabled_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface ApiTokensTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  scope: 'read' | 'write';
  token_hash: string;
  /** First characters of the secret, to tell tokens apart in a list; never enough to use. */
  prefix: string;
  expires_at: string | null;
  last_used_at: string | null;
  created_at: string;
}

export interface SessionsTable {
  id: Generated<number>;
  user_id: number;
  token_hash: string;
  expires_at: string;
  created_at: string;
}

export interface PasswordResetsTable {
  id: Generated<number>;
  user_id: number;
  token_hash: string;
  expires_at: string;
  used_at: string | null;
  created_at: string;
}

export interface ProductTypesTable {
  id: Generated<number>;
  name_en: string;
  name_fr: string;
  period_months: number;
  created_at: string;
  updated_at: string;
  /** lower(name_en) and lower(name_fr), read by text search (migration 0010); typesRepository writes them with the names. */
  name_en_folded: string;
  name_fr_folded: string;
}

export interface FreezersTable {
  id: Generated<number>;
  name: string;
  box_count: number;
  created_at: string;
  updated_at: string;
}

export interface FreezerMembersTable {
  freezer_id: number;
  user_id: number;
  role: 'owner' | 'member';
  created_at: string;
}

export interface ProductsTable {
  id: Generated<number>;
  /** Who put it in. Visibility goes through the freezer's members, not this column. */
  user_id: number;
  freezer_id: number;
  type_id: number;
  name: string;
  description: string;
  box: number;
  slot: number;
  date_in: string;
  date_out: string | null;
  period_months: number;
  /** date_in + period_months, kept so "overdue" and "due within" are plain indexed comparisons. */
  due_date: string;
  quantity: number;
  /** For the history row of a partial take-out: the product the portions were taken from. */
  source_product_id: number | null;
  created_at: string;
  updated_at: string;
  /** lower(name) and lower(description), read by text search and the sort by name (migration 0010); productsRepository writes them with the texts. */
  name_folded: string;
  description_folded: string;
}

export interface AuditLogTable {
  id: Generated<number>;
  user_id: number | null;
  action: string;
  object_type: string;
  object_id: string | null;
  ip: string | null;
  details: string | null;
  created_at: string;
}

/** One object brought in by `import-legacy`: its kind and id in the original database, and its id here. */
export interface LegacyImportMapTable {
  kind: 'user' | 'type' | 'freezer' | 'product';
  /** The original id; for a user, the SHA-256 of its old token. */
  legacy_id: string;
  new_id: number;
  created_at: string;
}

/** A photo: its file lives in the photo storage under storage_key; previews under keys derived from it. */
export interface PhotosTable {
  id: Generated<number>;
  /** The uploader, who alone may change or delete it. */
  user_id: number;
  /** Attached to this product: visible to the members of the product's freezer too. */
  product_id: number | null;
  /** 1 for the cover photo of its product (one per product). */
  is_cover: number;
  name: string;
  storage_key: string;
  sha256: string;
  mime: string;
  size: number;
  width: number;
  height: number;
  taken_at: string | null;
  /** taken_at when known, else created_at: the timeline's sort key. */
  sort_at: string;
  caption: string;
  notes: string;
  /** 64-bit difference hash, 16 hex digits. */
  dhash: string;
  preview_state: 'pending' | 'ready' | 'failed';
  share_token_hash: string | null;
  created_at: string;
  updated_at: string;
}

/**
 * Products per type, history rows of partial take-outs excluded (kept by the products repository), in
 * shards (migration 0013): a type's count is the sum of its rows.
 */
export interface ProductTypeCountsTable {
  type_id: number;
  shard: number;
  freq: number;
}

/** Per freezer and type (migration 0006): product rows, products (history rows excluded), latest take-out. */
export interface FreezerTypeStatsTable {
  freezer_id: number;
  type_id: number;
  row_count: number;
  freq: number;
  latest: string | null;
}

export interface Database {
  users: UsersTable;
  api_tokens: ApiTokensTable;
  sessions: SessionsTable;
  password_resets: PasswordResetsTable;
  product_types: ProductTypesTable;
  freezers: FreezersTable;
  freezer_members: FreezerMembersTable;
  products: ProductsTable;
  audit_log: AuditLogTable;
  legacy_import_map: LegacyImportMapTable;
  product_type_counts: ProductTypeCountsTable;
  freezer_type_stats: FreezerTypeStatsTable;
  photos: PhotosTable;
}

export type UserRow = Selectable<UsersTable>;
export type NewUserRow = Insertable<UsersTable>;
export type ApiTokenRow = Selectable<ApiTokensTable>;
/** The folded copies of a row's names are the repositories' business: rows as the rest of the code sees them leave them out. */
export type TypeFoldedColumn = 'name_en_folded' | 'name_fr_folded';
export type ProductFoldedColumn = 'name_folded' | 'description_folded';
export type ProductTypeRow = Omit<Selectable<ProductTypesTable>, TypeFoldedColumn>;
export type FreezerRow = Selectable<FreezersTable>;
export type ProductRow = Omit<Selectable<ProductsTable>, ProductFoldedColumn>;
/** Columns of a product to change, as values (the repository writes the folded copies of changed texts). */
export type ProductUpdate = Partial<Omit<ProductRow, 'id'>>;
export type AuditRow = Selectable<AuditLogTable>;
export type PhotoRow = Selectable<PhotosTable>;
export type NewPhotoRow = Insertable<PhotosTable>;
