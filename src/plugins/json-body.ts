import type { FastifyInstance, FastifyRequest } from 'fastify';
import { AppError } from '../lib/errors.js';
import { appendRouteHook } from './route-hooks.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/**
 * The JSON body parser: the body must be valid UTF-8 (bytes that are not are refused, not silently
 * turned into U+FFFD), prototype-poisoning keys are refused (Fastify's own parser does the parsing),
 * and an empty body is allowed only on routes that say their body is optional (`config.optionalBody`), where
 * it is validated and handled as `{}`. Registered before the routes: its onRoute hook gives that step to
 * those routes alone, so the others pay nothing for it.
 */
export function registerJsonBody(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request: FastifyRequest, body: Buffer, done) => {
    if (body.length === 0) {
      if (request.routeOptions.config?.optionalBody) return done(null, undefined);
      return done(new AppError(400, 'empty-body'), undefined);
    }
    let text: string;
    try {
      text = utf8.decode(body);
    } catch {
      return done(new AppError(400, 'malformed-json'), undefined);
    }
    parseJson(request, text, done);
  });
  app.addHook('onRoute', (route) => {
    if (route.config?.optionalBody) appendRouteHook(route, 'preValidation', emptyBodyWhenAbsent);
  });
}

async function emptyBodyWhenAbsent(request: FastifyRequest): Promise<void> {
  if (request.body === undefined) request.body = {};
}
