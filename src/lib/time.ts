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

/**
 * The latest calendar date that is "today" somewhere on Earth (UTC+14). A date after it is in the
 * future for everybody, so a household in New Zealand is never told its today is in the future.
 */
export function latestToday(now: Date = new Date()): string {
  return utcDate(new Date(now.getTime() + 14 * 3600 * 1000));
}

const DAY_MS = 86_400_000;
/** The UTC day last asked for and the instants it spans, [from, until): most requests ask for today. */
let currentDay = { date: '', from: 0, until: 0 };

export function todayUtc(now?: Date): string {
  if (now) return utcDate(now);
  const ms = Date.now();
  // Both bounds: the clock can be set back (or a test's fake clock moved) as well as go forward.
  if (ms < currentDay.from || ms >= currentDay.until) {
    const from = ms - (((ms % DAY_MS) + DAY_MS) % DAY_MS);
    currentDay = { date: utcDate(new Date(ms)), from, until: from + DAY_MS };
  }
  return currentDay.date;
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
