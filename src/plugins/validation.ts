import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { FastifyInstance, FastifySchema } from 'fastify';
import type { Language } from '../i18n/messages.js';
import type { FieldError } from '../lib/errors.js';

// ajv-formats ships CommonJS with a default export.
type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;

function makeAjv(coerce: boolean): Ajv {
  const ajv = new Ajv({
    // Path, query and header values are strings on the wire: coerce them. Bodies are JSON: types must match.
    coerceTypes: coerce ? 'array' : false,
    useDefaults: true,
    removeAdditional: false,
    allErrors: true,
    strict: false,
  });
  addFormats(ajv);
  return ajv;
}

/** Two compilers: a strict one for JSON bodies and a coercing one for params, query and headers. */
export function registerValidators(app: FastifyInstance): void {
  const strict = makeAjv(false);
  const coercing = makeAjv(true);
  app.setValidatorCompiler(({ schema, httpPart }: { schema: FastifySchema; httpPart?: string }) =>
    (httpPart === 'body' ? strict : coercing).compile(schema as object),
  );
}

const FR: Record<string, (p: Record<string, unknown>) => string> = {
  required: (p) => `le champ « ${String(p.missingProperty)} » est obligatoire`,
  type: (p) => `doit être de type ${String(p.type)}`,
  minimum: (p) => `doit être supérieur ou égal à ${String(p.limit)}`,
  maximum: (p) => `doit être inférieur ou égal à ${String(p.limit)}`,
  exclusiveMinimum: (p) => `doit être supérieur à ${String(p.limit)}`,
  exclusiveMaximum: (p) => `doit être inférieur à ${String(p.limit)}`,
  minLength: (p) => `doit contenir au moins ${String(p.limit)} caractère(s)`,
  maxLength: (p) => `doit contenir au plus ${String(p.limit)} caractère(s)`,
  minItems: (p) => `doit contenir au moins ${String(p.limit)} élément(s)`,
  maxItems: (p) => `doit contenir au plus ${String(p.limit)} élément(s)`,
  format: (p) => `doit respecter le format « ${String(p.format)} »`,
  pattern: () => "n'a pas le format attendu",
  enum: (p) => `doit valoir l'une des valeurs : ${(p.allowedValues as unknown[] | undefined)?.join(', ') ?? ''}`,
  const: (p) => `doit valoir ${JSON.stringify(p.allowedValue)}`,
  additionalProperties: (p) => `le champ « ${String(p.additionalProperty)} » n'est pas accepté`,
  minProperties: (p) => `doit contenir au moins ${String(p.limit)} champ(s)`,
};

const EN_OVERRIDES: Record<string, (p: Record<string, unknown>) => string> = {
  required: (p) => `"${String(p.missingProperty)}" is required`,
  additionalProperties: (p) => `"${String(p.additionalProperty)}" is not an accepted field`,
};

const PART_NAMES: Record<string, string> = { body: 'body', querystring: 'query', params: 'path', headers: 'header' };

/** Turns ajv's errors into the contract's `errors: [{field, message}]`, in the caller's language. */
export function fieldErrors(errors: ErrorObject[], context: string | undefined, language: Language): FieldError[] {
  const seen = new Set<string>();
  const out: FieldError[] = [];
  for (const error of errors) {
    // anyOf/oneOf repeat their branches' errors; the branch errors say it better.
    if (error.keyword === 'anyOf' || error.keyword === 'oneOf' || error.keyword === 'if') continue;
    const params = error.params as Record<string, unknown>;
    const segments = error.instancePath.split('/').filter(Boolean).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
    if (error.keyword === 'required') segments.push(String(params.missingProperty));
    if (error.keyword === 'additionalProperties') segments.push(String(params.additionalProperty));
    const part = PART_NAMES[context ?? 'body'] ?? 'body';
    const field = segments.length ? (part === 'body' ? segments.join('.') : `${part}.${segments.join('.')}`) : part;
    const translated = language === 'fr' ? FR[error.keyword] : EN_OVERRIDES[error.keyword];
    const message = translated ? translated(params) : (error.message ?? 'is not valid');
    const key = `${field}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ field, message });
  }
  return out.slice(0, 50);
}
