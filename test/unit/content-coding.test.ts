import { describe, expect, it } from 'vitest';
import { gunzipSync, gzipSync } from 'node:zlib';
import { acceptsGzip, gzipAnswer, GZIP_SYNC_MAX_BYTES, isGzip } from '../../src/lib/content-coding.js';

describe('acceptsGzip (Accept-Encoding)', () => {
  it.each([
    'gzip',
    'gzip, deflate, br',
    'br;q=1.0, gzip;q=0.8, *;q=0.1',
    'GZip',
    ' x-gzip ',
    '*',
    'identity, *;q=0.5',
    'gzip;q=0.001',
    'gzip; Q=1',
  ])('%j takes gzip', (header) => {
    expect(acceptsGzip(header)).toBe(true);
  });

  it.each([
    '',
    'identity',
    'deflate, br',
    'gzip;q=0',
    'gzip;q=0.000',
    '*;q=0',
    'gzip;q=0, *',
    '*, gzip;q=0',
    'gzip, gzip;q=0',
    'gzip;q=abc',
    'gzipped',
  ])('%j does not', (header) => {
    expect(acceptsGzip(header)).toBe(false);
  });

  it('takes no header as no gzip, and a header sent twice as one list', () => {
    expect(acceptsGzip(undefined)).toBe(false);
    expect(acceptsGzip(['deflate', 'gzip'])).toBe(true);
    expect(acceptsGzip(['gzip', 'gzip;q=0'])).toBe(false);
  });

  it('answers each header for itself when clients alternate (the last one is remembered)', () => {
    for (let i = 0; i < 3; i += 1) {
      expect(acceptsGzip('gzip, br')).toBe(true);
      expect(acceptsGzip('gzip, br')).toBe(true);
      expect(acceptsGzip('br')).toBe(false);
      expect(acceptsGzip('')).toBe(false);
      expect(acceptsGzip('gzip, br')).toBe(true);
    }
  });
});

describe('isGzip', () => {
  it('tells gzip bytes from JSON text', () => {
    expect(isGzip(gzipSync('{"a":1}'))).toBe(true);
    for (const json of ['{}', '[]', '"x"', '0', '']) expect(isGzip(Buffer.from(json))).toBe(false);
    expect(isGzip(Buffer.from([0x1f]))).toBe(false);
  });
});

describe('gzipAnswer', () => {
  const json = (bytes: number) => Buffer.from(JSON.stringify(Array.from({ length: Math.ceil(bytes / 40) }, (_, i) => ({ id: i, name: `Soup ${i % 97}` }))));

  it('gzips a small answer at once and a large one on the thread pool, both back to the same bytes', async () => {
    const small = json(20_000);
    const done = gzipAnswer(small);
    expect(Buffer.isBuffer(done)).toBe(true);
    expect(gunzipSync(done as Buffer).equals(small)).toBe(true);

    const large = json(GZIP_SYNC_MAX_BYTES * 2);
    expect(large.length).toBeGreaterThan(GZIP_SYNC_MAX_BYTES);
    const pending = gzipAnswer(large);
    expect(pending).toBeInstanceOf(Promise);
    const bytes = await pending;
    expect(isGzip(bytes)).toBe(true);
    expect(gunzipSync(bytes).equals(large)).toBe(true);
    expect(bytes.length).toBeLessThan(large.length / 4);
  });
});
