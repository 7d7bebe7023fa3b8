/**
 * Hostile requests generated from the OpenAPI document: every operation, every path and query
 * parameter and every body field gets, at random, a value of the shape its schema asks for (so the
 * request gets past validation and reaches the services) or a hostile one (wrong type, boundary,
 * empty, huge, unicode and NUL, lone surrogates, SQL and path-traversal text, deep nesting), and the
 * request as a whole is mangled (duplicate keys, truncated or non-UTF-8 JSON, wrong or missing
 * content type, missing or garbage credentials).
 *
 * Nothing here knows a route: a route added to the document is fuzzed as it is. A schema construct
 * the generator does not understand throws UnsupportedSchema, so a route that cannot be fuzzed fails
 * the suite instead of being skipped.
 */
import http from 'node:http';
import fc from 'fast-check';

// ---------------------------------------------------------------- the document

export interface Schema {
  type?: string | string[];
  anyOf?: Schema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  $ref?: string;
  [key: string]: unknown;
}

export interface Parameter {
  in: 'path' | 'query' | 'header' | 'cookie';
  name: string;
  required?: boolean;
  schema: Schema;
}

export interface Operation {
  method: string;
  path: string;
  /** The first path segments of the seed API's routes answer {status, details}; the rest problem+json. */
  seed: boolean;
  /** No credentials needed (`security: []`). */
  public: boolean;
  parameters: Parameter[];
  /** The request body's content type and schema, when the operation takes one. */
  body?: { contentType: string; schema: Schema; required: boolean };
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, { tags?: string[]; security?: unknown[]; parameters?: Parameter[]; requestBody?: { required?: boolean; content?: Record<string, { schema?: Schema }> } }>>;
  components?: { schemas?: Record<string, Schema> };
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** Every operation of the document. */
export function operationsOf(doc: OpenApiDocument): Operation[] {
  const out: Operation[] = [];
  for (const [path, ops] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(ops)) {
      if (!METHODS.includes(method)) continue;
      const content = op.requestBody?.content ?? {};
      const types = Object.keys(content);
      if (types.length > 1) throw new UnsupportedSchema(`${method} ${path}: more than one request content type (${types.join(', ')})`);
      const contentType = types[0];
      out.push({
        method: method.toUpperCase(),
        path,
        seed: (op.tags ?? []).includes('seed-api'),
        public: Array.isArray(op.security) && op.security.length === 0,
        parameters: op.parameters ?? [],
        ...(contentType ? { body: { contentType, schema: resolve(doc, content[contentType]!.schema ?? {}), required: op.requestBody?.required ?? false } } : {}),
      });
    }
  }
  return out;
}

export class UnsupportedSchema extends Error {}

function resolve(doc: OpenApiDocument, schema: Schema): Schema {
  if (!schema.$ref) return schema;
  const name = schema.$ref.replace('#/components/schemas/', '');
  const target = doc.components?.schemas?.[name];
  if (!target) throw new UnsupportedSchema(`unresolved $ref ${schema.$ref}`);
  return resolve(doc, target);
}

// ---------------------------------------------------------------- values

/** A reference to a fixture value (an id, a token, an e-mail…), resolved when the request is sent. */
export class Ref {
  constructor(readonly name: string) {}
  toString() {
    return `<${this.name}>`;
  }
}

/** JSON text inserted as is (numbers JSON.stringify cannot write, nesting too deep to build as objects, invalid tokens). */
export class Raw {
  constructor(
    readonly text: string,
    readonly label = text.length > 40 ? `${text.slice(0, 20)}…(${text.length} chars)` : text,
  ) {}
  toString() {
    return `raw(${this.label})`;
  }
}

export type Value = unknown;

/** The fixture values a generated request may name; the suite resolves them against the running server. */
export interface Pools {
  /** Integer ids (any kind: the path's {id} may name a freezer, a product, a photo…), own, other users', gone. */
  ids: string[];
  /** Credentials usable in a URL (seed API tokens, share tokens). */
  urlTokens: string[];
  emails: string[];
  passwords: string[];
}

const deepObject = (depth: number) => new Raw(`${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`, `{"a":{"a":…}} ×${depth}`);
const deepArray = (depth: number) => new Raw(`${'['.repeat(depth)}${']'.repeat(depth)}`, `[[[…]]] ×${depth}`);

