import type { FastifyBaseLogger } from 'fastify';
import type { Config } from './config.js';
import type { Db } from './db/database.js';
import { createAdminService } from './features/admin/admin.service.js';
import { createFreezersService } from './features/freezers/freezers.service.js';
import { createPhotosServiceFor } from './features/photos/photos.service.js';
import { createPasswordResetsService } from './features/password-resets/password-resets.service.js';
import { createProductsService } from './features/products/products.service.js';
import { createAuthService } from './features/sessions/auth.service.js';
import { createTokensService } from './features/tokens/tokens.service.js';
import { createTrendsService } from './features/trends/trends.service.js';
import { createTypesService } from './features/types/types.service.js';
import { createUsersService } from './features/users/users.service.js';
import type { Redis } from 'ioredis';
import type { Cache } from './lib/cache.js';
import type { Mailer } from './lib/mailer.js';

/** What instances share: the response cache (in process, or in Redis); with REDIS_URL, the client and the job queue module. */
export interface Shared {
  cache: Cache;
  redis: Redis | undefined;
  bullmq: typeof import('bullmq') | undefined;
}

/** Every service, built once per app over one database handle. Routes and the CLI use these, never repositories. */
export function createServices(db: Db, config: Config, mailer: Mailer, log: FastifyBaseLogger, shared: Shared) {
  const auth = createAuthService(db, { sessionTtlDays: config.sessionTtlDays, onTouchError: (err) => log.warn({ err }, 'could not record when API tokens were last used') });
  return {
    /** The response cache (trends, photo search); `stats()` counts hits and misses. */
    cache: shared.cache,
    auth,
    users: createUsersService(db),
    tokens: createTokensService(db, { lastUsesWritten: auth.flush }),
    passwordResets: createPasswordResetsService(db, mailer, { publicUrl: config.publicUrl, ttlMinutes: config.passwordResetTtlMinutes, log }),
    types: createTypesService(db),
    freezers: createFreezersService(db),
    products: createProductsService(db),
    trends: createTrendsService(db),
    admin: createAdminService(db),
    photos: createPhotosServiceFor(db, config, log, shared),
  };
}

export type Services = ReturnType<typeof createServices>;
