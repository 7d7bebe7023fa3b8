/**
 * The seed API: the nine routes of the freezer-manager report (section 4.3), at the root path with the
 * same URIs, methods, JSON field names, status codes and {status, details} errors, so that a client
 * written against the report works unchanged. Every route translates its URI and JSON and calls the
 * same services as /api/v1: no rule is implemented twice.
 *
 * Deprecated in favour of /api/v1: the token travels in the URL. src/plugins/logging.ts redacts it
 * from every logged URL, and no `details` text ever repeats the URL.
 */
import type { FastifyPluginAsync, FastifyReply, FastifyRequest, RouteShorthandOptions } from 'fastify';
import { languageFromHeader, type Language } from '../../i18n/messages.js';
import type { Actor } from '../../lib/actor.js';
import { AppError } from '../../lib/errors.js';
import { todayUtc } from '../../lib/time.js';
import { actorOf } from '../../plugins/auth.js';
import { sendCached } from '../../plugins/cached-answers.js';
import type { CorsPolicy } from '../../plugins/cors.js';
import { appendRouteHook } from '../../plugins/route-hooks.js';
import type { Problem, ProblemRenderer } from '../../plugins/errors.js';
import type { ProductDto } from '../products/products.dto.js';
import {
  SeedFormatError,
  freezerChanges,
  freezerIdOf,
  newFreezer,
  newProduct,
  productChanges,
  seedCustomTrend,
  seedFreezer,
  seedGeneralTrend,
  seedNextIds,
  seedProduct,
  seedType,
} from './seed-api.format.js';
import { seedMessage, type SeedMessageKey, type SeedMessageParams } from './seed-api.messages.js';
import * as S from './seed-api.schemas.js';

/** The first path segment of every seed route. */
export const SEED_ROUTES = [
  'check_token',
  'types',
  'freezers',
  'freezer_next_id',
  'get_product',
  'add_product',
  'update_product',
  'general_tendency',
  'custom_tendency',
] as const;
const SEED_SEGMENTS = new Set<string>(SEED_ROUTES);

export function isSeedPath(url: string): boolean {
  const path = url.split('?', 1)[0] ?? '';
  return SEED_SEGMENTS.has(path.split('/')[1] ?? '');
}

/**
 * CORS of the seed scope, any origin. Its OPTIONS route is at the root path, where it sees every OPTIONS
 * request of the app: preflights are answered for the seed paths only (the others get a 404).
 */
export const SEED_CORS: CorsPolicy = {
  methods: ['GET', 'HEAD', 'POST', 'PUT', 'DELETE'],
  allowedHeaders: ['Content-Type', 'Accept', 'Accept-Language'],
  exposedHeaders: ['retry-after', 'x-request-id'],
  maxAgeSeconds: 600,
  preflightFor: isSeedPath,
};

/** The token owner's language when known, else the Accept-Language header's. */
function languageOf(request: FastifyRequest): Language {
  return request.auth?.user.language ?? languageFromHeader(request.headers['accept-language']);
}

/** The report's status codes: a token that does not check out, and another user's objects, are 400. */
function seedStatus(status: number, key: string): number {
  if (status === 404) return key === 'route-not-found' ? 404 : 400;
  if (status === 401 || status === 409 || status === 422) return 400;
  return status;
}

/** Renders every error of the seed routes (and the 404/405 under their paths) as {status, details}, with CORS. */
export const renderSeedProblem: ProblemRenderer = (request: FastifyRequest, reply: FastifyReply, p: Problem, error?: unknown) => {
  let key = p.type.slice(p.type.lastIndexOf(':') + 1);
  let params: SeedMessageParams = {};
  if (error instanceof SeedFormatError) {
    key = error.seedKey;
    params = error.seedParams;
  } else if (error instanceof AppError) {
    key = error.key;
    params = error.params;
  }
  if (key === 'rate-limited') params = { retryAfter: String(reply.getHeader('retry-after') ?? 60) };
  if (key === 'internal-error') params = { requestId: String(request.id) };
  const status = seedStatus(p.status, key);
  reply.header('access-control-allow-origin', '*');
  reply.header('access-control-expose-headers', 'retry-after, x-request-id');
  return reply
    .code(status)
    .type('application/json; charset=utf-8')
    .send({ status, details: seedMessage(languageOf(request), key, params, status) });
};

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const WRITE_METHODS = new Set(['POST', 'PUT', 'DELETE']);
const MAX_ID = 2147483647;

/** An integer path segment (the route's pattern already made sure it is digits); out of range: an id that matches nothing. */
function pathInt(value: string): number {
  const n = Number(value);
  return Number.isSafeInteger(n) && n <= MAX_ID ? n : -1;
}

function done(request: FastifyRequest, reply: FastifyReply, key: SeedMessageKey, params: SeedMessageParams = {}) {
  return reply.code(200).type('application/json; charset=utf-8').send({ status: 200, details: seedMessage(languageOf(request), key, params) });
}

const INT = '(^\\d+$)';

