import { type Kysely, type ColumnDefinitionBuilder, PostgresAdapter, sql } from 'kysely';

// Shipped migration: never edit, append a new one instead.

/** The 43 product types of the original system (seed-data/freezer.sql), with a default storage period in months. */
const DEFAULT_TYPES: ReadonlyArray<readonly [number, string, string, number]> = [
  [1, 'soup', 'soupe', 3],
  [2, 'meal soup', 'soupe repas', 3],
  [3, 'meal soup (vegetable)', 'soupe repas (légume)', 3],
  [4, 'meal soup (meat)', 'soupe repas (viande)', 3],
  [5, 'meal soup (fish)', 'soupe repas (poisson)', 3],
  [6, 'read meat', 'viande rouge', 9],
  [7, 'white meat', 'viande blanche', 9],
  [8, 'black meat', 'viande noire', 9],
  [9, 'exotic meat', 'viande exotique', 9],
  [10, 'giblets', 'abats', 3],
  [11, 'prepared meat', 'viande préparée', 3],
  [12, 'BBQ meat', 'viande BBQ', 3],
  [13, 'fish', 'poisson', 6],
  [14, 'prepared fish', 'poisson préparé', 3],
  [15, 'shellfish', 'crustacés', 3],
  [16, 'industrial prepared meal', 'plat préparé industriel', 3],
  [17, 'industrial prepared meal (vegetable)', 'plat préparé industriel (légume)', 3],
  [18, 'industrial prepared meal (meat)', 'plat préparé industriel (viande)', 3],
  [19, 'industrial prepared meal (poisson)', 'plat préparé industriel (poisson)', 3],
  [20, 'homemade prepared dish', 'plat préparé maison', 3],
  [21, 'homemade prepared dish (vegetable)', 'plat préparé maison (légume)', 3],
  [22, 'homemade prepared dish (meat)', 'plat préparé maison (viande)', 3],
  [23, 'homemade prepared dish (fish)', 'plat préparé maison (poisson)', 3],
  [24, 'ice-cream', 'glace', 2],
  [25, 'sorbet', 'sorbet', 2],
  [26, 'ice cubes', 'glaçons', 12],
  [27, 'bread', 'pain', 3],
  [28, 'fruit', 'fruits', 12],
  [29, 'sauces', 'sauces', 3],
  [30, 'cakes', 'gateaux', 3],
  [31, 'pies', 'tartes', 3],
  [32, 'pastry', 'viennoiseries', 3],
  [33, 'pizza', 'pizza', 2],
  [34, 'quiches', 'quiches', 2],
  [35, 'spices', 'épices', 6],
  [36, 'zakouski', 'zakouski', 2],
  [37, 'dairy products', 'produit laitiers', 3],
  [38, 'cheese', 'fromage', 4],
  [39, 'butter', 'beurre', 6],
  [40, 'dessert', 'dessert', 3],
  [41, 'fried food', 'fritures', 3],
  [42, 'not consumable', 'non consommable', 12],
  [43, 'vegetable', 'légume', 12],
];

function isPostgres(db: Kysely<any>): boolean {
  return db.getExecutor().adapter instanceof PostgresAdapter;
}

