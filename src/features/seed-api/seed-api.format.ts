/**
 * Translation between the seed API's JSON (the freezer-manager report, section 4.3) and the shapes the
 * services take and give. Only the format is checked here (keys, types, lengths and ranges, with the
 * /api/v1 schemas where they are exported); every rule about the data is the services'.
 */
import { Type, type TSchema } from '@sinclair/typebox';
import { TypeCompiler } from '@sinclair/typebox/compiler';
import { AppError } from '../../lib/errors.js';
import type { FreezerDto } from '../freezers/freezers.service.js';
import type { ProductDto } from '../products/products.dto.js';
import { FreezerBody } from '../freezers/freezers.schemas.js';
import { ProductBody, ProductPatch } from '../products/products.schemas.js';
import type { ProductChanges, ProductInput } from '../products/products.service.js';
import type { TypeTrend } from '../trends/trends.service.js';
import type { TypeDto } from '../types/types.service.js';
import type { SeedMessageKey, SeedMessageParams } from './seed-api.messages.js';

/** A body that does not follow the format: 400, with the seed API's own text. */
export class SeedFormatError extends AppError {
  constructor(
    readonly seedKey: SeedMessageKey,
    readonly seedParams: SeedMessageParams = {},
  ) {
    super(400, 'validation-failed', { summary: seedKey }, typeof seedParams.field === 'string' ? seedParams.field : undefined);
    this.name = 'SeedFormatError';
  }
}

type Body = Record<string, unknown>;

/** The seed name of each /api/v1 product field. */
const SEED_FIELD: Record<string, string> = {
  name: 'product_name',
  description: 'text_descr',
  freezerId: 'freezer_id',
  typeId: 'type_id',
  dateIn: 'date_in',
  dateOut: 'date_out',
  periodMonths: 'period',
  box: 'box_num',
  slot: 'prod_num',
  quantity: 'quantity',
  boxCount: 'num_boxes',
};

export const ADD_PRODUCT_KEYS = ['product_name', 'text_descr', 'freezer_id', 'type_id', 'date_in', 'period', 'box_num', 'prod_num', 'quantity'] as const;
export const UPDATE_PRODUCT_KEYS = [...ADD_PRODUCT_KEYS, 'date_out'] as const;

/** The /api/v1 freezer body's own schema, so both APIs keep the same limits. */
const FreezerPartial = Type.Partial(FreezerBody);

const checkers = {
  productBody: TypeCompiler.Compile(ProductBody),
  productPatch: TypeCompiler.Compile(ProductPatch),
  freezer: TypeCompiler.Compile(FreezerBody),
  freezerPartial: TypeCompiler.Compile(FreezerPartial),
};

type Mode = 'required' | 'keep';

export function jsonObject(body: unknown): Body {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new SeedFormatError('bad-body');
  return body as Body;
}

function requireKeys(body: Body, keys: readonly string[]): void {
  for (const key of keys) {
    if (!Object.prototype.hasOwnProperty.call(body, key)) throw new SeedFormatError('missing-field', { field: key });
  }
}

const INTEGER_TEXT = /^\s*[+-]?\d{1,15}\s*$/;

/** An integer sent as a number or as a numeric string ("4"); in 'keep' mode, "" means unchanged (undefined). */
function integer(body: Body, key: string, mode: Mode): number | undefined {
  const value = body[key];
  if (mode === 'keep' && value === '') return undefined;
  if (typeof value === 'number' && Number.isInteger(value)) return value;
  if (typeof value === 'string' && INTEGER_TEXT.test(value)) return Number(value);
  throw new SeedFormatError('not-integer', { field: key });
}

function text(body: Body, key: string, mode: Mode): string | undefined {
  const value = body[key];
  if (mode === 'keep' && value === '') return undefined;
  if (typeof value === 'string') return value;
  throw new SeedFormatError('not-text', { field: key });
}

/** A date or date-time string; its form is checked with the /api/v1 date schema, its calendar by the service. */
function date(body: Body, key: string, mode: Mode): string | undefined {
  const value = body[key];
  if (mode === 'keep' && value === '') return undefined;
  if (typeof value === 'string') return value.trim();
  throw new SeedFormatError('not-date', { field: key });
}

/** Checks a translated body against an /api/v1 schema; the first problem becomes a seed format error. */
function check(compiled: ReturnType<typeof TypeCompiler.Compile<TSchema>>, value: Record<string, unknown>): void {
  const first = compiled.Errors(value).First();
  if (!first) return;
  const apiField = first.path.split('/')[1] ?? '';
  const field = SEED_FIELD[apiField] ?? apiField;
  const schema = first.schema as { type?: string; minimum?: number; maximum?: number; maxLength?: number };
  if (apiField === 'dateIn' || apiField === 'dateOut') throw new SeedFormatError('not-date', { field });
  const got = value[apiField];
  if (schema.type === 'integer' && schema.minimum !== undefined && schema.maximum !== undefined) {
    throw new SeedFormatError('out-of-range', { field, min: schema.minimum, max: schema.maximum });
  }
  if (schema.type === 'string' && typeof got === 'string') {
    if (schema.maxLength !== undefined && got.length > schema.maxLength) throw new SeedFormatError('too-long', { field, max: schema.maxLength });
    throw new SeedFormatError('blank', { field });
  }
  throw new SeedFormatError('invalid-field', { field });
}

