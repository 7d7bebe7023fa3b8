import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError, loadConfig, redactDatabaseUrl } from '../../src/config.js';
import { addMonths, isCalendarDate, latestToday, todayUtc } from '../../src/lib/time.js';
import { nextFreeSlot, nextFreeSlots } from '../../src/features/freezers/slots.js';
import { languageFromHeader } from '../../src/i18n/messages.js';
import { redactUrl } from '../../src/plugins/logging.js';

describe('configuration', () => {
  it('has the contract defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(8080);
    expect(config.host).toBe('127.0.0.1');
    expect(config.dataDir).toBe(path.resolve('./data'));
    expect(config.database).toEqual({ kind: 'sqlite', file: path.resolve('./data/freezer-manager.sqlite') });
    expect(config.rateLimitPerMinute).toBe(100);
    expect(config.rateLimitPerDay).toBe(24000);
    expect(config.logLevel).toBe('info');
    expect(config.cookieSecure).toBe(false);
  });

  it('reads sqlite: URLs and refuses what it cannot serve', () => {
    expect(loadConfig({ DATABASE_URL: 'sqlite:/tmp/x.sqlite' }).database).toEqual({ kind: 'sqlite', file: '/tmp/x.sqlite' });
    expect(() => loadConfig({ DATABASE_URL: 'mysql://root@localhost/x' })).toThrow(ConfigError);
    expect(() => loadConfig({ DATABASE_URL: 'sqlite:' })).toThrow(ConfigError);
  });

  it('reads postgres:// and postgresql:// URLs with a pool size, and says what is wrong without the password', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://fm:s3cret@db.example:5432/freezer' }).database).toEqual({
      kind: 'postgres',
      url: 'postgres://fm:s3cret@db.example:5432/freezer',
      poolMax: 10,
      preparedStatements: true,
      changeFeed: true,
    });
    expect(loadConfig({ DATABASE_URL: 'postgresql://fm@127.0.0.1/freezer', DATABASE_POOL_MAX: '25' }).database).toMatchObject({ kind: 'postgres', poolMax: 25 });
    expect(() => loadConfig({ DATABASE_URL: 'postgres://fm@127.0.0.1/freezer', DATABASE_POOL_MAX: '0' })).toThrow(/DATABASE_POOL_MAX/);
    expect(() => loadConfig({ DATABASE_URL: 'postgres://fm@127.0.0.1/freezer', DATABASE_POOL_MAX: 'many' })).toThrow(/DATABASE_POOL_MAX/);
    expect(loadConfig({ DATABASE_URL: 'postgres://fm@127.0.0.1/freezer', DATABASE_PREPARED_STATEMENTS: 'false' }).database).toMatchObject({ preparedStatements: false });
    expect(() => loadConfig({ DATABASE_URL: 'postgres://fm@127.0.0.1/freezer', DATABASE_PREPARED_STATEMENTS: 'sometimes' })).toThrow(/DATABASE_PREPARED_STATEMENTS must be true or false/);
    expect(loadConfig({ DATABASE_URL: 'postgres://fm@127.0.0.1/freezer', DATABASE_CHANGE_FEED: 'false' }).database).toMatchObject({ changeFeed: false });
    expect(() => loadConfig({ DATABASE_URL: 'postgres://fm@127.0.0.1/freezer', DATABASE_CHANGE_FEED: 'yes please' })).toThrow(/DATABASE_CHANGE_FEED must be true or false/);
    for (const url of ['postgres://fm:s3cret@db.example:5432/', 'postgres://fm:s3cret@db.example:bad/freezer']) {
      let message = '';
      try {
        loadConfig({ DATABASE_URL: url });
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        message = (err as Error).message;
      }
      expect(message).toMatch(/DATABASE_URL/);
      expect(message).not.toContain('s3cret');
    }
    expect(redactDatabaseUrl('postgres://fm:s3cret@db.example:5432/freezer')).toBe('postgres://fm:***@db.example:5432/freezer');
    expect(redactDatabaseUrl('postgres://fm@db.example/freezer?password=s3cret')).not.toContain('s3cret');
    expect(redactDatabaseUrl('postgres://fm@db.example/freezer')).toBe('postgres://fm@db.example/freezer');
  });

  it('refuses malformed numbers, levels and URLs with the variable name', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ PORT: '70000' })).toThrow(/PORT/);
    expect(() => loadConfig({ RATE_LIMIT_PER_MINUTE: '-1' })).toThrow(/RATE_LIMIT_PER_MINUTE/);
    expect(() => loadConfig({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => loadConfig({ PUBLIC_URL: 'not a url' })).toThrow(/PUBLIC_URL/);
    expect(() => loadConfig({ COOKIE_SECURE: 'maybe' })).toThrow(/COOKIE_SECURE/);
  });

  it('turns on secure cookies for an https public address', () => {
    expect(loadConfig({ PUBLIC_URL: 'https://freezer.example.com/' }).cookieSecure).toBe(true);
    expect(loadConfig({ PUBLIC_URL: 'https://freezer.example.com/' }).publicUrl).toBe('https://freezer.example.com');
    expect(loadConfig({ RATE_LIMIT_PER_MINUTE: '0' }).rateLimitPerMinute).toBe(0);
  });
});

