import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import cors from '@fastify/cors';
import helmet from '@fastify/helmet';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import type { Config } from './config.js';
import { migrateToLatest, openDatabase, type Db } from './db/database.js';
import { adminRoutes } from './features/admin/admin.routes.js';
import { freezersRoutes } from './features/freezers/freezers.routes.js';
import { photosUploadRoutes } from './features/photos/photos-upload.routes.js';
import { photosRoutes } from './features/photos/photos.routes.js';
import { passwordResetsRoutes } from './features/password-resets/password-resets.routes.js';
import { productsRoutes } from './features/products/products.routes.js';
import { SeedFormatError } from './features/seed-api/seed-api.format.js';
import { isSeedPath, renderSeedProblem, seedApiRoutes, seedCorsOptions } from './features/seed-api/seed-api.routes.js';
import { sessionsRoutes } from './features/sessions/sessions.routes.js';
import { tokensRoutes } from './features/tokens/tokens.routes.js';
import { trendsRoutes } from './features/trends/trends.routes.js';
import { typesRoutes } from './features/types/types.routes.js';
import { usersRoutes } from './features/users/users.routes.js';
import { createMemoryCache, createRedisCache } from './lib/cache.js';
import { createMailer } from './lib/mailer.js';
import { connectRedis } from './lib/redis.js';
import { registerAuth } from './plugins/auth.js';
import { registerCacheInvalidation } from './plugins/cache-invalidation.js';
import { languageFromHeader } from './i18n/messages.js';
import { PROBLEM_CONTENT_TYPE, problem, registerErrorHandling, sendProblem } from './plugins/errors.js';
import { registerJsonBody } from './plugins/json-body.js';
import { loggerOptions } from './plugins/logging.js';
import { registerValidators } from './plugins/validation.js';
import { createServices } from './services.js';

export interface BuildOptions {
  /** Replace the logger (tests capture log lines with a stream). */
  logger?: FastifyServerOptions['logger'] | FastifyServerOptions['loggerInstance'];
  loggerStream?: NodeJS.WritableStream;
}

const API_PREFIX = '/api/v1';

