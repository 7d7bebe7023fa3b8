import { createPrivateKey, X509Certificate } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The only module that reads environment variables. Everything else receives a typed Config.
 * Values are validated at start-up so a typo fails loudly instead of at the first request.
 */
export interface Config {
  port: number;
  host: string;
  dataDir: string;
  /** The database: a SQLite file (the default) or a PostgreSQL server. */
  database: DatabaseConfig;
  logLevel: string;
  /** Requests per client IP; 0 disables the limit. */
  rateLimitPerMinute: number;
  rateLimitPerDay: number;
  /** Public base URL used in e-mails (password reset links). */
  publicUrl: string;
  /** nodemailer SMTP URL; unset: mails are written to DATA_DIR/outbox. */
  smtpUrl: string | undefined;
  mailFrom: string;
  /** Mark the session cookie Secure (set when served over HTTPS or behind a TLS proxy). */
  cookieSecure: boolean;
  /** Trust X-Forwarded-* from a reverse proxy (client address for rate limits and the audit log). */
  trustProxy: boolean;
  /** Largest JSON body accepted, in bytes. */
  bodyLimit: number;
  sessionTtlDays: number;
  passwordResetTtlMinutes: number;
  /** Photo uploads: limits and previews. */
  photos: PhotoConfig;
  /** S3-compatible object storage for photos; undefined: photos live under DATA_DIR/photos. */
  s3: S3Config | undefined;
  /** The built web app (WEB_DIR, default dist/web of the installation); served at / when it holds index.html. */
  webDir: string;
  /** Redis shared by every instance (rate limits, response cache, preview jobs); undefined: all in process. */
  redis: RedisConfig | undefined;
  /** Processes serving requests (WORKERS, default 1; `serve --workers N` overrides): more than 1 uses node:cluster. */
  workers: number;
  /** TLS_CERT + TLS_KEY: serve HTTPS (HTTP/2 with HTTP/1.1 fallback) directly; undefined: plain HTTP. */
  tls: TlsConfig | undefined;
  /** GET /metrics (Prometheus): off unless METRICS_TOKEN or METRICS_PORT is set. */
  metrics: MetricsConfig;
}

export interface RedisConfig {
  /** redis:// or rediss:// URL (REDIS_URL). */
  url: string;
  /** Put before every key (REDIS_PREFIX, default `fm:`), so several installs or test runs share one server. */
  prefix: string;
}

export type DatabaseConfig =
  /** Absolute path of the SQLite file. */
  | { kind: 'sqlite'; file: string }
  /**
   * A postgres:// URL (it may hold a password: never log it, see redactDatabaseUrl), the pool size,
   * whether connections prepare their queries, and whether the instance listens to the change feed to keep
   * credentials and co-members in process (unset: both on; both off for a PgBouncer in transaction mode).
   */
  | { kind: 'postgres'; url: string; poolMax: number; preparedStatements?: boolean; changeFeed?: boolean };

export interface TlsConfig {
  /** PEM certificate chain file. */
  certFile: string;
  /** PEM private key file. */
  keyFile: string;
}

export interface MetricsConfig {
  /** Bearer token that GET /metrics on the main port asks for; undefined: no /metrics route on the main port. */
  token: string | undefined;
  /** A separate listener serving only /metrics (without a token), on metrics.host; undefined: none. */
  port: number | undefined;
  host: string;
}

export interface PhotoConfig {
  /** Largest file accepted in an upload (PHOTO_MAX_FILE_BYTES, default 25 MB). */
  maxFileBytes: number;
  /** Largest total of the files of one upload request (PHOTO_MAX_REQUEST_BYTES, default 2 GiB). */
  maxRequestBytes: number;
  /** Most files in one upload request (PHOTO_MAX_FILES, default 1000). */
  maxFiles: number;
  /** Largest image accepted, in pixels (PHOTO_MAX_PIXELS, default 100 megapixels): decompression bombs are refused. */
  maxPixels: number;
  /** Previews made at once in the background (PHOTO_PREVIEW_CONCURRENCY, default 2). */
  previewConcurrency: number;
}

export interface S3Config {
  endpoint: string | undefined;
  bucket: string;
  region: string;
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
}

export class ConfigError extends Error {}

/** The levels LOG_LEVEL takes (pino's). */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

type Env = Record<string, string | undefined>;

function int(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return fallback;
  if (!/^\d+$/.test(raw.trim())) throw new ConfigError(`${name} must be a whole number, got "${raw}"`);
  const value = Number(raw);
  if (value < min || value > max) throw new ConfigError(`${name} must be between ${min} and ${max}, got ${value}`);
  return value;
}