describe('dates', () => {
  it('knows real calendar dates', () => {
    expect(isCalendarDate('2018-02-28')).toBe(true);
    expect(isCalendarDate('2020-02-29')).toBe(true);
    expect(isCalendarDate('2018-02-29')).toBe(false);
    expect(isCalendarDate('2018-13-01')).toBe(false);
    expect(isCalendarDate('18-01-01')).toBe(false);
  });

  it('adds months, clamping to the end of the month', () => {
    expect(addMonths('2018-01-31', 1)).toBe('2018-02-28');
    expect(addMonths('2017-12-26', 6)).toBe('2018-06-26');
    expect(addMonths('2018-11-15', 14)).toBe('2020-01-15');
  });

  it('takes the latest "today" on Earth as the limit for future dates', () => {
    expect(latestToday(new Date('2026-01-01T09:59:00Z'))).toBe('2026-01-01');
    expect(latestToday(new Date('2026-01-01T10:00:00Z'))).toBe('2026-01-02');
  });

  describe('today (UTC), kept for the day it spans', () => {
    afterEach(() => {
      vi.useRealTimers();
    });

    /** Sets the clock to each instant in turn and reads the day there (the same instant twice: the kept day). */
    function expectDaysAt(read: () => string, steps: ReadonlyArray<readonly [instant: string, day: string]>): void {
      vi.useFakeTimers();
      for (const [instant, day] of steps) {
        vi.setSystemTime(new Date(instant));
        expect(read(), instant).toBe(day);
      }
    }

    it('moves on at midnight UTC and follows a clock set back', () => {
      expectDaysAt(todayUtc, [
        ['2026-03-01T23:59:59.999Z', '2026-03-01'],
        ['2026-03-02T00:00:00.000Z', '2026-03-02'],
        ['2026-03-02T00:00:00.000Z', '2026-03-02'],
        ['2026-03-01T12:00:00Z', '2026-03-01'],
        ['1969-12-31T23:00:00Z', '1969-12-31'],
        ['1970-01-01T00:00:00Z', '1970-01-01'],
      ]);
    });

    it('the latest today on Earth moves on at 10:00 UTC, and back with the clock', () => {
      expectDaysAt(latestToday, [
        ['2026-03-01T09:59:59.999Z', '2026-03-01'],
        ['2026-03-01T10:00:00.000Z', '2026-03-02'],
        ['2026-03-01T09:00:00Z', '2026-03-01'],
      ]);
      expect(todayUtc()).toBe('2026-03-01');
    });

    it('answers for the instant given, whatever day was kept', () => {
      expect(todayUtc(new Date('2018-05-04T10:00:00Z'))).toBe('2018-05-04');
      expect(todayUtc()).toBe(new Date().toISOString().slice(0, 10));
    });
  });
});

describe('next free slot', () => {
  it('is the smallest positive slot not in use', () => {
    expect(nextFreeSlot([])).toBe(1);
    expect(nextFreeSlot([1, 2, 3])).toBe(4);
    expect(nextFreeSlot([1, 2, 4])).toBe(3);
    expect(nextFreeSlot([2, 3])).toBe(1);
    expect(nextFreeSlots(3, [{ box: 1, slot: 1 }, { box: 1, slot: 3 }, { box: 3, slot: 1 }])).toEqual([
      { box: 1, nextSlot: 2 },
      { box: 2, nextSlot: 1 },
      { box: 3, nextSlot: 2 },
    ]);
  });
});

describe('language negotiation and log redaction', () => {
  it('picks en or fr from Accept-Language by weight', () => {
    expect(languageFromHeader('fr-BE,fr;q=0.9,en;q=0.8')).toBe('fr');
    expect(languageFromHeader('de-DE,en;q=0.5,fr;q=0.7')).toBe('fr');
    expect(languageFromHeader('de')).toBe('en');
    expect(languageFromHeader(undefined)).toBe('en');
  });

  it('redacts token-like URL segments and secret query values', () => {
    const hex = 'a'.repeat(64);
    expect(redactUrl(`/types/${hex}`)).toBe('/types/[redacted]');
    expect(redactUrl('/api/v1/products/12?limit=5')).toBe('/api/v1/products/12?limit=5');
    expect(redactUrl('/x?token=abc&limit=5')).toBe('/x?token=[redacted]&limit=5');
    // credentials of any shape where the URL carries one
    expect(redactUrl('/check_token/abcd.efgh.ijkl')).toBe('/check_token/[redacted]');
    expect(redactUrl('/get_product/all/0/short+tok=')).toBe('/get_product/all/0/[redacted]');
    expect(redactUrl('/api/v1/shared-photos/fmp.short/preview?size=thumb')).toBe('/api/v1/shared-photos/[redacted]/preview?size=thumb');
    expect(redactUrl('/types')).toBe('/types');
  });
});
