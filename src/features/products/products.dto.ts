import type { Language } from '../../i18n/messages.js';
import type { ProductView } from './products.repository.js';

export interface ProductDto {
  id: number;
  name: string;
  description: string;
  typeId: number;
  /** The type's name in the caller's language. */
  typeName: string;
  freezerId: number;
  freezerName: string;
  box: number;
  slot: number;
  dateIn: string;
  dateOut: string | null;
  periodMonths: number;
  dueDate: string;
  quantity: number;
  inside: boolean;
  overdue: boolean;
  /** For the history row of a partial take-out: the product the portions came from. */
  sourceProductId: number | null;
  addedBy: number;
  createdAt: string;
  updatedAt: string;
}

export function toProductDto(row: ProductView, language: Language, today: string): ProductDto {
  const inside = row.date_out === null;
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    typeId: row.type_id,
    typeName: language === 'fr' ? row.type_name_fr : row.type_name_en,
    freezerId: row.freezer_id,
    freezerName: row.freezer_name,
    box: row.box,
    slot: row.slot,
    dateIn: row.date_in,
    dateOut: row.date_out,
    periodMonths: row.period_months,
    dueDate: row.due_date,
    quantity: row.quantity,
    inside,
    overdue: inside && row.due_date < today,
    sourceProductId: row.source_product_id,
    addedBy: row.user_id,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}
