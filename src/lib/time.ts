/** Dates and instants as strings; calendar dates are 'YYYY-MM-DD'. */

export const nowIso = (): string => new Date().toISOString();

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** True for a real calendar date in YYYY-MM-DD form (2018-02-30 is not). */
export function isCalendarDate(value: string): boolean {
  const m = DATE_RE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const date = new Date(Date.UTC(y, mo - 1, d));
  return y >= 1900 && date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d;
}

export function utcDate(date: Date): string {
  return date.toISOString().slice(0, 10);
}

const DAY_MS = 86_400_000;

/**
 * The UTC calendar date of the clock moved by `offsetMs`, kept for the day it spans: most requests ask for
 * today (and writes for the latest today), and working a date out costs a Date and a string each time.
 */
function dayOfClock(offsetMs: number): () => string {
  let day = { date: '', from: 0, until: 0 };
  return () => {
    const ms = Date.now() + offsetMs;
    // Both bounds: the clock can be set back (or a test's fake clock moved) as well as go forward.
    if (ms < day.from || ms >= day.until) {
      const from = ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
      day = { date: utcDate(new Date(ms)), from, until: from + DAY_MS };
    }
    return day.date;
  };
}

const UTC_PLUS_14 = 14 * 3600 * 1000;
const today = dayOfClock(0);
const latest = dayOfClock(UTC_PLUS_14);

export function todayUtc(now?: Date): string {
  return now ? utcDate(now) : today();
}

/**
 * The latest calendar date that is "today" somewhere on Earth (UTC+14). A date after it is in the
 * future for everybody, so a household in New Zealand is never told its today is in the future.
 */
export function latestToday(now?: Date): string {
  return now ? utcDate(new Date(now.getTime() + UTC_PLUS_14)) : latest();
}

/** Adds months to a calendar date; the day is clamped to the month's end (2018-01-31 + 1 = 2018-02-28). */
export function addMonths(date: string, months: number): string {
  const m = DATE_RE.exec(date);
  if (!m) throw new Error(`not a date: ${date}`);
  const y = Number(m[1]);
  const mo = Number(m[2]) - 1 + months;
  const d = Number(m[3]);
  const year = y + Math.floor(mo / 12);
  const month = ((mo % 12) + 12) % 12;
  const last = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  return utcDate(new Date(Date.UTC(year, month, Math.min(d, last))));
}

export function addDays(date: string, days: number): string {
  const t = Date.parse(`${date}T00:00:00Z`);
  return utcDate(new Date(t + days * 86400 * 1000));
}
