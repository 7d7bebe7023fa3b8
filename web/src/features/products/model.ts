import { api, unwrap } from '../../api/client';
import type { Reply } from '../../api/types';

export type Product = Reply<'/api/v1/products/{id}', 'get'>;
export type Freezer = Reply<'/api/v1/freezers', 'get'>[number];
export type ProductType = Reply<'/api/v1/types', 'get'>[number];

/** Today in the user's time zone, as the API's YYYY-MM-DD. */
export function today(): string {
  const d = new Date();
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
}

/** Days from today to a YYYY-MM-DD date (negative: in the past). */
export function daysUntil(date: string): number {
  const [y, m, d] = date.split('-').map(Number);
  const target = Date.UTC(y!, m! - 1, d!);
  const now = new Date();
  const start = Date.UTC(now.getFullYear(), now.getMonth(), now.getDate());
  return Math.round((target - start) / 86_400_000);
}

export const DUE_SOON_DAYS = 30;

export function loadFreezers(): Promise<Freezer[]> {
  return unwrap(api.GET('/api/v1/freezers'));
}

export function loadTypes(): Promise<ProductType[]> {
  return unwrap(api.GET('/api/v1/types'));
}

/** The next free slot of every box of a freezer. */
export async function loadNextSlots(freezerId: number): Promise<Map<number, number>> {
  const slots = await unwrap(api.GET('/api/v1/freezers/{id}/next-slots', { params: { path: { id: freezerId } } }));
  return new Map(slots.map((s) => [s.box, s.nextSlot]));
}