function defined<T extends Record<string, unknown>>(object: T): Partial<T> {
  return Object.fromEntries(Object.entries(object).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/** POST /freezers: {"num_boxes", "name"}. */
export function newFreezer(raw: unknown): { name: string; boxCount: number } {
  const body = jsonObject(raw);
  requireKeys(body, ['num_boxes', 'name']);
  const input = { name: text(body, 'name', 'required') as string, boxCount: integer(body, 'num_boxes', 'required') as number };
  check(checkers.freezer, input);
  return input;
}

/** PUT /freezers: {"freezer_id", "num_boxes", "name"}; "" leaves a field unchanged. */
export function freezerChanges(raw: unknown): { id: number; changes: { name?: string; boxCount?: number } } {
  const body = jsonObject(raw);
  requireKeys(body, ['freezer_id', 'num_boxes', 'name']);
  const id = integer(body, 'freezer_id', 'required') as number;
  const changes = defined({ name: text(body, 'name', 'keep'), boxCount: integer(body, 'num_boxes', 'keep') });
  check(checkers.freezerPartial, changes);
  return { id, changes };
}

/** DELETE /freezers: {"freezer_id"}. */
export function freezerIdOf(raw: unknown): number {
  const body = jsonObject(raw);
  requireKeys(body, ['freezer_id']);
  return integer(body, 'freezer_id', 'required') as number;
}

/** POST /add_product: every key of the report's object is required. */
export function newProduct(raw: unknown): ProductInput {
  const body = jsonObject(raw);
  requireKeys(body, ADD_PRODUCT_KEYS);
  const input: ProductInput = {
    name: text(body, 'product_name', 'required') as string,
    description: text(body, 'text_descr', 'required') as string,
    freezerId: integer(body, 'freezer_id', 'required') as number,
    typeId: integer(body, 'type_id', 'required') as number,
    dateIn: date(body, 'date_in', 'required') as string,
    periodMonths: integer(body, 'period', 'required') as number,
    box: integer(body, 'box_num', 'required') as number,
    slot: integer(body, 'prod_num', 'required') as number,
    quantity: integer(body, 'quantity', 'required') as number,
  };
  check(checkers.productBody, input as unknown as Record<string, unknown>);
  return input;
}

/**
 * POST /update_product: the add_product object plus date_out, keys in any order. A field sent as ""
 * keeps its current value; "date_out": null puts the product back inside.
 */
export function productChanges(raw: unknown): ProductChanges {
  const body = jsonObject(raw);
  requireKeys(body, UPDATE_PRODUCT_KEYS);
  const dateOut = body.date_out === null ? null : date(body, 'date_out', 'keep');
  const changes = defined({
    name: text(body, 'product_name', 'keep'),
    description: text(body, 'text_descr', 'keep'),
    freezerId: integer(body, 'freezer_id', 'keep'),
    typeId: integer(body, 'type_id', 'keep'),
    dateIn: date(body, 'date_in', 'keep'),
    periodMonths: integer(body, 'period', 'keep'),
    box: integer(body, 'box_num', 'keep'),
    slot: integer(body, 'prod_num', 'keep'),
    quantity: integer(body, 'quantity', 'keep'),
  }) as ProductChanges;
  if (dateOut !== undefined) changes.dateOut = dateOut;
  if (Object.keys(changes).length) check(checkers.productPatch, changes as unknown as Record<string, unknown>);
  return changes;
}

// ---- answers, in the report's shapes (keys sorted as the original's jsonify did) ----

export const seedType = (t: TypeDto) => ({ type_id: t.id, type_name_en: t.nameEn, type_name_fr: t.nameFr });

export const seedFreezer = (f: FreezerDto) => ({ freezer_id: f.id, freezer_name: f.name, number_boxes: f.boxCount });

export const seedProduct = (p: ProductDto) => ({
  box_num: p.box,
  date_formatted_in: p.dateIn,
  date_formatted_out: p.dateOut || null,
  descr_id: p.id,
  freezer_id: p.freezerId,
  freezer_name: p.freezerName,
  period: p.periodMonths,
  prod_num: p.slot,
  product_name: p.name,
  quantity: p.quantity,
  text_descr: p.description,
  type_id: p.typeId,
});

export const seedNextIds = (slots: Array<{ box: number; nextSlot: number }>): Record<string, number> =>
  Object.fromEntries(slots.map((s) => [String(s.box), s.nextSlot]));

export const seedGeneralTrend = (t: TypeTrend) => ({ freq: Math.trunc(t.freq), type_id: t.typeId, type_name_en: t.nameEn, type_name_fr: t.nameFr });

export const seedCustomTrend = (t: TypeTrend & { latest: string | null }) => ({
  freq: Math.trunc(t.freq),
  latest: t.latest ? t.latest.slice(0, 10) : null,
  type_id: t.typeId,
  type_name_en: t.nameEn,
  type_name_fr: t.nameFr,
});
