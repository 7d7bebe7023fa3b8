import { Type, type TSchema } from '@sinclair/typebox';

/** RFC 9457 problem details, as every /api/v1 error is answered. */
export const ProblemSchema = Type.Object(
  {
    type: Type.String({ description: 'A URN naming the problem, stable across languages' }),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String({ description: "What went wrong, in the caller's language" }),
    errors: Type.Optional(Type.Array(Type.Object({ field: Type.String(), message: Type.String() }))),
  },
  { description: 'application/problem+json (RFC 9457)' },
);

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'Malformed JSON or a failed validation',
  401: 'Missing, unknown, revoked or expired credentials',
  403: 'A read-only token on a write, or a non-admin on an admin route',
  404: 'Not found (another user’s objects are not found either)',
  409: 'Conflicts with the current state',
  413: 'Body too large',
  415: 'Body is not application/json',
  429: 'Rate limit reached; see Retry-After',
};

/** Error answers of a route, documented with the problem+json media type. */
export function errors(...codes: number[]): Record<number, unknown> {
  const out: Record<number, unknown> = {};
  for (const code of [...new Set([...codes, 429])]) {
    out[code] = { description: ERROR_DESCRIPTIONS[code] ?? 'Error', content: { 'application/problem+json': { schema: ProblemSchema } } };
  }
  return out;
}

/** Write routes taking a JSON body can also answer 413 and 415. */
export const bodyErrors = [400, 413, 415];

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1, maximum: 2147483647, description: 'Object id' }) });

export const PageQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 50, description: 'Page size' })),
  offset: Type.Optional(Type.Integer({ minimum: 0, maximum: 10_000_000, default: 0, description: 'Items to skip' })),
};

export function Page<T extends TSchema>(item: T) {
  return Type.Object({ items: Type.Array(item), total: Type.Integer(), limit: Type.Integer(), offset: Type.Integer() });
}

/** A calendar date; a date-time (what browsers' datetime inputs send) is accepted and its date part used. */
export const DateString = Type.String({
  pattern: '^\\d{4}-\\d{2}-\\d{2}([T ]([01]\\d|2[0-3]):[0-5]\\d(:[0-5]\\d(\\.\\d{1,9})?)?(Z|[+-]\\d{2}:?\\d{2})?)?$',
  maxLength: 40,
  description: 'YYYY-MM-DD (a date-time is accepted; its date part is used)',
  examples: ['2026-11-22'],
});

export const NoContent = { description: 'Done', type: 'null' } as const;

const NO_CONTROL_OR_LONE_SURROGATE = '\\u0000-\\u001f\\u007f\\ud800-\\udfff';
// A well-formed surrogate pair (an emoji, say) for regex engines without the u flag, such as TypeBox's
// compiler; with the u flag (ajv) such a character is one code point and matches the class instead.
const SURROGATE_PAIR = '[\\ud800-\\udbff][\\udc00-\\udfff]';

/**
 * One line of well-formed text with something visible in it: no control characters (NUL included,
 * which PostgreSQL cannot store) and no lone UTF-16 surrogates (SQLite would store U+FFFD instead).
 */
export function Line(maxLength: number, options: { description?: string; examples?: string[] } = {}) {
  return Type.String({ minLength: 1, maxLength, pattern: `^(?=[\\s\\S]*\\S)(?:[^${NO_CONTROL_OR_LONE_SURROGATE}]|${SURROGATE_PAIR})+$`, ...options });
}

/** Free text that may be empty and span lines (tabs and line breaks allowed, other control characters not). */
export function FreeText(maxLength: number, options: { description?: string } = {}) {
  return Type.String({ maxLength, pattern: `^(?:[^\\u0000-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u007f\\ud800-\\udfff]|${SURROGATE_PAIR})*$`, ...options });
}
