import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * helmet's headers, worked out once: helmet is written as a middleware that rebuilds its whole policy on
 * every call (and @fastify/helmet calls it per request), yet with fixed options it always sets the same
 * headers. Running it once against a recording response gives them; every answer then gets them as one
 * object. A route that needs another policy (the /docs page) sets its own header later, which wins.
 */
export function securityHeaders(options: Readonly<HelmetOptions>): Readonly<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
    getHeader: (name: string) => headers[name.toLowerCase()],
  };
  let failure: unknown;
  helmet(options)({} as IncomingMessage, recorder as unknown as ServerResponse, (err?: unknown) => {
    failure = err;
  });
  if (failure) throw failure instanceof Error ? failure : new Error(String(failure));
  return Object.freeze(headers);
}

/**
 * Every answer (404s and errors included) carries the security headers and its request id, set when the
 * request arrives: one synchronous hook, nothing left to do once the answer is ready.
 */
export function registerResponseHeaders(app: FastifyInstance, helmetOptions: Readonly<HelmetOptions>): void {
  const headers = securityHeaders(helmetOptions);
  app.addHook('onRequest', (request, reply, done) => {
    reply.headers(headers);
    reply.header('x-request-id', request.id);
    done();
  });
}
