import type { RouteOptions } from 'fastify';

/**
 * Adds a hook to one route after the ones it already has (none, one, or a list): for `onRoute` handlers
 * that attach a hook to the routes that need it rather than to every request of the scope.
 */
export function appendRouteHook(route: RouteOptions, name: 'onRequest' | 'preValidation' | 'onSend', hook: (...args: never[]) => unknown): void {
  const existing: unknown = route[name];
  const list = existing ? (Array.isArray(existing) ? existing : [existing]) : [];
  (route as unknown as Record<string, unknown>)[name] = [...list, hook];
}