/** Text that has broken real servers: injections, traversals, encodings, control and format characters. */
export const HOSTILE_STRINGS: string[] = [
  '',
  ' ',
  '\t\n',
  '0',
  '-1',
  '1.5',
  '1e308',
  '-1e308',
  '1e309',
  'NaN',
  'Infinity',
  '-Infinity',
  'null',
  'undefined',
  'true',
  '[]',
  '{}',
  '0x1F',
  '0b1',
  '+1',
  ' 1 ',
  '9007199254740993',
  '99999999999999999999',
  '2147483648',
  '-2147483649',
  '\u0000',
  'a\u0000b',
  '\ud800',
  '\udfff',
  'x\udc00y',
  '\ufeff',
  '\u202eevil',
  '\u200b',
  '🧊🍦👨‍👩‍👧',
  'e\u0301',
  '冷凍庫',
  "' OR 1=1 --",
  "'; DROP TABLE products; --",
  '" OR ""="',
  '1; DELETE FROM users',
  "' UNION SELECT token_hash FROM api_tokens --",
  '%',
  '_',
  '\\',
  '../../../../etc/passwd',
  '..\\..\\..\\windows\\win.ini',
  '/etc/passwd',
  'originals/../../freezer-manager.sqlite',
  '%2e%2e%2f%2e%2e%2f',
  '%00',
  '<script>alert(1)</script>',
  '{{7*7}}',
  '${jndi:ldap://x}',
  'fm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  '2026-02-30',
  '2026-13-01',
  '0000-00-00',
  '9999-12-31',
  '9999-12-31T23:59:59Z',
  '1970-01-01',
  '2018-02-05T25:61',
  '-000001-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  'alice@example.com',
  'a@b',
  '@',
  'x'.repeat(257),
  'é'.repeat(5000),
  'x'.repeat(70_000),
];

/** Hostile JSON values for a body field or a whole body. */
function hostileJson(): fc.Arbitrary<Value> {
  return fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...HOSTILE_STRINGS) },
    {
      weight: 3,
      arbitrary: fc.constantFrom<Value>(
        0,
        -1,
        -0,
        1,
        1.5,
        2147483647,
        2147483648,
        -2147483648,
        Number.MAX_SAFE_INTEGER,
        Number.MIN_SAFE_INTEGER,
        1e308,
        -1e308,
        5e-324,
        new Raw('1e309'),
        new Raw('-1e309'),
        new Raw('9'.repeat(400)),
        new Raw('1.0'),
        new Raw('1E2'),
        new Raw('NaN'),
        new Raw('Infinity'),
        new Raw('0x10'),
        new Raw('01'),
        new Raw('.5'),
        new Raw('undefined'),
        true,
        false,
        null,
        [],
        {},
        [1, 2],
        ['x'],
        { id: 1 },
        JSON.parse('{"__proto__":{"role":"admin"}}'),
        JSON.parse('{"constructor":{"prototype":{"role":"admin"}}}'),
        deepObject(64),
        deepObject(5_000),
        deepArray(10_000),
      ),
    },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 30 }) },
    { weight: 1, arbitrary: fc.string({ unit: fc.constantFrom('\u0000', '\ud800', '\udc00', '\u001f', '\u007f', 'a', '"', '\\', '/', '\u2028', '\ufffe'), maxLength: 12 }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }) },
    { weight: 1, arbitrary: fc.integer() },
    { weight: 1, arbitrary: fc.double() },
  );
}

const ID_NAME = /^(id|.*Id|.*_id|.*_num)$/;
const TOKEN_NAME = /^(token)$/;

function refs(names: string[]): fc.Arbitrary<Value> {
  return fc.constantFrom(...names).map((n) => new Ref(n));
}