export async function up(db: Kysely<any>): Promise<void> {
  const pg = isPostgres(db);
  const idType = pg ? 'serial' : 'integer';
  const id = (col: ColumnDefinitionBuilder) => (pg ? col.primaryKey() : col.primaryKey().autoIncrement());

  await db.schema
    .createTable('users')
    .addColumn('id', idType, id)
    .addColumn('email', 'text', (c) => c.notNull().unique())
    .addColumn('password_hash', 'text', (c) => c.notNull())
    .addColumn('language', 'text', (c) => c.notNull().defaultTo('en').check(sql`language in ('en', 'fr')`))
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('user').check(sql`role in ('user', 'admin')`))
    .addColumn('disabled_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('api_tokens')
    .addColumn('id', idType, id)
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('scope', 'text', (c) => c.notNull().check(sql`scope in ('read', 'write')`))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('prefix', 'text', (c) => c.notNull())
    .addColumn('expires_at', 'text')
    .addColumn('last_used_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('api_tokens_user_idx').on('api_tokens').column('user_id').execute();

  await db.schema
    .createTable('sessions')
    .addColumn('id', idType, id)
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('sessions_user_idx').on('sessions').column('user_id').execute();

  await db.schema
    .createTable('password_resets')
    .addColumn('id', idType, id)
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('token_hash', 'text', (c) => c.notNull().unique())
    .addColumn('expires_at', 'text', (c) => c.notNull())
    .addColumn('used_at', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('password_resets_user_idx').on('password_resets').column('user_id').execute();

  await db.schema
    .createTable('product_types')
    .addColumn('id', idType, id)
    .addColumn('name_en', 'text', (c) => c.notNull().unique())
    .addColumn('name_fr', 'text', (c) => c.notNull().unique())
    .addColumn('period_months', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('freezers')
    .addColumn('id', idType, id)
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('box_count', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();

  await db.schema
    .createTable('freezer_members')
    .addColumn('freezer_id', 'integer', (c) => c.notNull().references('freezers.id').onDelete('cascade'))
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id').onDelete('cascade'))
    .addColumn('role', 'text', (c) => c.notNull().defaultTo('owner').check(sql`role in ('owner', 'member')`))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('freezer_members_pk', ['freezer_id', 'user_id'])
    .execute();
  await db.schema.createIndex('freezer_members_user_idx').on('freezer_members').columns(['user_id', 'freezer_id']).execute();

  await db.schema
    .createTable('products')
    .addColumn('id', idType, id)
    .addColumn('user_id', 'integer', (c) => c.notNull().references('users.id'))
    .addColumn('freezer_id', 'integer', (c) => c.notNull().references('freezers.id'))
    .addColumn('type_id', 'integer', (c) => c.notNull().references('product_types.id'))
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('box', 'integer', (c) => c.notNull())
    .addColumn('slot', 'integer', (c) => c.notNull())
    .addColumn('date_in', 'text', (c) => c.notNull())
    .addColumn('date_out', 'text')
    .addColumn('period_months', 'integer', (c) => c.notNull())
    .addColumn('due_date', 'text', (c) => c.notNull())
    .addColumn('quantity', 'integer', (c) => c.notNull())
    .addColumn('source_product_id', 'integer', (c) => c.references('products.id').onDelete('set null'))
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .execute();
  // One product per slot among the products inside a box; products that left keep their slot in the history.
  await db.schema
    .createIndex('products_slot_inside_uq')
    .on('products')
    .columns(['freezer_id', 'box', 'slot'])
    .unique()
    .where(sql.ref('date_out'), 'is', null)
    .execute();
  await db.schema.createIndex('products_freezer_idx').on('products').columns(['freezer_id', 'date_out', 'due_date']).execute();
  await db.schema.createIndex('products_type_idx').on('products').columns(['type_id', 'date_out']).execute();
  await db.schema.createIndex('products_user_idx').on('products').column('user_id').execute();
  await db.schema.createIndex('products_source_idx').on('products').column('source_product_id').execute();

  await db.schema
    .createTable('audit_log')
    .addColumn('id', idType, id)
    .addColumn('user_id', 'integer', (c) => c.references('users.id').onDelete('set null'))
    .addColumn('action', 'text', (c) => c.notNull())
    .addColumn('object_type', 'text', (c) => c.notNull())
    .addColumn('object_id', 'text')
    .addColumn('ip', 'text')
    .addColumn('details', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('audit_log_created_idx').on('audit_log').column('created_at').execute();
  await db.schema.createIndex('audit_log_user_idx').on('audit_log').columns(['user_id', 'created_at']).execute();

  const now = new Date().toISOString();
  await db
    .insertInto('product_types')
    .values(
      DEFAULT_TYPES.map(([typeId, nameEn, nameFr, months]) => ({
        id: typeId,
        name_en: nameEn,
        name_fr: nameFr,
        period_months: months,
        created_at: now,
        updated_at: now,
      })),
    )
    .execute();
  if (pg) {
    await sql`select setval(pg_get_serial_sequence('product_types', 'id'), (select max(id) from product_types))`.execute(db);
  }
}

export async function down(db: Kysely<any>): Promise<void> {
  for (const table of ['audit_log', 'products', 'freezer_members', 'freezers', 'product_types', 'password_resets', 'sessions', 'api_tokens', 'users']) {
    await db.schema.dropTable(table).execute();
  }
}
