import type { FastifyRequest } from 'fastify';

/** A URL path segment or query value that looks like a secret (API tokens, seed-API tokens in URLs). */
const SECRET_LIKE = /^(fm[sr]?_)?[A-Za-z0-9_-]{24,}$/;

/** The URL with every secret-looking segment and query value replaced, for logs and metrics. */
export function redactUrl(url: string): string {
  const [path = '', query] = url.split('?', 2);
  const safePath = path
    .split('/')
    .map((segment) => (SECRET_LIKE.test(safeDecode(segment)) ? '[redacted]' : segment))
    .join('/');
  if (query === undefined) return safePath;
  const safeQuery = query
    .split('&')
    .map((pair) => {
      const [key = '', value] = pair.split('=', 2);
      if (value === undefined) return pair;
      return /token|secret|password|key/i.test(key) || SECRET_LIKE.test(safeDecode(value)) ? `${key}=[redacted]` : pair;
    })
    .join('&');
  return `${safePath}?${safeQuery}`;
}

function safeDecode(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** pino options: headers that carry credentials are never logged, and URLs are redacted. */
export function loggerOptions(level: string) {
  return {
    level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'req.headers["x-csrf-token"]', 'res.headers["set-cookie"]', '*.password', '*.token', '*.secret'],
      censor: '[redacted]',
    },
    serializers: {
      req(request: FastifyRequest) {
        return {
          method: request.method,
          url: redactUrl(request.url),
          remoteAddress: request.ip,
        };
      },
    },
  };
}