/** A value of the shape `schema` asks for (fixture references where the name says what it is). */
export function validValue(schema: Schema, name: string, pools: Pools): fc.Arbitrary<Value> {
  if (schema.$ref) throw new UnsupportedSchema(`${name}: $ref inside a schema`);
  for (const key of ['oneOf', 'allOf', 'not', 'if', 'patternProperties', 'prefixItems']) {
    if (key in schema) throw new UnsupportedSchema(`${name}: "${key}" is not supported by the generator`);
  }
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => validValue(s, name, pools)));
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const types = Array.isArray(schema.type) ? schema.type : schema.type ? [schema.type] : [];
  if (types.length > 1) return fc.oneof(...types.map((t) => validValue({ ...schema, type: t }, name, pools)));
  switch (types[0]) {
    case 'integer': {
      const min = schema.minimum ?? -2147483648;
      const max = Math.min(schema.maximum ?? 2147483647, Number.MAX_SAFE_INTEGER);
      const range = fc.oneof(fc.integer({ min, max }), fc.constantFrom(min, max));
      return ID_NAME.test(name) && pools.ids.length ? fc.oneof({ weight: 3, arbitrary: refs(pools.ids) }, { weight: 1, arbitrary: range }) : range;
    }
    case 'number':
      return fc.double({ min: schema.minimum ?? -1e9, max: schema.maximum ?? 1e9, noNaN: true });
    case 'boolean':
      return fc.boolean();
    case 'null':
      return fc.constant(null);
    case 'string':
      return validString(schema, name, pools);
    case 'array':
      if (!schema.items) throw new UnsupportedSchema(`${name}: array without items`);
      return fc.array(validValue(schema.items, name, pools), { maxLength: 3 });
    case 'object': {
      const props = schema.properties ?? {};
      const model: Record<string, fc.Arbitrary<Value>> = {};
      for (const [key, sub] of Object.entries(props)) model[key] = validValue(sub, key, pools);
      return fc.record(model, { requiredKeys: (schema.required ?? []).filter((k) => k in props) });
    }
    case undefined:
      // A schema without a type that is not anyOf/enum/const: anything goes, and is documented so.
      if (Object.keys(schema).every((k) => ['description', 'title', 'examples', 'default', 'deprecated'].includes(k))) return fc.jsonValue({ maxDepth: 2 });
      throw new UnsupportedSchema(`${name}: schema without a type: ${JSON.stringify(schema).slice(0, 200)}`);
    default:
      throw new UnsupportedSchema(`${name}: type ${String(types[0])} is not supported by the generator`);
  }
}

function validString(schema: Schema, name: string, pools: Pools): fc.Arbitrary<Value> {
  const minLength = schema.minLength ?? 0;
  const maxLength = schema.maxLength ?? 64;
  if (TOKEN_NAME.test(name) && pools.urlTokens.length) return refs(pools.urlTokens);
  switch (schema.format) {
    case 'email':
      return fc.oneof(refs(pools.emails), fc.emailAddress());
    case 'date-time':
      return fc.oneof(
        fc.date({ min: new Date('1990-01-01'), max: new Date('2040-01-01'), noInvalidDate: true }).map((d) => d.toISOString()),
        fc.date({ min: new Date('2000-01-01'), max: new Date(), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10)),
      );
    case 'date':
      return fc.date({ min: new Date('2000-01-01'), max: new Date(), noInvalidDate: true }).map((d) => d.toISOString().slice(0, 10));
    case 'binary':
      throw new UnsupportedSchema(`${name}: binary strings are only generated as multipart files`);
    case undefined:
    case 'uri':
      break;
    default:
      throw new UnsupportedSchema(`${name}: string format ${schema.format} is not supported by the generator`);
  }
  if (/password/i.test(name) && pools.passwords.length) {
    return fc.oneof(refs(pools.passwords), fc.string({ minLength, maxLength: Math.min(maxLength, 40) }));
  }
  if (schema.pattern) {
    // Without the u flag: the document's patterns name surrogate ranges (\ud800-\udfff) as UTF-16 code units.
    const re = new RegExp(schema.pattern);
    const lengthOk = (s: string) => s.length >= minLength && s.length <= maxLength;
    try {
      return fc.stringMatching(re).filter(lengthOk);
    } catch {
      // Lookaheads and the like: visible text, kept when it matches.
      return fc
        .string({ unit: 'grapheme', minLength: Math.max(1, minLength), maxLength: Math.min(maxLength, 40) })
        .filter((s) => re.test(s) && lengthOk(s));
    }
  }
  return fc.oneof(
    { weight: 3, arbitrary: fc.string({ unit: 'grapheme', minLength, maxLength: Math.min(maxLength, 40) }) },
    { weight: 1, arbitrary: fc.constant('x'.repeat(maxLength)) },
  );
}

/** Valid-shaped most of the time, hostile otherwise. */
function fieldValue(schema: Schema, name: string, pools: Pools): fc.Arbitrary<Value> {
  return fc.oneof({ weight: 3, arbitrary: validValue(schema, name, pools) }, { weight: 2, arbitrary: hostileJson() });
}

// ---------------------------------------------------------------- requests

export type Auth = { kind: 'ref'; name: string } | { kind: 'none' } | { kind: 'header'; value: string } | { kind: 'cookie'; value: string };

