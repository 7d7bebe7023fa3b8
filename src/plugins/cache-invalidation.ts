import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { appendRouteHook } from './route-hooks.js';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Retires the cached answers a write may have changed, before its answer leaves (so a client that saw the
 * answer of its write never reads an older cached one, from any instance). Every write route is covered
 * without listing them:
 * - the writer's own answers, and those of the members of the freezers they share (counted after the
 *   write: membership only shrinks when a freezer that never held a product is deleted, which changes
 *   none of its members' cached answers; a route that removes a member must retire theirs itself);
 * - everybody's answers for administration writes (product types);
 * - general trends for any write.
 * A refused request (4xx) wrote nothing; a 5xx may have, so it counts as a write.
 */
export function registerCacheInvalidation(app: FastifyInstance): void {
  const invalidate = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    if (reply.statusCode >= 400 && reply.statusCode < 500) return payload;
    const userId = request.auth?.user.id;
    const userIds = userId === undefined ? [] : [userId, ...(await app.services.freezers.coMemberIds(userId))];
    await app.services.cache.invalidate({ userIds, everyone: request.routeOptions.config?.auth === 'admin' });
    return payload;
  };
  // Only on the routes that can write: a read pays nothing for it.
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    if (methods.every((method) => SAFE_METHODS.has(method))) return;
    appendRouteHook(route, 'onSend', invalidate);
  });
}
