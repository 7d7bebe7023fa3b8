import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { csrfTokenFor } from '../features/sessions/auth.service.js';
import type { Actor } from '../lib/actor.js';
import { AppError } from '../lib/errors.js';
import { safeEqual } from '../lib/secrets.js';
import { appendRouteHook } from './route-hooks.js';

export const SESSION_COOKIE = 'fm_session';
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The authenticated caller as the services see it. Only valid on authenticated routes. */
export function actorOf(request: FastifyRequest): Actor {
  const auth = request.auth;
  if (!auth) throw new AppError(401, 'auth-required');
  return { userId: auth.user.id, role: auth.user.role, language: auth.user.language, ip: request.ip };
}

function bearer(request: FastifyRequest): string | undefined {
  const header = request.headers.authorization;
  if (!header) return undefined;
  const match = /^Bearer\s+(\S{1,512})\s*$/i.exec(header);
  return match?.[1] ?? '';
}

/**
 * Authenticates every route of the scope it is registered in: a Bearer token, else the session
 * cookie. Runs before the body is read, so an anonymous caller cannot make the server parse anything.
 * Read tokens are refused on writes (403); a cookie-authenticated write must carry the session's
 * CSRF token in X-CSRF-Token.
 */
export function registerAuth(app: FastifyInstance): void {
  app.decorateRequest('auth', null);

  // Added as each route's last onRequest hook, after the rate limiter's: a flood is refused before it reaches the database.
  app.addHook('onRoute', (route) => {
    appendRouteHook(route, 'onRequest', authenticate);
  });

  async function authenticate(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
    const mode = request.routeOptions.config?.auth ?? 'user';
    if (mode === 'public' || request.method === 'OPTIONS') return;

    const token = bearer(request);
    if (token !== undefined) {
      const found = token ? await app.services.auth.authenticateToken(token) : undefined;
      if (found === 'disabled') throw new AppError(401, 'account-disabled');
      if (!found) throw new AppError(401, 'token-invalid');
      request.auth = found;
    } else {
      const cookie = request.cookies[SESSION_COOKIE];
      if (!cookie) throw new AppError(401, 'auth-required');
      const found = await app.services.auth.authenticateSession(cookie);
      if (found === 'disabled') throw new AppError(401, 'account-disabled');
      if (!found) throw new AppError(401, 'token-invalid');
      if (!SAFE_METHODS.has(request.method)) {
        const sent = request.headers['x-csrf-token'];
        if (typeof sent !== 'string' || !safeEqual(sent, csrfTokenFor(cookie))) throw new AppError(403, 'csrf-failed');
      }
      request.auth = found;
    }

    if (request.auth.scope === 'read' && !SAFE_METHODS.has(request.method)) throw new AppError(403, 'read-only-token');
    if (mode === 'admin' && request.auth.user.role !== 'admin') throw new AppError(403, 'admin-only');
  }
}