export type Body =
  | { kind: 'json'; value: Value; mutation: JsonMutation; contentType: string | null }
  | { kind: 'multipart'; parts: MultipartPart[]; mutation: MultipartMutation; contentType: string | null }
  | { kind: 'bytes'; data: string; contentType: string | null };

export type JsonMutation =
  | { kind: 'none' }
  | { kind: 'duplicate-key'; key: string; value: Value; first: boolean }
  | { kind: 'truncate'; at: number }
  | { kind: 'trailing'; text: string }
  | { kind: 'bom' }
  | { kind: 'invalid-utf8' }
  | { kind: 'raw-control-char' };

export type MultipartPart = { field: string; value: string } | { field: string; filename: string; file: string; contentType: string };
export type MultipartMutation = 'none' | 'no-closing-boundary' | 'wrong-boundary' | 'no-boundary-parameter' | 'truncated-part';

export interface FuzzCase {
  method: string;
  path: Record<string, Value>;
  /** Path segments sent as is (already percent-encoded or not at all: '..', '%00'). */
  rawPath: Record<string, string>;
  query: Array<[string, Value]>;
  auth: Auth;
  body?: Body;
  headers: Record<string, string>;
}

/** Bearer values that are not a valid credential. */
const GARBAGE_AUTH = [
  'Bearer',
  'Bearer ',
  'Bearer fm_',
  'Bearer fm_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'Bearer fms_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA',
  'Bearer  ',
  'bearer x',
  'Basic YWRtaW46YWRtaW4=',
  'Token abc',
  "Bearer ' OR 1=1 --",
  `Bearer ${'A'.repeat(5000)}`,
  'Bearer ../../etc/passwd',
  'Bearer \u00e9\u00e9',
  'Bearer a, Bearer b',
];

const RAW_SEGMENTS = ['..', '.', '%2e%2e', '..%2f..%2f..%2fetc%2fpasswd', '%00', '%ff', '%', '%zz', 'a%2fb', ';', 'a;b=c', '%20', '-', '%E2%80%AE', '%F0%9F%A7%8A', '%ed%a0%80'];

export const CONTENT_TYPES_HOSTILE = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data',
  'multipart/form-data; boundary=',
  'application/xml',
  'application/json-patch+json',
  'application/problem+json',
  'application/JSON',
  'application/json; charset=latin1',
  'application/json; charset=utf-16',
  'application/json;;;',
  '*/*',
  'a',
  ';',
  'application/octet-stream',
];

const ACCEPT_LANGUAGES = ['fr', 'en', 'de', '*', 'fr-CA;q=0.9, en;q=0.1', 'x'.repeat(2000), ';q=', 'zz-ZZ-ZZ', '\u00e9'];

/** Bytes of the files the multipart generator picks from (the suite supplies real pictures). */
export interface Files {
  [name: string]: Buffer;
}

function queryValue(schema: Schema, name: string, pools: Pools): fc.Arbitrary<Value> {
  return fc.oneof({ weight: 3, arbitrary: validValue(schema, name, pools) }, { weight: 2, arbitrary: hostileJson() });
}

