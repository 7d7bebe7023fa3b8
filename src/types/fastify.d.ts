import 'fastify';
import type { Authenticated } from '../features/sessions/auth.service.js';
import type { Services } from '../services.js';
import type { Config } from '../config.js';
import type { Db } from '../db/database.js';
import type { ProblemRenderer } from '../plugins/errors.js';
import type { AppMetrics } from '../plugins/metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    services: Services;
    db: Db;
    config: Config;
    metrics: AppMetrics;
  }
  interface FastifyRequest {
    /** Set by the auth hook on authenticated routes. */
    auth: Authenticated | null;
  }
  interface FastifyContextConfig {
    /** Who may call the route; API routes default to 'user'. */
    auth?: 'public' | 'user' | 'admin';
    /** A POST whose JSON body may be left out entirely (treated as {}). */
    optionalBody?: boolean;
    /** Renders an error answer in another shape than problem+json (the seed API's {status, details}). */
    renderProblem?: ProblemRenderer;
  }
}
