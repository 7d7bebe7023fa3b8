import type { Kysely } from 'kysely';
import type { Database } from '../../db/types.js';
import type { Language } from '../../i18n/messages.js';
import type { Actor } from '../../lib/actor.js';
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

/**
 * Trends. Not cached here: every route that answers with them keeps its answer (sendCached), and a second
 * cache of the rows underneath took as much room again for nothing, so that at ten thousand users the
 * answers no longer fitted.
 */
export function createTrendsService(db: Kysely<Database>) {
  return {
    async general(actor: Actor, limit = 100): Promise<TypeTrend[]> {
      return (await trendsRepository.general(db, limit)).map((r) => toTrend(r, actor.language));
    },

    async personal(actor: Actor, limit = 100): Promise<Array<TypeTrend & { latest: string | null }>> {
      return (await trendsRepository.personal(db, actor.userId, limit)).map((r) => ({ ...toTrend(r, actor.language), latest: r.latest }));
    },

    /** The caller's products inside, most overdue first: what to eat next. */
    async eatFirst(actor: Actor, limit = 20): Promise<ProductDto[]> {
      const today = todayUtc();
      const { rows } = await productsRepository.list(db, actor.userId, { status: 'inside', today, sort: 'dueDate', order: 'asc', limit, offset: 0 });
      return rows.map((r) => toProductDto(r, actor.language, today));
    },

    /** Portions taken out per month over the last `months` months, this month included, zeros filled in. */
    async consumption(actor: Actor, months = 12): Promise<Array<{ month: string; portions: number; products: number }>> {
      const now = new Date();
      const first = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - (months - 1), 1)).toISOString().slice(0, 10);
      const today = todayUtc();
      const rows = await trendsRepository.consumption(db, actor.userId, first);
      const byMonth = new Map(rows.map((r) => [r.month, r]));
      return monthsFrom(first.slice(0, 7), months)
        .filter((month) => month <= today.slice(0, 7))
        .map((month) => byMonth.get(month) ?? { month, portions: 0, products: 0 });
    },
  };
}

export type TrendsService = ReturnType<typeof createTrendsService>;