function jsonBody(schema: Schema, pools: Pools, contentType: string): fc.Arbitrary<Body> {
  // The body as the schema has it, each field valid-shaped or hostile, sometimes with an unknown field or a required one missing.
  let shaped: fc.Arbitrary<Value>;
  if ((schema.type === 'object' || schema.properties) && !schema.anyOf) {
    const props = schema.properties ?? {};
    const model: Record<string, fc.Arbitrary<Value>> = {};
    for (const [key, sub] of Object.entries(props)) model[key] = fieldValue(sub, key, pools);
    const required = (schema.required ?? []).filter((k) => k in props);
    shaped = fc
      .tuple(
        fc.oneof(
          { weight: 4, arbitrary: fc.record(model, { requiredKeys: required }) },
          // valid-shaped in every field: the request goes as deep as it can
          { weight: 3, arbitrary: validValue(schema, '', pools) },
          { weight: 1, arbitrary: fc.record(model, { requiredKeys: [] }) },
        ),
        fc.option(fc.tuple(fc.constantFrom('unexpected', 'id', 'userId', 'user_id', 'role', 'isAdmin', '__proto__', '', '\u0000', 'é'), hostileJson()), { freq: 5 }),
      )
      .map(([obj, extra]) => (extra ? { ...(obj as object), [extra[0]]: extra[1] } : obj));
  } else {
    shaped = validValue(schema, 'body', pools);
  }
  const value = fc.oneof({ weight: 8, arbitrary: shaped }, { weight: 1, arbitrary: hostileJson() });
  const mutation: fc.Arbitrary<JsonMutation> = fc.oneof(
    { weight: 12, arbitrary: fc.constant<JsonMutation>({ kind: 'none' }) },
    {
      weight: 2,
      arbitrary: fc.record({
        kind: fc.constant('duplicate-key' as const),
        key: fc.constantFrom(...Object.keys(schema.properties ?? {}), 'a'),
        value: fc.oneof(hostileJson(), fc.constant(null)),
        first: fc.boolean(),
      }),
    },
    { weight: 1, arbitrary: fc.integer({ min: 0, max: 200 }).map<JsonMutation>((at) => ({ kind: 'truncate', at })) },
    { weight: 1, arbitrary: fc.constantFrom(' x', '}', ',', '\u0000', ' {}', '\n\n').map<JsonMutation>((text) => ({ kind: 'trailing', text })) },
    { weight: 1, arbitrary: fc.constantFrom<JsonMutation>({ kind: 'bom' }, { kind: 'invalid-utf8' }, { kind: 'raw-control-char' }) },
  );
  const type = fc.oneof(
    { weight: 12, arbitrary: fc.constant<string | null>(contentType) },
    { weight: 1, arbitrary: fc.constant<string | null>(`${contentType}; charset=utf-8`) },
    { weight: 2, arbitrary: fc.constantFrom<string | null>(null, ...CONTENT_TYPES_HOSTILE) },
  );
  return fc.record({ kind: fc.constant('json' as const), value, mutation, contentType: type });
}

function multipartBody(schema: Schema, pools: Pools, files: Files): fc.Arbitrary<Body> {
  const props = schema.properties ?? {};
  const fileFields = Object.entries(props).filter(([, s]) => s.format === 'binary' || s.items?.format === 'binary');
  if (!fileFields.length) throw new UnsupportedSchema('multipart body without a binary field');
  const textFields = Object.entries(props).filter(([, s]) => !(s.format === 'binary' || s.items?.format === 'binary'));
  const filename = fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom('soup.jpg', 'photo.png', 'IMG_0001.HEIC', 'notes.txt', 'a') },
    { weight: 2, arbitrary: fc.constantFrom(...HOSTILE_STRINGS.filter((s) => s.length < 300)) },
  );
  const filePart = fc.record({
    field: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...fileFields.map(([k]) => k)) }, { weight: 1, arbitrary: fc.constantFrom('other', '', 'file[]') }),
    filename,
    file: fc.constantFrom(...Object.keys(files)),
    contentType: fc.constantFrom('image/jpeg', 'application/octet-stream', 'text/plain', 'image/png', ''),
  });
  const textPart = fc.record({
    field: fc.oneof({ weight: 5, arbitrary: fc.constantFrom(...textFields.map(([k]) => k), 'caption') }, { weight: 1, arbitrary: fc.constantFrom('unexpected', 'user_id', '') }),
    value: fc.oneof(...textFields.map(([k, s]) => validValue(s, k, pools)), hostileJson()),
  });
  const parts = fc.array(fc.oneof({ weight: 1, arbitrary: textPart }, { weight: 2, arbitrary: filePart }), { maxLength: 6 });
  return fc.record({
    kind: fc.constant('multipart' as const),
    parts: parts as fc.Arbitrary<MultipartPart[]>,
    mutation: fc.oneof(
      { weight: 10, arbitrary: fc.constant<MultipartMutation>('none') },
      { weight: 1, arbitrary: fc.constantFrom<MultipartMutation>('no-closing-boundary', 'wrong-boundary', 'no-boundary-parameter', 'truncated-part') },
    ),
    contentType: fc.oneof({ weight: 10, arbitrary: fc.constant<string | null>('multipart/form-data') }, { weight: 1, arbitrary: fc.constantFrom<string | null>(null, 'application/json', 'text/plain') }),
  });
}

/** Credentials: the fixture's (write, read, another user's, an administrator's), none, or garbage. */
function authArb(op: Operation, authRefs: string[]): fc.Arbitrary<Auth> {
  const garbage = fc.oneof(
    fc.constantFrom(...GARBAGE_AUTH).map<Auth>((value) => ({ kind: 'header', value })),
    fc.constantFrom('fm_session=garbage', 'session=../../x', `session=${'a'.repeat(4000)}`).map<Auth>((value) => ({ kind: 'cookie', value })),
  );
  return fc.oneof(
    { weight: op.public ? 2 : 10, arbitrary: fc.constantFrom(...authRefs).map<Auth>((name) => ({ kind: 'ref', name })) },
    { weight: 1, arbitrary: fc.constant<Auth>({ kind: 'none' }) },
    { weight: 1, arbitrary: garbage },
  );
}

