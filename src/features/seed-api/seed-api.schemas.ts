/**
 * OpenAPI documentation of the seed API. These schemas only document: the seed routes check their
 * input themselves (seed-api.format.ts), because the report's clients send numbers as strings and ""
 * for "unchanged", and answer errors in the report's {status, details} shape.
 */
import { Type, type TSchema } from '@sinclair/typebox';

const Token = Type.String({ description: 'Your API token (the same tokens as /api/v1). It is never written to the logs.' });
const IntParam = (description: string) => Type.Integer({ minimum: 0, description: `${description}. Not an integer: 404.` });
const Int = (description: string) => Type.Union([Type.Integer(), Type.String({ pattern: '^\\s*[+-]?\\d+\\s*$' })], { description: `${description} (a number or a numeric string)` });
const IntOrKeep = (description: string) =>
  Type.Union([Type.Integer(), Type.String({ pattern: '^\\s*[+-]?\\d*\\s*$' })], { description: `${description} (a number or a numeric string; "" keeps the current value)` });
const Day = Type.String({ description: 'YYYY-MM-DD (a date-time is accepted; its date part is used)', examples: ['2018-02-05'] });

export const SeedStatus = Type.Object(
  { status: Type.Integer({ examples: [400] }), details: Type.String({ description: "What happened, in the token owner's language (else Accept-Language): English or French" }) },
  { description: 'The report’s {status, details} object' },
);

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Unknown or malformed token, a body that does not follow the format, a freezer that is not yours, or a rule of the data (dates, boxes, taken number, history)',
  403: 'A read-only token on a write',
  404: 'No such route: an integer parameter that is not an integer, or the token left out',
  405: 'Method not implemented on this route',
  413: 'Body too large',
  415: 'Body is not application/json',
  429: 'Rate limit reached (per client address); see Retry-After',
};

export function seedResponses(success: TSchema | undefined, ...codes: number[]): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  out[200] = success ?? { ...SeedStatus, description: 'Done: {"status": 200, "details": "..."}' };
  for (const code of [...new Set([400, ...codes, 404, 405, 429])].sort()) {
    out[code] = { description: ERROR_DESCRIPTIONS[code] ?? 'Error', content: { 'application/json': { schema: SeedStatus } } };
  }
  return out;
}

export const TokenParams = Type.Object({ token: Token });
export const FreezerParams = Type.Object({ freezer_id: IntParam('Id of one of your freezers'), token: Token });
export const GetProductParams = Type.Object({
  param: Type.Union([Type.Literal('all'), Type.Literal('inside'), Type.Literal('outside')], { description: 'Which products: all, only those inside, only those taken out' }),
  freezer_id: IntParam('Id of one of your freezers; 0: all of them'),
  token: Token,
});
export const UpdateProductParams = Type.Object({
  freezer_id: IntParam('Freezer of the product'),
  box_num: IntParam('Box of the product'),
  prod_num: IntParam('Number of the product in its box'),
  inside: IntParam('> 0: the product inside that slot; 0: the one most recently taken out of it'),
  token: Token,
});

export const SeedTypes = Type.Array(Type.Object({ type_id: Type.Integer(), type_name_en: Type.String(), type_name_fr: Type.String() }));
export const SeedFreezers = Type.Array(Type.Object({ freezer_id: Type.Integer(), freezer_name: Type.String(), number_boxes: Type.Integer() }));
export const SeedNextIds = Type.Record(Type.String({ description: 'Box number' }), Type.Integer({ description: 'Next free number in that box' }), {
  examples: [{ '1': 8, '2': 3, '3': 4, '4': 3 }],
});
export const SeedProducts = Type.Array(
  Type.Object({
    box_num: Type.Integer(),
    date_formatted_in: Type.String({ description: 'YYYY-MM-DD' }),
    date_formatted_out: Type.Union([Type.String(), Type.Null()], { description: 'YYYY-MM-DD; null while inside' }),
    descr_id: Type.Integer({ description: 'Id of the product (its /api/v1 id)' }),
    freezer_id: Type.Integer(),
    freezer_name: Type.String(),
    period: Type.Integer({ description: 'Months it may stay in the freezer' }),
    prod_num: Type.Integer({ description: 'Number of the product in its box' }),
    product_name: Type.String(),
    quantity: Type.Integer(),
    text_descr: Type.String(),
    type_id: Type.Integer(),
  }),
);
export const SeedGeneralTrend = Type.Array(Type.Object({ freq: Type.Integer(), type_id: Type.Integer(), type_name_en: Type.String(), type_name_fr: Type.String() }));
export const SeedCustomTrend = Type.Array(
  Type.Object({
    freq: Type.Integer(),
    latest: Type.Union([Type.String({ description: 'YYYY-MM-DD' }), Type.Null()], { description: 'When a product of this type last left your freezers' }),
    type_id: Type.Integer(),
    type_name_en: Type.String(),
    type_name_fr: Type.String(),
  }),
);

export const NewFreezerBody = Type.Object({ num_boxes: Int('Number of boxes, 1 to 1000'), name: Type.String({ description: 'Name, 1 to 256 characters' }) });
export const FreezerUpdateBody = Type.Object({
  freezer_id: Int('Id of one of your freezers'),
  num_boxes: IntOrKeep('Number of boxes'),
  name: Type.String({ description: 'New name; "" keeps the current one' }),
});
export const FreezerDeleteBody = Type.Object({ freezer_id: Int('Id of one of your freezers (one that never held a product)') });

const productFields = {
  product_name: Type.String(),
  text_descr: Type.String(),
  freezer_id: Int('Id of one of your freezers'),
  type_id: Int('Product type, see /types'),
  date_in: Day,
  period: Int('Months it may stay in the freezer, 1 to 120'),
  box_num: Int('Box, 1 to the freezer’s number of boxes'),
  prod_num: Int('Number in the box, free among the products inside it (see /freezer_next_id)'),
  quantity: Int('Portions, 1 to 10000'),
};
export const NewProductBody = Type.Object(productFields);
export const ProductUpdateBody = Type.Object(
  {
    product_name: Type.String(),
    text_descr: Type.String(),
    freezer_id: IntOrKeep('Freezer'),
    type_id: IntOrKeep('Product type'),
    date_in: Type.String({ description: 'YYYY-MM-DD; "" keeps the current date' }),
    date_out: Type.Union([Type.String(), Type.Null()], { description: 'YYYY-MM-DD: taken out that day; null: back inside; "" keeps the current value' }),
    period: IntOrKeep('Months'),
    box_num: IntOrKeep('Box'),
    prod_num: IntOrKeep('Number in the box'),
    quantity: IntOrKeep('Portions'),
  },
  { description: 'Every key is required, in any order; a field sent as "" keeps its current value.' },
);
