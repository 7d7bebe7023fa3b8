import { LogController, type FastifyBaseLogger, type FastifyReply, type FastifyRequest, type LogLevel } from 'fastify';
import type { Bindings, ChildLoggerOptions } from 'pino';
import { isSeedPath } from '../features/seed-api/seed-api.routes.js';

/** A run of characters that looks like a secret (API tokens, 64-hex seed-API tokens, reset tokens). */
const SECRET_RUN = /[A-Za-z0-9_-]{24,}/g;
const SECRET_KEY = /token|secret|password|key/i;

/** The URL with every secret-looking run and every secret-named query value replaced, for logs and metrics. */
export function redactUrl(url: string): string {
  const mark = url.indexOf('?');
  const path = mark < 0 ? url : url.slice(0, mark);
  const segments = path.replace(SECRET_RUN, '[redacted]').split('/');
  // Where a URL carries a credential, that segment goes whatever its shape: the seed API's token is the
  // last segment of its routes, a share link's token follows /shared-photos/.
  if (isSeedPath(path) && segments.length > 2) segments[segments.length - 1] = '[redacted]';
  const shared = segments.indexOf('shared-photos');
  if (shared >= 0 && segments[shared + 1]) segments[shared + 1] = '[redacted]';
  const safePath = segments.join('/');
  if (mark < 0) return safePath;
  const safeQuery = url
    .slice(mark + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      if (eq < 0) return pair.replace(SECRET_RUN, '[redacted]');
      const key = pair.slice(0, eq);
      if (SECRET_KEY.test(key)) return `${key}=[redacted]`;
      return `${key.replace(SECRET_RUN, '[redacted]')}=${pair.slice(eq + 1).replace(SECRET_RUN, '[redacted]')}`;
    })
    .join('&');
  return `${safePath}?${safeQuery}`;
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

/**
 * Fastify's own lines about each request: one at `info` when the answer has gone, with the request (method,
 * redacted URL, client address), the status and the time taken, like a web server's access log. The line
 * for its arrival is at `debug` (to follow requests still in flight, such as a large upload).
 *
 * Fastify's default writes both lines at `info`: twice the log volume, and each line costs a cached answer
 * about as much CPU as our own code on its path does (pino's JSON through the redaction; bench/README.md,
 * session 13).
 */
export class RequestLogController extends LogController {
  override incomingRequest(request: FastifyRequest): void {
    request.log.debug({ req: request }, 'incoming request');
  }

  override requestCompleted(error: Error | null | undefined, request: FastifyRequest, reply: FastifyReply): void {
    if (error) reply.log.error({ req: request, res: reply, err: error, responseTime: reply.elapsedTime }, 'request errored');
    else reply.log.info({ req: request, res: reply, responseTime: reply.elapsedTime }, 'request completed');
  }
}

/** What the parent logger is (pino's) beyond Fastify's interface: whether a level is written. */
type ParentLogger = FastifyBaseLogger & { isLevelEnabled(level: LogLevel): boolean };
type Args = Parameters<FastifyBaseLogger['info']>;

/**
 * The logger of one request: pino's child with the request id, made when the request first writes a line
 * at a level that is written. Fastify makes one for every request, and a child costs a cached answer about
 * 2.5 µs (its bindings serialized through the redaction, every log method rebuilt, `perf`), for nothing at
 * `warn`, where most requests write no line. The lines are the child's own: the same bindings, the same
 * options.
 */
class RequestLogger implements FastifyBaseLogger {
  #child: FastifyBaseLogger | undefined;

  constructor(
    private readonly parent: ParentLogger,
    private readonly bindings: Bindings,
  ) {}

  private get real(): FastifyBaseLogger {
    this.#child ??= this.parent.child(this.bindings);
    return this.#child;
  }

  /** Whether a line at this level is written: the child's level once there is one (it may have been set). */
  private writes(level: LogLevel): boolean {
    return this.#child ? (this.#child as ParentLogger).isLevelEnabled(level) : this.parent.isLevelEnabled(level);
  }

  /** Writes a line at this level when that level is written, making the child first. */
  private line(level: Exclude<LogLevel, 'silent'>, args: Args): void {
    if (this.writes(level)) this.real[level](...args);
  }

  get level(): string {
    return this.#child ? this.#child.level : this.parent.level;
  }

  set level(level: string) {
    this.real.level = level;
  }

  fatal(...args: Args): void {
    this.line('fatal', args);
  }

  error(...args: Args): void {
    this.line('error', args);
  }

  warn(...args: Args): void {
    this.line('warn', args);
  }

  info(...args: Args): void {
    this.line('info', args);
  }

  debug(...args: Args): void {
    this.line('debug', args);
  }

  trace(...args: Args): void {
    this.line('trace', args);
  }

  silent(): void {}

  child(bindings: Bindings, options?: ChildLoggerOptions): FastifyBaseLogger {
    return this.real.child(bindings, options);
  }
}

/**
 * Fastify's `childLoggerFactory`: a request's logger, made on its first line (RequestLogger). A route with
 * a log level or serializers of its own gets pino's child at once.
 */
export function requestLogger(logger: FastifyBaseLogger, bindings: Bindings, options: ChildLoggerOptions): FastifyBaseLogger {
  if (Object.keys(options).length > 0) return logger.child(bindings, options);
  return new RequestLogger(logger as ParentLogger, bindings);
}