function bool(env: Env, name: string, fallback: boolean): boolean {
  const raw = env[name]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['1', 'true', 'yes', 'on'].includes(raw)) return true;
  if (['0', 'false', 'no', 'off'].includes(raw)) return false;
  throw new ConfigError(`${name} must be true or false, got "${env[name]}"`);
}

function databaseConfig(env: Env, dataDir: string): DatabaseConfig {
  const url = env.DATABASE_URL?.trim();
  if (!url) return { kind: 'sqlite', file: path.join(dataDir, 'freezer-manager.sqlite') };
  if (url.startsWith('sqlite:')) {
    const file = url.slice('sqlite:'.length).replace(/^\/\//, '');
    if (!file) throw new ConfigError('DATABASE_URL sqlite: needs a file path, e.g. sqlite:./data/app.sqlite');
    return { kind: 'sqlite', file: path.resolve(file) };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      throw new ConfigError('DATABASE_URL is not a valid postgres:// URL (e.g. postgres://user:password@host:5432/database)');
    }
    if (!parsed.hostname && !parsed.searchParams.get('host')) throw new ConfigError('DATABASE_URL postgres:// needs a host, e.g. postgres://user@127.0.0.1:5432/freezer');
    if (parsed.pathname.replace(/^\//, '') === '') throw new ConfigError('DATABASE_URL postgres:// needs a database name, e.g. postgres://user@127.0.0.1:5432/freezer');
    return {
      kind: 'postgres',
      url,
      poolMax: int(env, 'DATABASE_POOL_MAX', 10, 1, 1000),
      preparedStatements: bool(env, 'DATABASE_PREPARED_STATEMENTS', true),
      changeFeed: bool(env, 'DATABASE_CHANGE_FEED', true),
    };
  }
  throw new ConfigError(`DATABASE_URL must start with sqlite:, postgres:// or postgresql:// (got "${url.split(':')[0]}:")`);
}

/** The database URL for logs and messages: the password, if any, replaced by ***. */
export function redactDatabaseUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password) parsed.password = '***';
    for (const key of [...parsed.searchParams.keys()]) if (key.toLowerCase() === 'password') parsed.searchParams.set(key, '***');
    return parsed.toString();
  } catch {
    return url.replace(/\/\/[^@/]*@/, '//***@');
  }
}

function s3Config(env: Env): S3Config | undefined {
  const bucket = env.S3_BUCKET?.trim();
  if (!bucket) return undefined;
  const endpoint = env.S3_ENDPOINT?.trim() || undefined;
  if (endpoint) {
    try {
      new URL(endpoint);
    } catch {
      throw new ConfigError(`S3_ENDPOINT must be an absolute URL, got "${endpoint}"`);
    }
  }
  const accessKeyId = env.S3_ACCESS_KEY_ID?.trim() || undefined;
  const secretAccessKey = env.S3_SECRET_ACCESS_KEY?.trim() || undefined;
  if (Boolean(accessKeyId) !== Boolean(secretAccessKey)) throw new ConfigError('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together: set both or neither');
  return { endpoint, bucket, region: env.S3_REGION?.trim() || 'us-east-1', accessKeyId, secretAccessKey };
}