/**
 * The requests of one operation. `authRefs` name the fixture's bearer tokens; `files` the bytes the
 * multipart generator attaches.
 */
export function requestsFor(op: Operation, pools: Pools, authRefs: string[], files: Files): fc.Arbitrary<FuzzCase> {
  const pathParams = op.parameters.filter((p) => p.in === 'path');
  const queryParams = op.parameters.filter((p) => p.in === 'query');
  const other = op.parameters.filter((p) => p.in !== 'path' && p.in !== 'query');
  if (other.length) throw new UnsupportedSchema(`${op.method} ${op.path}: ${other[0]!.in} parameters are not supported by the generator`);
  const placeholders = [...op.path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]!);
  for (const name of placeholders) {
    if (!pathParams.some((p) => p.name === name)) throw new UnsupportedSchema(`${op.method} ${op.path}: {${name}} is not a documented parameter`);
  }

  const pathModel: Record<string, fc.Arbitrary<Value>> = {};
  for (const p of pathParams) pathModel[p.name] = fc.oneof({ weight: 4, arbitrary: validValue(p.schema, p.name, pools) }, { weight: 2, arbitrary: hostileJson() });
  const rawPath: fc.Arbitrary<Record<string, string>> = pathParams.length
    ? fc.option(fc.tuple(fc.constantFrom(...pathParams.map((p) => p.name)), fc.constantFrom(...RAW_SEGMENTS)), { freq: 8 }).map((o) => (o ? { [o[0]]: o[1] } : {}))
    : fc.constant({});

  const queryEntry = queryParams.length
    ? fc.oneof(
        { weight: 6, arbitrary: fc.constantFrom(...queryParams).chain((p) => queryValue(p.schema, p.name, pools).map((v): [string, Value] => [p.name, v])) },
        { weight: 1, arbitrary: fc.tuple(fc.constantFrom('unknown', '__proto__', 'limit[]', 'q[a]', '', 'constructor'), hostileJson()) },
      )
    : fc.tuple(fc.constantFrom('unknown', '__proto__', 'q'), hostileJson());
  const query = fc.array(queryEntry, { maxLength: queryParams.length ? Math.min(queryParams.length + 2, 6) : 1 }).map((entries) => entries as Array<[string, Value]>);

  let body: fc.Arbitrary<Body | undefined>;
  if (!op.body) {
    // A body where none belongs (JSON, or bytes with a content type).
    body = fc.option(
      fc.oneof(
        fc.record({ kind: fc.constant('json' as const), value: hostileJson(), mutation: fc.constant<JsonMutation>({ kind: 'none' }), contentType: fc.constantFrom<string | null>('application/json', 'text/plain', null) }),
        fc.record({ kind: fc.constant('bytes' as const), data: fc.constantFrom('', '{', 'x'.repeat(100_000)), contentType: fc.constantFrom<string | null>('application/json', 'application/octet-stream', null) }),
      ),
      { freq: 6 },
    ).map((b) => b ?? undefined);
  } else if (op.body.contentType === 'application/json') {
    const json = jsonBody(op.body.schema, pools, 'application/json');
    body = fc.oneof(
      { weight: 20, arbitrary: json },
      { weight: 1, arbitrary: fc.constant(undefined) },
      { weight: 1, arbitrary: fc.record({ kind: fc.constant('bytes' as const), data: fc.constantFrom('', ' ', 'x'.repeat(100_000), 'name=x&boxCount=1'), contentType: fc.constantFrom<string | null>('application/json', 'application/x-www-form-urlencoded', null) }) },
    );
  } else if (op.body.contentType === 'multipart/form-data') {
    body = fc.oneof({ weight: 12, arbitrary: multipartBody(op.body.schema, pools, files) }, { weight: 1, arbitrary: jsonBody({ type: 'object', properties: {} }, pools, 'application/json') }, { weight: 1, arbitrary: fc.constant(undefined) });
  } else {
    throw new UnsupportedSchema(`${op.method} ${op.path}: request content type ${op.body.contentType} has no generator`);
  }

  const headers = fc
    .record({ 'accept-language': fc.constantFrom(...ACCEPT_LANGUAGES), accept: fc.constantFrom('application/xml', '*/*', 'text/html', 'application/problem+json'), 'x-csrf-token': fc.constantFrom('x', '') }, { requiredKeys: [] })
    .map((h) => h as Record<string, string>);

  const method = fc.oneof({ weight: 30, arbitrary: fc.constant(op.method) }, { weight: 1, arbitrary: fc.constantFrom('GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS') });

  // Seed routes carry their credential in the URL (a path parameter): no header then, mostly.
  const auth = op.seed ? fc.oneof({ weight: 8, arbitrary: fc.constant<Auth>({ kind: 'none' }) }, { weight: 1, arbitrary: authArb(op, authRefs) }) : authArb(op, authRefs);

  return fc
    .record({ method, path: fc.record(pathModel), rawPath, query, auth, body, headers }, { requiredKeys: ['method', 'path', 'rawPath', 'query', 'auth', 'headers'] })
    .map((c) => Object.defineProperty(c, fc.toStringMethod, { value: () => compact(c), enumerable: false }) as FuzzCase);
}

