import type { FastifyInstance } from 'fastify';

export interface CorsPolicy {
  /** What a preflight is told it may use. */
  methods: readonly string[];
  /** The request headers a preflight is told it may send; absent: whichever it asks for (echoed, with Vary). */
  allowedHeaders?: readonly string[];
  /** The answer headers a page's script may read. */
  exposedHeaders: readonly string[];
  /** How long a browser may keep a preflight's answer. */
  maxAgeSeconds: number;
  /**
   * Which paths a preflight is answered for (default: every path of the scope). The scope's OPTIONS route
   * is `*`: at the root path it sees the OPTIONS requests of every path, and the others get a 404.
   */
  preflightFor?: (url: string) => boolean;
}

/**
 * CORS for any origin, without credentials (a page sends its token in a header): every answer of the
 * scope carries the same headers, set from one object, and a preflight (OPTIONS, with or without Origin)
 * is answered 204 in the scope's first onRequest hook, so before rate limits and authentication. This is
 * what @fastify/cors did with these options, without working its options out again on every request
 * (about 5 µs of a cached answer's 100 on the seed API, whose options depended on the path).
 * Register it first in the scope: its hook must run before the others.
 */
export function registerCors(scope: FastifyInstance, policy: CorsPolicy): void {
  const headers = Object.freeze({
    'access-control-allow-origin': '*',
    'access-control-expose-headers': policy.exposedHeaders.join(', '),
  });
  const preflight = Object.freeze({
    'access-control-allow-methods': policy.methods.join(', '),
    ...(policy.allowedHeaders ? { 'access-control-allow-headers': policy.allowedHeaders.join(', ') } : {}),
    'access-control-max-age': String(policy.maxAgeSeconds),
  });
  const preflightFor = policy.preflightFor ?? (() => true);

  scope.addHook('onRequest', (request, reply, done) => {
    if (request.method !== 'OPTIONS') {
      reply.headers(headers);
      done();
      return;
    }
    if (!preflightFor(request.url)) {
      done();
      return;
    }
    reply.headers(headers).headers(preflight);
    if (!policy.allowedHeaders) {
      reply.header('vary', 'Access-Control-Request-Headers');
      const asked = request.headers['access-control-request-headers'];
      if (asked !== undefined) reply.header('access-control-allow-headers', asked);
    }
    // Answered here, so the hooks after this one never run for it (done is not called).
    void reply.code(204).header('content-length', '0').send();
  });

  // A route for the preflights to match; those not answered above are for paths outside the policy.
  scope.options('*', { schema: { hide: true } }, (_request, reply) => reply.callNotFound());
}