const HOME_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Freezer Manager</title></head>
<body>
<h1>Freezer Manager</h1>
<p>Every freezer, box, slot and product of a household, behind per-user tokens.</p>
<ul>
<li><a href="/docs">API documentation</a></li>
<li><a href="/openapi.json">OpenAPI document</a></li>
</ul>
</body>
</html>
`;

/** Builds the whole application on the configured database. Never listens: server.ts and the tests do. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  const app = Fastify({
    logger: options.loggerStream ? { ...loggerOptions(config.logLevel), stream: options.loggerStream } : loggerOptions(config.logLevel),
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    ajv: { customOptions: { coerceTypes: 'array' } },
    // A URL the router cannot read (bad percent-encoding, a segment over maxParamLength): 400, without
    // repeating the URL (Fastify's default answer does; seed-API URLs carry tokens).
    frameworkErrors: (_error, request, reply) => {
      const p = problem(languageFromHeader(request.headers['accept-language']), 400, 'validation-failed', { summary: 'the URL is not valid' });
      if (isSeedPath(request.url)) return renderSeedProblem(request, reply, p, new SeedFormatError('bad-url'));
      return (reply as FastifyReply).code(400).type(PROBLEM_CONTENT_TYPE).send(p);
    },
  }).withTypeProvider<TypeBoxTypeProvider>();

  // With REDIS_URL, instances share rate limits, the response cache and preview jobs; Redis unreachable: no start.
  const redis = config.redis ? await connectRedis(config.redis) : undefined;
  const cache = redis && config.redis ? createRedisCache(redis, config.redis.prefix, app.log) : createMemoryCache();
  const bullmq = redis ? await import('bullmq') : undefined;
  app.addHook('onClose', async () => {
    await cache.close();
    await redis?.quit().catch(() => redis.disconnect());
  });
  /** A rate limiter's counters: in Redis (one count for every instance) under their own key space, else in process. */
  const rateLimitStore = (name: string) => (redis && config.redis ? { redis, nameSpace: `${config.redis.prefix}rate:${name}:`, skipOnError: true } : {});

  const db: Db = openDatabase(config.database);
  app.addHook('onClose', async () => {
    await db.destroy();
  });
  await migrateToLatest(db);

  const mailer = createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, dataDir: config.dataDir, log: app.log });
  app.addHook('onClose', async () => mailer.close());

  app.decorate('config', config);
  app.decorate('db', db);
  app.decorate('services', createServices(db, config, mailer, app.log, { cache, redis, bullmq }));
  // Photos: sweep what a crash left in the photo storage and resume previews once ready; stop the preview worker before the database closes.
  app.addHook('onReady', async () => app.services.photos.start());
  app.addHook('preClose', async () => app.services.photos.close());

  registerValidators(app);
  registerErrorHandling(app, config.bodyLimit);
  // JSON only: a text/plain body on a JSON route is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');
  registerJsonBody(app);
  app.addHook('onSend', async (request, reply, payload) => {
    reply.header('x-request-id', request.id);
    return payload;
  });
  registerCacheInvalidation(app);

  const https = config.publicUrl.startsWith('https:');
  await app.register(helmet, {
    contentSecurityPolicy: {
      directives: {
        'img-src': ["'self'", 'data:', 'blob:'],
        // On a plain-HTTP home network, upgrading requests to HTTPS would break every page.
        'upgrade-insecure-requests': https ? [] : null,
      },
    },
    // HSTS only means something when the public address is HTTPS.
    hsts: https,
    crossOriginResourcePolicy: { policy: 'cross-origin' },
  });
  await app.register(cookie);

  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Freezer Manager API',
        version: '1.0.0',
        description:
          'Every freezer, box, slot and product of a household, behind per-user tokens. Authenticate with `Authorization: Bearer <token>` (get one from `POST /api/v1/users` or `POST /api/v1/tokens`). Errors are `application/problem+json`.',
      },
      servers: [{ url: config.publicUrl }],
      components: {
        securitySchemes: {
          bearerAuth: { type: 'http', scheme: 'bearer', description: 'An API token' },
          cookieAuth: { type: 'apiKey', in: 'cookie', name: 'fm_session', description: 'The web app’s session (writes also need X-CSRF-Token)' },
        },
      },
      security: [{ bearerAuth: [] }, { cookieAuth: [] }],
      tags: [
        { name: 'account', description: 'Sign up, log in, settings, password reset' },
        { name: 'tokens', description: 'Personal API tokens' },
        { name: 'types', description: 'Product types (admins change them)' },
        { name: 'freezers', description: 'Freezers and their boxes' },
        { name: 'products', description: 'What is inside, and the history' },
        { name: 'trends', description: 'What people store and eat' },
        { name: 'photos', description: 'Photos of products and boxes: bulk upload, previews, share links, search' },
        { name: 'admin', description: 'Administration' },
        { name: 'health', description: 'Probes' },
        {
          name: 'seed-api',
          description:
            'Deprecated: the routes of the original freezer-manager report (section 4.3), at the root path, for clients written against it. The token travels in the URL (it is never logged); errors are `{"status", "details"}`. Use the /api/v1 equivalent named in each route.',
        },
      ],
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/docs',
    staticCSP: true,
    transformStaticCSP: (header) => (https ? header : header.replace(/\s*upgrade-insecure-requests;?/, '')),
    uiConfig: { validatorUrl: null, deepLinking: true },
  });
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  // The web app will live here; until then, a page that names the product and points to the API.
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(HOME_PAGE));

  app.get(
    '/healthz',
    { schema: { tags: ['health'], summary: 'Liveness: 200 while the process runs', security: [], response: { 200: { type: 'object', properties: { status: { type: 'string' } } } } } },
    async () => ({ status: 'ok' }),
  );
  app.get(
    '/readyz',
    {
      schema: {
        tags: ['health'],
        summary: 'Readiness: 200 when the database answers',
        security: [],
        response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
      },
    },
    async (request, reply) => {
      try {
        await sql`select 1`.execute(db);
        try {
          await app.services.photos.checkStorage();
        } catch (err) {
          request.log.error({ err }, 'readiness check failed: photo storage');
          return sendProblem(request, reply, 503, 'not-ready', { reason: 'photo storage' });
        }
        return { status: 'ready' };
      } catch (err) {
        request.log.error({ err }, 'readiness check failed');
        return sendProblem(request, reply, 503, 'not-ready', { reason: 'database' });
      }
    },
  );

  await app.register(
    async (api) => {
      await api.register(cors, { origin: '*', methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'], exposedHeaders: ['retry-after', 'x-request-id'], maxAge: 600 });
      if (config.rateLimitPerMinute > 0) await api.register(rateLimit, { max: config.rateLimitPerMinute, timeWindow: 60_000, ...rateLimitStore('api:minute') });
      if (config.rateLimitPerDay > 0) await api.register(rateLimit, { max: config.rateLimitPerDay, timeWindow: 86_400_000, ...rateLimitStore('api:day') });
      registerAuth(api);
      api.addHook('preValidation', async (request) => {
        if (request.body === undefined && request.routeOptions.config?.optionalBody) request.body = {};
      });
      for (const routes of [usersRoutes, sessionsRoutes, passwordResetsRoutes, tokensRoutes, typesRoutes, freezersRoutes, productsRoutes, trendsRoutes, adminRoutes, photosRoutes, photosUploadRoutes]) {
        await api.register(routes);
      }
    },
    { prefix: API_PREFIX },
  );

  // The seed API (the report's routes, at the root path): its own CORS, the same per-IP limits as /api/v1.
  await app.register(async (seed) => {
    await seed.register(cors, seedCorsOptions);
    if (config.rateLimitPerMinute > 0) await seed.register(rateLimit, { max: config.rateLimitPerMinute, timeWindow: 60_000, ...rateLimitStore('seed:minute') });
    if (config.rateLimitPerDay > 0) await seed.register(rateLimit, { max: config.rateLimitPerDay, timeWindow: 86_400_000, ...rateLimitStore('seed:day') });
    await seed.register(seedApiRoutes);
  });

  return app;
}
