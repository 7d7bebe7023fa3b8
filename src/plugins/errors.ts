import type { Socket } from 'node:net';
import FindMyWay from 'find-my-way';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Language, type MessageKey, type MessageParams, languageFromHeader, translate } from '../i18n/messages.js';
import { AppError, type FieldError } from '../lib/errors.js';
import { fieldErrors } from './validation.js';

export const PROBLEM_CONTENT_TYPE = 'application/problem+json; charset=utf-8';

export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: FieldError[];
}

/** The language of the answer: the signed-in user's, else the Accept-Language header's. */
export function requestLanguage(request: FastifyRequest): Language {
  return request.auth?.user.language ?? languageFromHeader(request.headers['accept-language']);
}

export function problem(language: Language, status: number, key: MessageKey, params: MessageParams = {}, errors?: FieldError[]): Problem {
  const titleKey = `title.${status}` as MessageKey;
  return {
    type: `urn:freezer-manager:problem:${key}`,
    title: translate(language, titleKey),
    status,
    detail: translate(language, key, params),
    ...(errors && errors.length ? { errors } : {}),
  };
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, status: number, key: MessageKey, params?: MessageParams, errors?: FieldError[]) {
  return reply.code(status).type(PROBLEM_CONTENT_TYPE).send(problem(requestLanguage(request), status, key, params, errors));
}

/**
 * Where an error answer goes: routes can render it in another shape (the seed API's {status, details}).
 * `error` is what was thrown (an AppError carries its key and params); for an unknown path or a wrong
 * method under such a route, the not-found handler passes an AppError 'route-not-found' / 'method-not-allowed'.
 */
export type ProblemRenderer = (request: FastifyRequest, reply: FastifyReply, p: Problem, error?: unknown) => unknown;

/** The static beginning of a route URL, up to its first parameter: '/freezers/:token' -> '/freezers/'. */
function staticPrefix(url: string): string {
  const cut = url.search(/[:*]/);
  return cut === -1 ? url : url.slice(0, cut);
}

const FRAMEWORK_ERRORS: Record<string, { status: number; key: MessageKey }> = {
  FST_ERR_CTP_INVALID_JSON_BODY: { status: 400, key: 'malformed-json' },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, key: 'empty-body' },
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, key: 'body-too-large' },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: { status: 400, key: 'malformed-json' },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: { status: 415, key: 'unsupported-media-type' },
};

function toProblem(error: FastifyError | AppError | Error, request: FastifyRequest, bodyLimit: number): Problem {
  const language = requestLanguage(request);
  if (error instanceof AppError) {
    const errors = error.field ? [{ field: error.field, message: translate(language, error.key, error.params) }] : undefined;
    return problem(language, error.status, error.key, error.params, errors);
  }
  const fe = error as FastifyError;
  if (fe.validation) {
    const errors = fieldErrors(fe.validation as never, fe.validationContext, language);
    const summary = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
    return problem(language, 400, 'validation-failed', { summary }, errors);
  }
  const known = fe.code ? FRAMEWORK_ERRORS[fe.code] : undefined;
  if (known) {
    return problem(language, known.status, known.key, {
      limit: bodyLimit,
      contentType: String(request.headers['content-type'] ?? '').slice(0, 100),
    });
  }
  if (fe.statusCode === 429) {
    return problem(language, 429, 'rate-limited', { retryAfter: '60' });
  }
  // Any other client error thrown by a plugin (e.g. a malformed header or a JSON parse edge case).
  if (fe.statusCode && fe.statusCode >= 400 && fe.statusCode < 500) {
    return problem(language, fe.statusCode === 404 ? 404 : 400, fe.statusCode === 404 ? 'route-not-found' : 'malformed-json', {
      method: request.method,
      url: request.url.split('?')[0] ?? '',
    });
  }
  return problem(language, 500, 'internal-error', { requestId: String(request.id) });
}

/**
 * One error handler for the whole app: domain and validation errors become problem+json with the
 * right 4xx; anything unexpected is logged with the request id and answered as a generic 500.
 */
/** What answers a request no route matched: 405 for a known path and another method, else 404. */
export type NotFoundHandler = (request: FastifyRequest, reply: FastifyReply) => unknown;

/**
 * The error and not-found handlers of the app. Returns the not-found handler, for a prefixed scope whose
 * own onRequest hooks (CORS) should apply to its 404s and 405s too: `scope.setNotFoundHandler(it)`.
 */
