/**
 * The original freezer manager's data (report section 4.2), as read from a MySQL dump or a live
 * MySQL/MariaDB database, before anything is checked or fixed.
 */

/** Something `import-legacy` cannot read; its message is one line, fit for the terminal, without secrets. */
export class LegacyImportError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'LegacyImportError';
  }
}

export type LegacyValue = string | number | null;
export type LegacyRow = Record<string, LegacyValue>;

/** The tables of the original schema and the columns the import needs from each (names as in the report). */
export const LEGACY_TABLES = {
  User: ['token', 'password', 'email', 'language'],
  Description_type: ['type_id', 'type_name_en', 'type_name_fr'],
  Description_freezer: ['freezer_id', 'number_boxes', 'freezer_name'],
  Description_product: ['descr_id', 'product_name', 'text_descr'],
  Product_to_type: ['descr_id', 'type_id'],
  List_freezer: ['freezer_id', 'token'],
  Product: ['prod_id', 'token', 'descr_id', 'freezer_id', 'type_id', 'date_in', 'date_out', 'period', 'box_num', 'prod_num', 'quantity'],
} as const;

export type LegacyTable = keyof typeof LEGACY_TABLES;
export const LEGACY_TABLE_NAMES = Object.keys(LEGACY_TABLES) as LegacyTable[];

/** Rows by table, column names lower-cased. */
export type LegacyTables = Record<LegacyTable, LegacyRow[]>;

export interface LegacyUser {
  token: string;
  password: string;
  email: string;
  language: string;
}

export interface LegacyType {
  typeId: number;
  nameEn: string;
  nameFr: string;
}

export interface LegacyFreezer {
  freezerId: number;
  numberBoxes: number;
  name: string;
}

export interface LegacyDescription {
  descrId: number;
  name: string;
  text: string;
}

export interface LegacyProduct {
  prodId: number;
  token: string;
  descrId: number;
  freezerId: number;
  typeId: number;
  /** As stored: normally 'YYYY-MM-DD'; MySQL's zero date or garbage is fixed by the importer. */
  dateIn: string | null;
  dateOut: string | null;
  period: number;
  boxNum: number;
  prodNum: number;
  quantity: number;
}

export interface LegacyData {
  /** Where it came from, without any password: 'dump /path/freezer.sql' or 'mysql://root@host:3306/db'. */
  source: string;
  users: LegacyUser[];
  types: LegacyType[];
  freezers: LegacyFreezer[];
  descriptions: LegacyDescription[];
  productTypes: Array<{ descrId: number; typeId: number }>;
  memberships: Array<{ freezerId: number; token: string }>;
  products: LegacyProduct[];
}

function text(row: LegacyRow, column: string): string {
  const value = row[column];
  if (value === null || value === undefined) return '';
  return typeof value === 'number' ? String(value) : value;
}

function int(row: LegacyRow, table: string, column: string, index: number): number {
  const value = row[column];
  const n = typeof value === 'number' ? value : typeof value === 'string' && /^\s*-?\d+\s*$/.test(value) ? Number(value) : NaN;
  if (!Number.isSafeInteger(n)) {
    throw new LegacyImportError(`table ${table}, row ${index + 1}: ${column} is not an integer (${JSON.stringify(value)?.slice(0, 40)})`);
  }
  return n;
}

function date(row: LegacyRow, column: string): string | null {
  const value = row[column];
  if (value === null || value === undefined) return null;
  return String(value).trim();
}

/** Checks every table and column is there and turns rows into typed records. */
export function toLegacyData(source: string, tables: LegacyTables): LegacyData {
  for (const table of LEGACY_TABLE_NAMES) {
    for (const [index, row] of tables[table].entries()) {
      for (const column of LEGACY_TABLES[table]) {
        if (!(column in row)) throw new LegacyImportError(`table ${table}, row ${index + 1}: no column ${column}; not the original freezer-manager schema`);
      }
    }
  }
  return {
    source,
    users: tables.User.map((r, i) => ({
      token: text(r, 'token'),
      password: text(r, 'password'),
      email: text(r, 'email'),
      language: text(r, 'language'),
    })),
    types: tables.Description_type.map((r, i) => ({
      typeId: int(r, 'Description_type', 'type_id', i),
      nameEn: text(r, 'type_name_en'),
      nameFr: text(r, 'type_name_fr'),
    })),
    freezers: tables.Description_freezer.map((r, i) => ({
      freezerId: int(r, 'Description_freezer', 'freezer_id', i),
      numberBoxes: int(r, 'Description_freezer', 'number_boxes', i),
      name: text(r, 'freezer_name'),
    })),
    descriptions: tables.Description_product.map((r, i) => ({
      descrId: int(r, 'Description_product', 'descr_id', i),
      name: text(r, 'product_name'),
      text: text(r, 'text_descr'),
    })),
    productTypes: tables.Product_to_type.map((r, i) => ({
      descrId: int(r, 'Product_to_type', 'descr_id', i),
      typeId: int(r, 'Product_to_type', 'type_id', i),
    })),
    memberships: tables.List_freezer.map((r, i) => ({
      freezerId: int(r, 'List_freezer', 'freezer_id', i),
      token: text(r, 'token'),
    })),
    products: tables.Product.map((r, i) => ({
      prodId: int(r, 'Product', 'prod_id', i),
      token: text(r, 'token'),
      descrId: int(r, 'Product', 'descr_id', i),
      freezerId: int(r, 'Product', 'freezer_id', i),
      typeId: int(r, 'Product', 'type_id', i),
      dateIn: date(r, 'date_in'),
      dateOut: date(r, 'date_out'),
      period: int(r, 'Product', 'period', i),
      boxNum: int(r, 'Product', 'box_num', i),
      prodNum: int(r, 'Product', 'prod_num', i),
      quantity: int(r, 'Product', 'quantity', i),
    })),
  };
}