/** A generated case as short text (long strings cut), for fast-check's counterexample line. */
export function compact(value: unknown): string {
  if (value instanceof Ref || value instanceof Raw) return String(value);
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 40)}…(${value.length} chars)` : value);
  if (Array.isArray(value)) return `[${value.map(compact).join(',')}]`;
  if (value !== null && typeof value === 'object') return `{${Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${compact(v)}`).join(',')}}`;
  return String(value);
}

// ---------------------------------------------------------------- wire format

export type Resolver = (ref: Ref) => unknown;

/** The JSON text of a value, Raw nodes as is, refs resolved; `dup` writes one key twice. */
export function toJson(value: Value, resolveRef: Resolver, dup?: { key: string; value: Value; first: boolean }): string {
  if (value instanceof Raw) return value.text;
  if (value instanceof Ref) return toJson(resolveRef(value), resolveRef);
  if (value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map((v) => toJson(v, resolveRef)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).map(([k, v]) => `${JSON.stringify(k)}:${toJson(v, resolveRef)}`);
    if (dup) {
      const extra = `${JSON.stringify(dup.key)}:${toJson(dup.value, resolveRef)}`;
      if (dup.first) entries.unshift(extra);
      else entries.push(extra);
    }
    return `{${entries.join(',')}}`;
  }
  return JSON.stringify(value);
}

/** A value as text for a URL (path segment or query value), before percent-encoding. */
export function toText(value: Value, resolveRef: Resolver): string {
  if (value instanceof Ref) return toText(resolveRef(value), resolveRef);
  if (value instanceof Raw) return value.text;
  if (typeof value === 'string') return value;
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'object') return toJson(value, resolveRef);
  return String(value);
}

/**
 * encodeURIComponent, except that lone surrogates (which it refuses) are written as the bytes
 * a careless client would send: CESU-style ED A0 80.
 */
