import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import cookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { sql } from 'kysely';
import type { Config } from './config.js';
import { externalDataVersion, migrateToLatest, openDatabase, poolStats, type Db } from './db/database.js';
import { adminRoutes } from './features/admin/admin.routes.js';
import { freezersRoutes } from './features/freezers/freezers.routes.js';
import { photosUploadRoutes } from './features/photos/photos-upload.routes.js';
import { photosRoutes } from './features/photos/photos.routes.js';
import { passwordResetsRoutes } from './features/password-resets/password-resets.routes.js';
import { productsRoutes } from './features/products/products.routes.js';
import { SeedFormatError } from './features/seed-api/seed-api.format.js';
import { isSeedPath, renderSeedProblem, SEED_CORS, seedApiRoutes } from './features/seed-api/seed-api.routes.js';
import { sessionsRoutes } from './features/sessions/sessions.routes.js';
import { tokensRoutes } from './features/tokens/tokens.routes.js';
import { trendsRoutes } from './features/trends/trends.routes.js';
import { typesRoutes } from './features/types/types.routes.js';
import { usersRoutes } from './features/users/users.routes.js';
import { createMemoryCache, createRedisCache } from './lib/cache.js';
import { createMailer } from './lib/mailer.js';
import { schemaValidationError } from './lib/errors.js';
import { connectRedis } from './lib/redis.js';
import { registerAuth } from './plugins/auth.js';
import { registerCacheInvalidation } from './plugins/cache-invalidation.js';
import { registerCors, type CorsPolicy } from './plugins/cors.js';
import { languageFromHeader } from './i18n/messages.js';
import { PROBLEM_CONTENT_TYPE, clientErrorHandler, problem, registerErrorHandling, sendProblem } from './plugins/errors.js';
import { registerJsonBody } from './plugins/json-body.js';
import { loggerOptions, RequestLogController, requestLogger } from './plugins/logging.js';
import { createMetrics, registerMetrics } from './plugins/metrics.js';
import { registerResponseHeaders } from './plugins/security-headers.js';
import { registerValidators } from './plugins/validation.js';
import { createServices } from './services.js';

export interface BuildOptions {
  /** Replace the logger (tests capture log lines with a stream). */
  logger?: FastifyServerOptions['logger'] | FastifyServerOptions['loggerInstance'];
  loggerStream?: NodeJS.WritableStream;
  /** What GET /metrics answers instead of this process's metrics (a cluster worker: the whole cluster's). */
  metricsText?: () => Promise<string>;
  /** Bring the schema up to date (default); a cluster worker leaves it to the primary, which did it before forking. */
  migrate?: boolean;
}

const API_PREFIX = '/api/v1';

/** CORS of /api/v1: any origin (clients send their token in a header); a plain OPTIONS, without Origin, is answered like a preflight. */
const API_CORS: CorsPolicy = {
  methods: ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE'],
  exposedHeaders: ['retry-after', 'x-request-id'],
  maxAgeSeconds: 600,
};

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

/**
 * The client-side routes of the web app (web/src/routes.ts): a GET of one of them answers the app's
 * index.html, so a reload or a link from an e-mail (the password reset) opens the right page. Listed
 * one by one so that nothing else (/api, /docs, the seed API's root paths, /healthz) ever gets the app.
 */
export const WEB_APP_ROUTES = ['/', '/login', '/register', '/forgot-password', '/reset-password', '/account', '/products/*', '/photos', '/photos/*', '/trends', '/trends/*', '/admin', '/admin/*'];

/**
 * Serves the built web app (WEB_DIR, by default dist/web) at /: content-hashed files under /assets/
 * are cached for a year, index.html is revalidated on every load. Without a build, / answers a small
 * page pointing to the API.
 */