function redisConfig(env: Env): RedisConfig | undefined {
  const url = env.REDIS_URL?.trim();
  const prefix = env.REDIS_PREFIX?.trim() || 'fm:';
  if (!/^[A-Za-z0-9_.:{}-]{1,64}$/.test(prefix)) throw new ConfigError(`REDIS_PREFIX must be 1 to 64 letters, digits or _ . : - { }, got "${prefix.slice(0, 80)}"`);
  if (!url) return undefined;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('REDIS_URL must be a URL such as redis://127.0.0.1:6379 or rediss://user:password@host:6380/0');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') throw new ConfigError(`REDIS_URL must start with redis:// or rediss:// (got "${parsed.protocol}")`);
  if (!parsed.hostname) throw new ConfigError('REDIS_URL needs a host, e.g. redis://127.0.0.1:6379');
  const db = parsed.pathname.replace(/^\//, '');
  if (db !== '' && !/^\d{1,2}$/.test(db)) throw new ConfigError(`REDIS_URL: the path is a database number (0-15), got "/${db.slice(0, 20)}"`);
  return { url, prefix };
}

/** Both files must exist and hold a PEM certificate and its private key: a typo stops the start, not the first TLS handshake. */
function tlsConfig(env: Env): TlsConfig | undefined {
  const certFile = env.TLS_CERT?.trim() || undefined;
  const keyFile = env.TLS_KEY?.trim() || undefined;
  if (!certFile && !keyFile) return undefined;
  if (!certFile || !keyFile) throw new ConfigError('TLS_CERT and TLS_KEY go together: set both or neither');
  const read = (name: string, file: string) => {
    try {
      return fs.readFileSync(file);
    } catch (err) {
      throw new ConfigError(`${name}: cannot read "${file}" (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  const cert = read('TLS_CERT', certFile);
  const key = read('TLS_KEY', keyFile);
  let certificate: X509Certificate;
  try {
    certificate = new X509Certificate(cert);
  } catch {
    throw new ConfigError(`TLS_CERT: "${certFile}" does not hold a PEM certificate`);
  }
  try {
    if (!certificate.checkPrivateKey(createPrivateKey(key))) throw new ConfigError(`TLS_KEY: "${keyFile}" is not the private key of the certificate in TLS_CERT`);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(`TLS_KEY: "${keyFile}" does not hold a PEM private key`);
  }
  return { certFile: path.resolve(certFile), keyFile: path.resolve(keyFile) };
}

function metricsConfig(env: Env): MetricsConfig {
  const token = env.METRICS_TOKEN?.trim() || undefined;
  if (token !== undefined && (token.length < 16 || !/^[\x21-\x7e]+$/.test(token))) {
    throw new ConfigError('METRICS_TOKEN must be at least 16 printable characters without spaces');
  }
  const rawPort = env.METRICS_PORT?.trim();
  const port = rawPort ? int(env, 'METRICS_PORT', 0, 0, 65535) : undefined;
  return { token, port, host: env.METRICS_HOST?.trim() || '127.0.0.1' };
}

export function loadConfig(env: Env = process.env): Config {
  const port = int(env, 'PORT', 8080, 0, 65535);
  const host = env.HOST?.trim() || '127.0.0.1';
  const dataDir = path.resolve(env.DATA_DIR?.trim() || './data');
  const tls = tlsConfig(env);
  const publicUrl = (env.PUBLIC_URL?.trim() || `${tls ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');
  try {
    new URL(publicUrl);
  } catch {
    throw new ConfigError(`PUBLIC_URL must be an absolute URL, got "${publicUrl}"`);
  }
  const logLevel = env.LOG_LEVEL?.trim() || 'info';
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}; got "${logLevel}"`);
  }
  return {
    port,
    host,
    dataDir,
    database: databaseConfig(env, dataDir),
    logLevel,
    rateLimitPerMinute: int(env, 'RATE_LIMIT_PER_MINUTE', 100, 0, 1_000_000),
    rateLimitPerDay: int(env, 'RATE_LIMIT_PER_DAY', 24000, 0, 100_000_000),
    publicUrl,
    smtpUrl: env.SMTP_URL?.trim() || undefined,
    mailFrom: env.MAIL_FROM?.trim() || 'Freezer Manager <no-reply@freezer-manager.local>',
    cookieSecure: bool(env, 'COOKIE_SECURE', publicUrl.startsWith('https:') || tls !== undefined),
    trustProxy: bool(env, 'TRUST_PROXY', false),
    bodyLimit: int(env, 'BODY_LIMIT', 64 * 1024, 1024, 16 * 1024 * 1024),
    sessionTtlDays: int(env, 'SESSION_TTL_DAYS', 30, 1, 365),
    passwordResetTtlMinutes: int(env, 'PASSWORD_RESET_TTL_MINUTES', 60, 5, 24 * 60),
    photos: {
      maxFileBytes: int(env, 'PHOTO_MAX_FILE_BYTES', 25 * 1024 * 1024, 1024, 1024 * 1024 * 1024),
      maxRequestBytes: int(env, 'PHOTO_MAX_REQUEST_BYTES', 2 * 1024 * 1024 * 1024, 1024, Number.MAX_SAFE_INTEGER),
      maxFiles: int(env, 'PHOTO_MAX_FILES', 1000, 1, 100_000),
      maxPixels: int(env, 'PHOTO_MAX_PIXELS', 100_000_000, 1, 1_000_000_000),
      previewConcurrency: int(env, 'PHOTO_PREVIEW_CONCURRENCY', 2, 1, 64),
    },
    s3: s3Config(env),
    // src/config.ts and dist/config.js both sit one level below the installation's root.
    webDir: path.resolve(env.WEB_DIR?.trim() || fileURLToPath(new URL('../dist/web', import.meta.url))),
    redis: redisConfig(env),
    workers: int(env, 'WORKERS', 1, 1, 64),
    tls,
    metrics: metricsConfig(env),
  };
}