export const seedApiRoutes: FastifyPluginAsync = async (app) => {
  if (!app.hasRequestDecorator('auth')) app.decorateRequest('auth', null);

  /**
   * The token of the URL, checked on every seed route as its last onRequest hook (after the rate
   * limiter's, added by the scope's onRoute hook before this one), before any body is read.
   */
  async function authenticate(request: FastifyRequest): Promise<void> {
    if (request.method === 'OPTIONS') return;
    const token = (request.params as { token?: string }).token ?? '';
    const found = token && token.length <= 512 ? await app.services.auth.authenticateToken(token) : undefined;
    if (found === 'disabled') throw new AppError(401, 'account-disabled');
    if (!found) throw new AppError(401, 'token-invalid');
    request.auth = found;
    if (found.scope === 'read' && !SAFE_METHODS.has(request.method)) throw new AppError(403, 'read-only-token');
  }

  app.addHook('onRoute', (route) => {
    if (route.config?.renderProblem !== renderSeedProblem) return;
    appendRouteHook(route, 'onRequest', authenticate);
  });

  // The report: a write whose body is not application/json is a 415, even without a body.
  app.addHook('preValidation', async (request) => {
    if (!WRITE_METHODS.has(request.method)) return;
    const mime = String(request.headers['content-type'] ?? '')
      .split(';', 1)[0]!
      .trim()
      .toLowerCase();
    if (mime !== 'application/json') throw new AppError(415, 'unsupported-media-type', { contentType: mime.slice(0, 100) });
  });

  /** Route options shared by every seed route: the schemas document, the handlers check; answers are sent as built. */
  const route = (schema: Record<string, unknown>): RouteShorthandOptions => ({
    config: { renderProblem: renderSeedProblem },
    schema: { tags: ['seed-api'], deprecated: true, security: [], ...schema },
    validatorCompiler: () => () => true,
    serializerCompiler: () => (data: unknown) => JSON.stringify(data),
  });

  const instead = (v1: string) => `Deprecated (the token travels in the URL): use \`${v1}\` with \`Authorization: Bearer <token>\` instead.`;

  // ---- token and types ----

  app.get(
    '/check_token/:token',
    route({
      summary: 'Check a token',
      description: `200 {"status": 200, "details": "..."} when the token is valid; 400 otherwise. ${instead('GET /api/v1/me')}`,
      params: S.TokenParams,
      response: S.seedResponses(undefined),
    }),
    async (request, reply) => done(request, reply, 'token-valid'),
  );

  app.get(
    '/types/:token',
    route({ summary: 'The product types', description: instead('GET /api/v1/types'), params: S.TokenParams, response: S.seedResponses(S.SeedTypes) }),
    async (request) => (await app.services.types.list(actorOf(request))).map(seedType),
  );

  // ---- freezers ----

  app.get(
    '/freezers/:token',
    route({ summary: 'Your freezers', description: instead('GET /api/v1/freezers'), params: S.TokenParams, response: S.seedResponses(S.SeedFreezers) }),
    async (request) => (await app.services.freezers.list(actorOf(request))).map(seedFreezer),
  );

  app.post(
    '/freezers/:token',
    route({
      summary: 'Add a freezer',
      description: instead('POST /api/v1/freezers'),
      params: S.TokenParams,
      body: S.NewFreezerBody,
      response: S.seedResponses(undefined, 403, 413, 415),
    }),
    async (request, reply) => {
      const input = newFreezer(request.body);
      const created = await app.services.freezers.create(actorOf(request), input);
      return done(request, reply, 'freezer-added', { id: created.id });
    },
  );

  app.put(
    '/freezers/:token',
    route({
      summary: 'Rename a freezer or change its number of boxes',
      description: `"" leaves a field unchanged; a freezer cannot have fewer boxes than the highest box holding a product. ${instead('PATCH /api/v1/freezers/{id}')}`,
      params: S.TokenParams,
      body: S.FreezerUpdateBody,
      response: S.seedResponses(undefined, 403, 413, 415),
    }),
    async (request, reply) => {
      const { id, changes } = freezerChanges(request.body);
      await app.services.freezers.update(actorOf(request), id, changes);
      return done(request, reply, 'freezer-updated', { id });
    },
  );

  app.delete(
    '/freezers/:token',
    route({
      summary: 'Delete a freezer',
      description: `Only a freezer that never held a product (inside or in its history); otherwise 400. ${instead('DELETE /api/v1/freezers/{id}')}`,
      params: S.TokenParams,
      body: S.FreezerDeleteBody,
      response: S.seedResponses(undefined, 403, 413, 415),
    }),
    async (request, reply) => {
      const id = freezerIdOf(request.body);
      await app.services.freezers.delete(actorOf(request), id);
      return done(request, reply, 'freezer-deleted', { id });
    },
  );

  app.get(
    `/freezer_next_id/:freezer_id${INT}/:token`,
    route({
      summary: 'The next free number of every box of a freezer',
      description: `{"<box>": <smallest number no product inside that box uses>, ...}. ${instead('GET /api/v1/freezers/{id}/next-slots')}`,
      params: S.FreezerParams,
      response: S.seedResponses(S.SeedNextIds),
    }),
    async (request) => {
      const { freezer_id } = request.params as { freezer_id: string };
      return seedNextIds(await app.services.freezers.nextSlots(actorOf(request), pathInt(freezer_id)));
    },
  );

  // ---- products ----

  app.get(
    `/get_product/:param/:freezer_id${INT}/:token`,
    route({
      summary: 'Your products: all, inside or outside, of one freezer or (0) of all',
      description: instead('GET /api/v1/products?status=all|inside|outside&freezerId=…'),
      params: S.GetProductParams,
      response: S.seedResponses(S.SeedProducts),
    }),
    async (request, reply) => {
      const { param, freezer_id } = request.params as { param: string; freezer_id: string };
      if (param !== 'all' && param !== 'inside' && param !== 'outside') throw new SeedFormatError('bad-param');
      const actor = actorOf(request);
      const freezerId = pathInt(freezer_id);
      return sendCached(app, request, reply, { namespace: 'seed-get-product', scope: 'user', key: `${todayUtc()}|${param}|${freezerId}` }, async () => {
        // A freezer that is not the caller's is a 400, not an empty list (an error is never kept).
        if (freezerId !== 0) await app.services.freezers.get(actor, freezerId);
        const page = await app.services.products.list(actor, {
          status: param,
          ...(freezerId !== 0 ? { freezerId } : {}),
          sort: 'location',
          order: 'asc',
          limit: 1_000_000,
        });
        return page.items.map(seedProduct);
      });
    },
  );

  app.post(
    '/add_product/:token',
    route({
      summary: 'Put a product in a freezer',
      description: `Every key is required; numbers may be sent as strings, dates as date-times. ${instead('POST /api/v1/products')}`,
      params: S.TokenParams,
      body: S.NewProductBody,
      response: S.seedResponses(undefined, 403, 413, 415),
    }),
    async (request, reply) => {
      const input = newProduct(request.body);
      const created = await app.services.products.create(actorOf(request), input);
      return done(request, reply, 'product-added', { id: created.id });
    },
  );

  /**
   * The product a seed URL names: inside > 0, the one inside that slot; otherwise the one most
   * recently taken out of it. A freezer that is not the caller's is refused first.
   */
  async function productAt(actor: Actor, freezerId: number, box: number, slot: number, inside: boolean): Promise<ProductDto> {
    await app.services.freezers.get(actor, freezerId);
    const { items } = await app.services.products.list(actor, {
      status: inside ? 'inside' : 'outside',
      freezerId,
      box,
      sort: inside ? 'location' : 'dateOut',
      order: inside ? 'asc' : 'desc',
      limit: 1_000_000,
    });
    const found = items.find((p) => p.slot === slot);
    if (!found) throw new AppError(404, 'product-not-found');
    return found;
  }

  app.post(
    `/update_product/:freezer_id${INT}/:box_num${INT}/:prod_num${INT}/:inside${INT}/:token`,
    route({
      summary: 'Change a product, take it out or put it back',
      description: `The add_product object plus date_out, every key required in any order; "" keeps a field's value, "date_out": null puts the product back inside, a move to a taken number answers 400. ${instead('PATCH /api/v1/products/{id}')}`,
      params: S.UpdateProductParams,
      body: S.ProductUpdateBody,
      response: S.seedResponses(undefined, 403, 413, 415),
    }),
    async (request, reply) => {
      const params = request.params as { freezer_id: string; box_num: string; prod_num: string; inside: string };
      const changes = productChanges(request.body);
      const actor = actorOf(request);
      const product = await productAt(actor, pathInt(params.freezer_id), pathInt(params.box_num), pathInt(params.prod_num), pathInt(params.inside) > 0);
      if (Object.keys(changes).length === 0) return done(request, reply, 'nothing-to-update');
      await app.services.products.update(actor, product.id, changes);
      return done(request, reply, 'product-updated', { id: product.id });
    },
  );

  // ---- trends ----

  app.get(
    '/general_tendency/:token',
    route({
      summary: 'How often each product type appears, among everybody’s products',
      description: `Most frequent first; a JSON array (the report's \`{ [...] }\` is not valid JSON). ${instead('GET /api/v1/trends/general')}`,
      params: S.TokenParams,
      response: S.seedResponses(S.SeedGeneralTrend),
    }),
    async (request, reply) =>
      sendCached(app, request, reply, { namespace: 'seed-general-tendency', scope: 'everybody', key: '' }, async () =>
        (await app.services.trends.general(actorOf(request), 100_000)).map(seedGeneralTrend),
      ),
  );

  app.get(
    '/custom_tendency/:token',
    route({
      summary: 'Your product types: latest taken out first, then the most frequent',
      description: `A JSON array; \`latest\` is null for a type never taken out. ${instead('GET /api/v1/trends/personal')}`,
      params: S.TokenParams,
      response: S.seedResponses(S.SeedCustomTrend),
    }),
    async (request, reply) =>
      sendCached(app, request, reply, { namespace: 'seed-custom-tendency', scope: 'user', key: '' }, async () =>
        (await app.services.trends.personal(actorOf(request), 100_000)).map(seedCustomTrend),
      ),
  );
};