async function registerWebApp(app: FastifyInstance, webDir: string): Promise<void> {
  if (!fs.existsSync(path.join(webDir, 'index.html'))) {
    app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.type('text/html; charset=utf-8').send(HOME_PAGE));
    return;
  }
  await app.register(fastifyStatic, {
    root: webDir,
    prefix: '/',
    // One route per file found at start-up: a missing file is the API's ordinary 404, never the app.
    wildcard: false,
    index: false,
    // The build's .br and .gz copies (web/vite.config.ts) are sent instead of a file to a browser that takes
    // them (Content-Encoding, Vary: Accept-Encoding); they are not paths of their own.
    preCompressed: true,
    globIgnore: ['**/*.br', '**/*.gz'],
    cacheControl: false,
    setHeaders: (reply, filePath) => {
      const immutable = path.relative(webDir, filePath).startsWith(`assets${path.sep}`);
      reply.header('cache-control', immutable ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
  for (const url of WEB_APP_ROUTES) {
    app.get(url, { schema: { hide: true } }, async (_request, reply) => reply.sendFile('index.html'));
  }
}

/** Builds the whole application on the configured database. Never listens: server.ts and the tests do. */
export async function buildApp(config: Config, options: BuildOptions = {}): Promise<FastifyInstance> {
  // TLS_CERT/TLS_KEY: HTTPS with HTTP/2, and HTTP/1.1 for clients that do not speak it (config checked both files).
  const tls = config.tls
    ? { http2: true as const, https: { allowHTTP1: true, cert: fs.readFileSync(config.tls.certFile), key: fs.readFileSync(config.tls.keyFile) } }
    : {};
  const app = Fastify({
    ...(tls as object),
    logger: options.loggerStream ? { ...loggerOptions(config.logLevel), stream: options.loggerStream } : loggerOptions(config.logLevel),
    logController: new RequestLogController(),
    childLoggerFactory: requestLogger,
    genReqId: () => randomUUID(),
    requestIdHeader: false,
    bodyLimit: config.bodyLimit,
    trustProxy: config.trustProxy,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    ajv: { customOptions: { coerceTypes: 'array' } },
    schemaErrorFormatter: schemaValidationError,
    // What the HTTP parser refuses (URL or headers too large, not HTTP): the documented error shapes too.
    clientErrorHandler: clientErrorHandler(isSeedPath),
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
  const db: Db = openDatabase(config.database, {
    backgroundCheckpoints: true,
    onCheckpointError: (err) => app.log.error({ err }, 'the WAL checkpoint worker stopped; SQLite checkpoints in the commits again'),
    // Until it listens again, credentials and co-members are looked up on every request (nothing kept is served).
    onChangeFeedError: (err) => app.log.warn({ err }, 'the PostgreSQL change feed failed; it connects again'),
  });
  app.addHook('onClose', async () => {
    await db.destroy();
  });
  // Without Redis, each process keeps its own answers. On SQLite every key holds the file's data_version,
  // which a commit by any other connection moves: the other workers of `serve --workers N`, the CLI. On
  // PostgreSQL nothing tells a worker of another's writes, so workers keep nothing rather than serve
  // something stale.
  const externalVersion = externalDataVersion(db);
  const cache =
    redis && config.redis
      ? createRedisCache(redis, config.redis.prefix, app.log)
      : createMemoryCache(externalVersion ? { externalVersion } : config.workers > 1 ? { maxEntries: 0 } : {});
  const bullmq = redis ? await import('bullmq') : undefined;
  app.addHook('onClose', async () => {
    await cache.close();
    await redis?.quit().catch(() => redis.disconnect());
  });
  /** A rate limiter's counters: in Redis (one count for every instance) under their own key space, else in process. */
  const rateLimitStore = (name: string) => (redis && config.redis ? { redis, nameSpace: `${config.redis.prefix}rate:${name}:`, skipOnError: true } : {});
  if (options.migrate !== false) await migrateToLatest(db);

  const mailer = createMailer({ smtpUrl: config.smtpUrl, from: config.mailFrom, dataDir: config.dataDir, log: app.log });
  app.addHook('onClose', async () => mailer.close());

  app.decorate('config', config);
  app.decorate('db', db);
  app.decorate('services', createServices(db, config, mailer, app.log, { cache, redis, bullmq }));
  // Before the database closes (onClose hooks run last-registered first): the last uses of tokens seen by
  // the last requests.
  app.addHook('onClose', async () => app.services.auth.flush());
  // Photos: sweep what a crash left in the photo storage and resume previews once ready. Stop the preview
  // worker and the storage once in-flight requests are done (onClose, not preClose, which runs before they
  // finish) and before the database closes (onClose hooks run last-registered first).
  app.addHook('onReady', async () => app.services.photos.start());
  app.addHook('onClose', async () => app.services.photos.close());

  // Prometheus metrics, when someone can read them (METRICS_TOKEN or METRICS_PORT): every request counted by
  // route template; GET /metrics on this port only behind METRICS_TOKEN. Off, they cost nothing per request.
  const metricsOn = config.metrics.token !== undefined || config.metrics.port !== undefined;
  const metrics = createMetrics(
    {
      previewQueueDepth: () => app.services.photos.previewsPending(),
      previewQueueShared: config.redis !== undefined,
      ...(config.database.kind === 'postgres' ? { poolStats: () => poolStats(db) ?? { total: 0, idle: 0, waiting: 0 } } : {}),
    },
    { processMetrics: metricsOn },
  );
  app.decorate('metrics', metrics);
  if (metricsOn) registerMetrics(app, metrics, { token: config.metrics.token, ...(options.metricsText ? { text: options.metricsText } : {}) });

  registerValidators(app);
  const notFound = registerErrorHandling(app, config.bodyLimit);
  // JSON only: a text/plain body on a JSON route is a 415, not a string that fails validation.
  app.removeContentTypeParser('text/plain');
  registerJsonBody(app);
  registerCacheInvalidation(app);

  const https = config.publicUrl.startsWith('https:') || config.tls !== undefined;
  registerResponseHeaders(app, {
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

  await registerWebApp(app, config.webDir);

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
      registerCors(api, API_CORS);
      if (config.rateLimitPerMinute > 0) await api.register(rateLimit, { max: config.rateLimitPerMinute, timeWindow: 60_000, ...rateLimitStore('api:minute') });
      if (config.rateLimitPerDay > 0) await api.register(rateLimit, { max: config.rateLimitPerDay, timeWindow: 86_400_000, ...rateLimitStore('api:day') });
      // The scope's own 404s and 405s: its hooks (CORS) run for them too, so a page can read them.
      api.setNotFoundHandler(notFound);
      registerAuth(api);
      for (const routes of [usersRoutes, sessionsRoutes, passwordResetsRoutes, tokensRoutes, typesRoutes, freezersRoutes, productsRoutes, trendsRoutes, adminRoutes, photosRoutes, photosUploadRoutes]) {
        await api.register(routes);
      }
    },
    { prefix: API_PREFIX },
  );

  // The seed API (the report's routes, at the root path): its own CORS, the same per-IP limits as /api/v1.
  await app.register(async (seed) => {
    registerCors(seed, SEED_CORS);
    if (config.rateLimitPerMinute > 0) await seed.register(rateLimit, { max: config.rateLimitPerMinute, timeWindow: 60_000, ...rateLimitStore('seed:minute') });
    if (config.rateLimitPerDay > 0) await seed.register(rateLimit, { max: config.rateLimitPerDay, timeWindow: 86_400_000, ...rateLimitStore('seed:day') });
    await seed.register(seedApiRoutes);
  });

  return app;
}
