import type { FastifyInstance } from 'fastify';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Retires the cached answers a write may have changed, before its answer leaves (so a client that saw the
 * answer of its write never reads an older cached one, from any instance). Every write route is covered
 * without listing them: the writer's own answers and those of the members of the freezers they share,
 * everybody's answers for administration writes (product types), and general trends for any write.
 * A refused request (4xx) wrote nothing; a 5xx may have, so it counts as a write.
 */
export function registerCacheInvalidation(app: FastifyInstance): void {
  app.addHook('onSend', async (request, reply, payload) => {
    if (SAFE_METHODS.has(request.method) || (reply.statusCode >= 400 && reply.statusCode < 500)) return payload;
    const userId = request.auth?.user.id;
    const userIds = userId === undefined ? [] : [userId, ...(await app.services.freezers.coMemberIds(userId))];
    await app.services.cache.invalidate({ userIds, everyone: request.routeOptions.config?.auth === 'admin' });
    return payload;
  });
}
