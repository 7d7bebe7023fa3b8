import path from 'node:path';

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
  /** Redis shared by every instance (rate limits, response cache, preview jobs); undefined: all in process. */
  redis: RedisConfig | undefined;
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
  /** A postgres:// URL (it may hold a password: never log it, see redactDatabaseUrl) and the pool size. */
  | { kind: 'postgres'; url: string; poolMax: number };

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
    return { kind: 'postgres', url, poolMax: int(env, 'DATABASE_POOL_MAX', 10, 1, 1000) };
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

export function loadConfig(env: Env = process.env): Config {
  const port = int(env, 'PORT', 8080, 0, 65535);
  const host = env.HOST?.trim() || '127.0.0.1';
  const dataDir = path.resolve(env.DATA_DIR?.trim() || './data');
  const publicUrl = (env.PUBLIC_URL?.trim() || `http://${host.includes(':') ? `[${host}]` : host}:${port}`).replace(/\/+$/, '');
  try {
    new URL(publicUrl);
  } catch {
    throw new ConfigError(`PUBLIC_URL must be an absolute URL, got "${publicUrl}"`);
  }
  const logLevel = env.LOG_LEVEL?.trim() || 'info';
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "${logLevel}"`);
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
    cookieSecure: bool(env, 'COOKIE_SECURE', publicUrl.startsWith('https:')),
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
    redis: redisConfig(env),
  };
}