export function registerErrorHandling(app: FastifyInstance, bodyLimit: number): NotFoundHandler {
  // A second router that only knows paths, to tell "wrong method" (405) from "no such route" (404).
  const paths = FindMyWay();
  // Routes that render their own problems also own the 404/405 answers of the paths under their prefix.
  const renderers: Array<{ prefix: string; render: ProblemRenderer }> = [];
  app.addHook('onRoute', (route) => {
    const render = route.config?.renderProblem as ProblemRenderer | undefined;
    const prefix = staticPrefix(route.url);
    if (render && prefix.length > 1 && prefix.endsWith('/') && !renderers.some((r) => r.prefix === prefix)) renderers.push({ prefix, render });
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods) {
      if (method === 'HEAD' || method === 'OPTIONS') continue;
      try {
        paths.on(method as 'GET', route.url, () => undefined);
      } catch {
        // already known (e.g. the same path registered under two prefixes)
      }
    }
  });

  const ownerOf = (path: string) => renderers.find((r) => path.startsWith(r.prefix) || path === r.prefix.slice(0, -1));

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const p = toProblem(error, request, bodyLimit);
    if (p.status >= 500) {
      request.log.error({ err: error }, 'unhandled error');
    } else {
      request.log.info({ status: p.status, problem: p.type }, 'request refused');
    }
    if (p.status === 429) {
      const retry = reply.getHeader('retry-after');
      if (retry !== undefined) p.detail = translate(requestLanguage(request), 'rate-limited', { retryAfter: String(retry) });
    }
    // A route's own renderer; on no route at all (a body refused before the 404), the renderer of the path's prefix.
    const render = (request.routeOptions.config?.renderProblem as ProblemRenderer | undefined) ?? (request.is404 ? ownerOf(request.url.split('?')[0] ?? '/')?.render : undefined);
    if (render) return render(request, reply, p, error);
    return reply.code(p.status).type(PROBLEM_CONTENT_TYPE).send(p);
  });

  const notFound: NotFoundHandler = (request, reply) => {
    const path = request.url.split('?')[0] ?? '/';
    // A match needs every parameter: '/add_product/' has no route at all (the main router trims the slash).
    const matches = (method: string) => {
      const found = paths.find(method as 'GET', path);
      return found !== null && Object.values(found.params).every((value) => value !== '');
    };
    const allowed = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter(matches);
    const owner = ownerOf(path);
    // The method is known on a route of this shape but the main router still found nothing (a
    // constraint this path router does not know): no such route, not a wrong method.
    if (allowed.length && request.method !== 'OPTIONS' && !allowed.includes(request.method)) {
      if (allowed.includes('GET')) allowed.push('HEAD');
      reply.header('allow', allowed.join(', '));
      const params = { method: request.method, url: path, allow: allowed.join(', ') };
      const p = problem(requestLanguage(request), 405, 'method-not-allowed', params);
      if (owner) return owner.render(request, reply, p, new AppError(405, 'method-not-allowed', params));
      return reply.code(405).type(PROBLEM_CONTENT_TYPE).send(p);
    }
    const params = { method: request.method, url: path };
    const p = problem(requestLanguage(request), 404, 'route-not-found', params);
    if (owner) return owner.render(request, reply, p, new AppError(404, 'route-not-found', params));
    return reply.code(404).type(PROBLEM_CONTENT_TYPE).send(p);
  };
  app.setNotFoundHandler(notFound);
  return notFound;
}

/**
 * Requests the HTTP parser refuses before any route sees them (headers or URL over the size limit,
 * a malformed request line, a client too slow): answered in the documented error shapes instead of
 * Fastify's own JSON. The seed API's shape when the request line names a seed route (`isSeed`), else
 * problem+json; English, as no header could be read. The URL is never repeated (it may hold a token).
 */
export function clientErrorHandler(isSeed: (url: string) => boolean) {
  return (err: Error & { code: string }, socket: Socket): void => {
    if (err.code === 'ECONNRESET' || socket.destroyed) return;
    const status = err.code === 'HPE_HEADER_OVERFLOW' ? 431 : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const key: MessageKey = status === 431 ? 'headers-too-large' : status === 408 ? 'request-timeout' : 'malformed-request';
    // Node hands the bytes it could not parse as a Buffer (typed otherwise by Fastify).
    const raw: unknown = (err as { rawPacket?: unknown }).rawPacket;
    const line = /^[A-Z]+ (\S+)/.exec(Buffer.isBuffer(raw) ? raw.subarray(0, 512).toString('latin1') : '');
    const seed = line ? isSeed(line[1]!) : false;
    const p = problem('en', status, key);
    const body = JSON.stringify(seed ? { status, details: p.detail } : p);
    const type = seed ? 'application/json; charset=utf-8' : PROBLEM_CONTENT_TYPE;
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${status} ${p.title}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nContent-Type: ${type}\r\nConnection: close\r\n${seed ? 'Access-Control-Allow-Origin: *\r\n' : ''}\r\n${body}`,
      );
    }
    socket.destroy();
  };
}
