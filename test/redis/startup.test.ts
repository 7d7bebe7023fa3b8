import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { ConfigError, loadConfig } from '../../src/config.js';
import { RedisUnavailableError } from '../../src/lib/redis.js';

describe('REDIS_URL at start-up', () => {
  it('an unreachable Redis stops the start with the address (never the password), before touching the data', async () => {
    const dataDir = path.join(os.tmpdir(), `fm-redis-down-${process.pid}-${Date.now()}`);
    const config = loadConfig({ DATA_DIR: dataDir, REDIS_URL: 'redis://app:s3cretpw@127.0.0.1:1/0', LOG_LEVEL: 'silent' });
    const error = await buildApp(config).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(RedisUnavailableError);
    expect((error as Error).message).toMatch(/^Redis is not reachable at redis:\/\/127\.0\.0\.1:1 \(REDIS_URL\): .*ECONNREFUSED/);
    expect((error as Error).message).not.toContain('s3cretpw');
    expect(fs.existsSync(dataDir)).toBe(false);
  });

  it('a malformed REDIS_URL or REDIS_PREFIX is a configuration error naming the variable', () => {
    for (const url of ['127.0.0.1:6379', 'http://127.0.0.1:6379', 'redis://', 'redis://127.0.0.1:99999', 'redis://127.0.0.1:6379/cache', 'not a url']) {
      expect(() => loadConfig({ REDIS_URL: url }), url).toThrow(ConfigError);
      expect(() => loadConfig({ REDIS_URL: url }), url).toThrow(/REDIS_URL/);
    }
    for (const prefix of ['has space', 'x'.repeat(65), 'tab\tprefix', 'fm*']) {
      expect(() => loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: prefix }), prefix).toThrow(/REDIS_PREFIX/);
    }
  });

  it('reads redis:// and rediss:// URLs; the prefix defaults to fm:; unset, everything stays in process', () => {
    expect(loadConfig({}).redis).toBeUndefined();
    expect(loadConfig({ REDIS_URL: 'redis://127.0.0.1:6379' }).redis).toEqual({ url: 'redis://127.0.0.1:6379', prefix: 'fm:' });
    expect(loadConfig({ REDIS_URL: ' rediss://u:p@cache.example:6380/2 ', REDIS_PREFIX: 'tenant-a:' }).redis).toEqual({ url: 'rediss://u:p@cache.example:6380/2', prefix: 'tenant-a:' });
  });
});