export function encodeSegment(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < text.length && text.charCodeAt(i + 1) >= 0xdc00 && text.charCodeAt(i + 1) <= 0xdfff) {
      out += encodeURIComponent(text.slice(i, i + 2));
      i += 1;
    } else if (c >= 0xd800 && c <= 0xdfff) {
      out += [0xe0 | (c >> 12), 0x80 | ((c >> 6) & 0x3f), 0x80 | (c & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else {
      out += encodeURIComponent(text[i]!);
    }
  }
  return out;
}

export interface WireRequest {
  method: string;
  url: string;
  headers: Record<string, string>;
  body?: Buffer;
}

const HEADER_SAFE = (text: string) => text.replace(/[^\t\x20-\x7e\x80-\xff]/g, '?');

/** The bytes of one generated request. `authHeader(name)` gives the Authorization value of a fixture credential. */
export function toWire(op: Operation, c: FuzzCase, resolveRef: Resolver, authHeader: (name: string) => string, files: Files): WireRequest {
  let url = op.path.replace(/\{([^}]+)\}/g, (_m, name: string) => c.rawPath[name] ?? encodeSegment(toText(c.path[name], resolveRef)));
  if (c.query.length) url += `?${c.query.map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(toText(v, resolveRef))}`).join('&')}`;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(c.headers)) headers[k] = HEADER_SAFE(v);
  if (c.auth.kind === 'ref') headers.authorization = authHeader(c.auth.name);
  else if (c.auth.kind === 'header') headers.authorization = HEADER_SAFE(c.auth.value);
  else if (c.auth.kind === 'cookie') headers.cookie = HEADER_SAFE(c.auth.value);
  let body: Buffer | undefined;
  const b = c.body;
  if (b?.kind === 'json') {
    let text = toJson(b.value, resolveRef, b.mutation.kind === 'duplicate-key' ? b.mutation : undefined);
    let bytes: Buffer;
    switch (b.mutation.kind) {
      case 'truncate':
        text = text.slice(0, Math.min(b.mutation.at, Math.max(0, text.length - 1)));
        bytes = Buffer.from(text);
        break;
      case 'trailing':
        bytes = Buffer.from(text + b.mutation.text);
        break;
      case 'bom':
        bytes = Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(text)]);
        break;
      case 'invalid-utf8': {
        const at = Math.max(1, text.indexOf('"') + 1);
        bytes = Buffer.concat([Buffer.from(text.slice(0, at)), Buffer.from([0xff, 0xc3, 0x28]), Buffer.from(text.slice(at))]);
        break;
      }
      case 'raw-control-char': {
        const at = Math.max(1, text.indexOf('"') + 1);
        bytes = Buffer.from(`${text.slice(0, at)}\u0000\u0001\n${text.slice(at)}`);
        break;
      }
      default:
        bytes = Buffer.from(text);
    }
    body = bytes;
    if (b.contentType !== null) headers['content-type'] = b.contentType;
  } else if (b?.kind === 'bytes') {
    body = Buffer.from(b.data);
    if (b.contentType !== null) headers['content-type'] = b.contentType;
  } else if (b?.kind === 'multipart') {
    const boundary = 'fuzzBoundary7MA4YWxk';
    const chunks: Buffer[] = [];
    for (const part of b.parts) {
      if ('file' in part) {
        const data = files[part.file]!;
        chunks.push(
          Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${part.field}"; filename="${part.filename}"\r\n${part.contentType ? `Content-Type: ${part.contentType}\r\n` : ''}\r\n`),
          b.mutation === 'truncated-part' ? data.subarray(0, Math.floor(data.length / 2)) : data,
          Buffer.from('\r\n'),
        );
      } else {
        chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${part.field}"\r\n\r\n${toText(part.value, resolveRef)}\r\n`));
      }
    }
    if (b.mutation !== 'no-closing-boundary' && b.mutation !== 'truncated-part') chunks.push(Buffer.from(`--${boundary}--\r\n`));
    body = Buffer.concat(chunks);
    if (b.contentType === 'multipart/form-data') {
      headers['content-type'] = b.mutation === 'no-boundary-parameter' ? 'multipart/form-data' : `multipart/form-data; boundary=${b.mutation === 'wrong-boundary' ? 'other' : boundary}`;
    } else if (b.contentType !== null) {
      headers['content-type'] = b.contentType;
    }
  }
  return { method: c.method, url, headers, ...(body !== undefined ? { body } : {}) };
}

export interface WireResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
}

// A connection per request: a server closing a connection after refusing a body must not fail the next request.

/** Sends the bytes as they are (node:http: no URL normalisation, a body on any method, no implicit content type). */
export function send(base: string, req: WireRequest): Promise<WireResponse> {
  const target = new URL(base);
  return new Promise((resolve, reject) => {
    const r = http.request(
      {
        host: target.hostname,
        port: target.port,
        method: req.method,
        path: req.url,
        agent: false,
        headers: { ...req.headers, ...(req.body ? { 'content-length': String(req.body.length) } : {}) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    r.on('error', reject);
    r.end(req.body);
  });
}

/** A one-line description of a request, for failure messages. */
export function describeWire(req: WireRequest): string {
  const short = (s: string, n: number) => (s.length > n ? `${s.slice(0, n)}…(${s.length} chars)` : s);
  const headers = Object.entries(req.headers)
    .map(([k, v]) => `${k}: ${short(v.replace(/(fm[a-z]?_)[A-Za-z0-9_-]{8,}/g, '$1…'), 80)}`)
    .join(' | ');
  // Tokens (in seed-API URLs and headers) are cut so that failure output never holds a credential.
  const url = req.url.replace(/(fm[a-z]?_)[A-Za-z0-9_-]{8,}/g, '$1…');
  return `${req.method} ${short(url, 300)} [${headers}] body=${req.body ? JSON.stringify(short(req.body.toString('utf8'), 400)) : 'none'}`;
}
