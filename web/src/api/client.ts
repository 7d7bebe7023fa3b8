import createClient, { type Middleware } from 'openapi-fetch';
import type { paths } from './schema';


/** The problem+json every /api/v1 error answers (RFC 9457); `detail` is already in the caller's language. */
export interface Problem {
  type: string;
  title: string;
  status: number;
  detail: string;
  errors?: Array<{ field: string; message: string }>;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

let csrfToken = '';
let language = 'en';
const sessionLostListeners = new Set<() => void>();

/** The session's CSRF token (from POST /sessions or GET /sessions/current), sent on every write. */
export function setCsrfToken(token: string): void {
  csrfToken = token;
}

/** The session's CSRF token, for requests made outside this client (the photo upload uses XMLHttpRequest for its progress). */
export function currentCsrfToken(): string {
  return csrfToken;
}

/** The interface language, sent as Accept-Language (also for requests made outside this client). */
export function currentLanguage(): string {
  return language;
}

/** The interface language, sent as Accept-Language so that errors come back in it before logging in. */
export function setApiLanguage(value: string): void {
  language = value;
}

/** Called when a request made with the session answers 401: the session ended (expired, logged out elsewhere). */
export function onSessionLost(listener: () => void): () => void {
  sessionLostListeners.add(listener);
  return () => sessionLostListeners.delete(listener);
}

const sessionMiddleware: Middleware = {
  onRequest({ request }) {
    request.headers.set('accept-language', language);
    if (!SAFE_METHODS.has(request.method) && csrfToken) request.headers.set('x-csrf-token', csrfToken);
    return request;
  },
  onResponse({ request, response }) {
    const url = new URL(request.url, window.location.origin);
    if (response.status === 401 && csrfToken && !url.pathname.startsWith('/api/v1/sessions')) {
      for (const listener of sessionLostListeners) listener();
    }
    return response;
  },
};

/** The typed client of the public API, authenticated by the session cookie (same origin). */
export const api = createClient<paths>({ baseUrl: window.location.origin, credentials: 'same-origin' });
api.use(sessionMiddleware);

/** A refused request: the server's problem, or no answer at all (offline, server down). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly problem: Problem | undefined,
  ) {
    super(problem?.detail ?? `HTTP ${status}`);
  }
}

function isProblem(value: unknown): value is Problem {
  return typeof value === 'object' && value !== null && typeof (value as Problem).detail === 'string' && typeof (value as Problem).status === 'number';
}

/**
 * Awaits an openapi-fetch call and returns its data, or throws ApiError with the problem the server
 * answered (status 0 when the network failed).
 */
export async function unwrap<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let result: { data?: T; error?: unknown; response: Response };
  try {
    result = await call;
  } catch (err) {
    if (err instanceof DOMException && err.name === 'AbortError') throw err;
    throw new ApiError(0, undefined);
  }
  if (result.response.ok) return result.data as T;
  throw new ApiError(result.response.status, isProblem(result.error) ? result.error : undefined);
}
