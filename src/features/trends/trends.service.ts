import type { Kysely } from 'kysely';
import type { Database } from '../../db/types.js';
import type { Language } from '../../i18n/messages.js';
import type { Actor } from '../../lib/actor.js';
import type { Cache } from '../../lib/cache.js';
import { todayUtc } from '../../lib/time.js';
import { toProductDto, type ProductDto } from '../products/products.dto.js';
import { productsRepository } from '../products/products.repository.js';
import { trendsRepository, type TypeFrequency } from './trends.repository.js';

export interface TypeTrend {
  typeId: number;
  typeName: string;
  nameEn: string;
  nameFr: string;
  freq: number;
}

function toTrend(row: TypeFrequency, language: Language): TypeTrend {
  return { typeId: row.type_id, typeName: language === 'fr' ? row.name_fr : row.name_en, nameEn: row.name_en, nameFr: row.name_fr, freq: row.freq };
}

/** Months from `from` (YYYY-MM) for `count` months. */
function monthsFrom(from: string, count: number): string[] {
  const [y, m] = from.split('-').map(Number) as [number, number];
  return Array.from({ length: count }, (_, i) => {
    const d = new Date(Date.UTC(y, m - 1 + i, 1));
    return d.toISOString().slice(0, 7);
  });
}

/** Cached answers live at most this long (a write to the data they come from retires them at once). */
const TTL_MS = 60_000;

/**
 * Trends. Answers are cached (rows before translation, so one entry serves both languages): general trends
 * until anybody writes, the caller's until a write to their freezers' data; eat-first and consumption
 * also by today's date, which their answers depend on.
 */
export function createTrendsService(db: Kysely<Database>, cache: Cache) {
  const mine = (actor: Actor) => ({ kind: 'user', userId: actor.userId }) as const;
  return {
    async general(actor: Actor, limit = 100): Promise<TypeTrend[]> {
      const { value } = await cache.remember('trends-general', { kind: 'everybody' }, String(limit), TTL_MS, () => trendsRepository.general(db, limit));
      return value.map((r) => toTrend(r, actor.language));
    },

    async personal(actor: Actor, limit = 100): Promise<Array<TypeTrend & { latest: string | null }>> {
      const { value } = await cache.remember('trends-personal', mine(actor), String(limit), TTL_MS, () => trendsRepository.personal(db, actor.userId, limit));
      return value.map((r) => ({ ...toTrend(r, actor.language), latest: r.latest }));
    },

    /** The caller's products inside, most overdue first: what to eat next. */
    async eatFirst(actor: Actor, limit = 20): Promise<ProductDto[]> {
      const today = todayUtc();
      const { value } = await cache.remember('trends-eat-first', mine(actor), `${today}:${limit}`, TTL_MS, async () => {
        return (await productsRepository.list(db, actor.userId, { status: 'inside', today, sort: 'dueDate', order: 'asc', limit, offset: 0 })).rows;
      });
      return value.map((r) => toProductDto(r, actor.language, today));
    },

    /** Portions taken out per month over the last `months` months, this month included, zeros filled in. */
    async consumption(actor: Actor, months = 12): Promise<Array<{ month: string; portions: number; products: number }>> {
      const now = new Date();
      const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (months - 1), 1)).toISOString().slice(0, 10);
      const today = todayUtc();
      const { value: rows } = await cache.remember('trends-consumption', mine(actor), `${today}:${first}`, TTL_MS, () => trendsRepository.consumption(db, actor.userId, first));
      const byMonth = new Map(rows.map((r) => [r.month, r]));
      return monthsFrom(first.slice(0, 7), months)
        .filter((month) => month <= today.slice(0, 7))
        .map((month) => byMonth.get(month) ?? { month, portions: 0, products: 0 });
    },
  };
}

export type TrendsService = ReturnType<typeof createTrendsService>;
