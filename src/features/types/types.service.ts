import type { Kysely } from 'kysely';
import { isForeignKeyViolation, isUniqueViolation, inTransaction } from '../../db/database.js';
import type { Database, ProductTypeRow } from '../../db/types.js';
import type { Language } from '../../i18n/messages.js';
import type { Actor } from '../../lib/actor.js';
import { AppError, conflict, notFound } from '../../lib/errors.js';
import { nowIso } from '../../lib/time.js';
import { auditRepository } from '../audit/audit.repository.js';
import { typesRepository } from './types.repository.js';

export interface TypeDto {
  id: number;
  /** The name in the caller's language. */
  name: string;
  nameEn: string;
  nameFr: string;
  periodMonths: number;
}

export function toTypeDto(row: ProductTypeRow, language: Language): TypeDto {
  return {
    id: row.id,
    name: language === 'fr' ? row.name_fr : row.name_en,
    nameEn: row.name_en,
    nameFr: row.name_fr,
    periodMonths: row.period_months,
  };
}

export interface TypeInput {
  nameEn: string;
  nameFr: string;
  periodMonths: number;
}

function adminOnly(actor: Actor): void {
  if (actor.role !== 'admin') throw new AppError(403, 'admin-only');
}

export function createTypesService(db: Kysely<Database>) {
  const audit = (trx: Kysely<Database>, actor: Actor, action: string, id: number, details?: Record<string, unknown>) =>
    auditRepository.insert(trx, { userId: actor.userId, action, objectType: 'type', objectId: id, ip: actor.ip, ...(details ? { details } : {}) });

  const nameConflict = (err: unknown): never => {
    if (isUniqueViolation(err)) throw conflict('type-name-taken');
    throw err;
  };

  return {
    async list(actor: Actor): Promise<TypeDto[]> {
      return (await typesRepository.list(db)).map((row) => toTypeDto(row, actor.language));
    },

    async get(actor: Actor, id: number): Promise<TypeDto> {
      const row = await typesRepository.getById(db, id);
      if (!row) throw notFound('type-not-found');
      return toTypeDto(row, actor.language);
    },

    async create(actor: Actor, input: TypeInput): Promise<TypeDto> {
      adminOnly(actor);
      const now = nowIso();
      const row = await inTransaction(db, async (trx) => {
          if (await typesRepository.findByNameIgnoringCase(trx, { nameEn: input.nameEn.trim(), nameFr: input.nameFr.trim() })) throw conflict('type-name-taken');
          const created = await typesRepository.create(trx, {
            name_en: input.nameEn.trim(),
            name_fr: input.nameFr.trim(),
            period_months: input.periodMonths,
            created_at: now,
            updated_at: now,
          });
          await audit(trx, actor, 'type.create', created.id, { nameEn: created.name_en });
          return created;
        })
        .catch(nameConflict);
      return toTypeDto(row, actor.language);
    },

    async update(actor: Actor, id: number, input: Partial<TypeInput>): Promise<TypeDto> {
      adminOnly(actor);
      const row = await inTransaction(db, async (trx) => {
          const names = {
            ...(input.nameEn !== undefined ? { nameEn: input.nameEn.trim() } : {}),
            ...(input.nameFr !== undefined ? { nameFr: input.nameFr.trim() } : {}),
          };
          if ((names.nameEn !== undefined || names.nameFr !== undefined) && (await typesRepository.findByNameIgnoringCase(trx, names, id))) {
            throw conflict('type-name-taken');
          }
          const updated = await typesRepository.update(trx, id, {
            ...(input.nameEn !== undefined ? { name_en: input.nameEn.trim() } : {}),
            ...(input.nameFr !== undefined ? { name_fr: input.nameFr.trim() } : {}),
            ...(input.periodMonths !== undefined ? { period_months: input.periodMonths } : {}),
            updated_at: nowIso(),
          });
          if (!updated) throw notFound('type-not-found');
          await audit(trx, actor, 'type.update', id, input);
          return updated;
        })
        .catch(nameConflict);
      return toTypeDto(row, actor.language);
    },

    async delete(actor: Actor, id: number): Promise<void> {
      adminOnly(actor);
      await inTransaction(db, async (trx) => {
          const row = await typesRepository.getById(trx, id);
          if (!row) throw notFound('type-not-found');
          const count = await typesRepository.countProducts(trx, id);
          if (count > 0) throw conflict('type-in-use', { count });
          await typesRepository.delete(trx, id);
          await audit(trx, actor, 'type.delete', id, { nameEn: row.name_en });
        })
        .catch((err: unknown) => {
          if (isForeignKeyViolation(err)) throw conflict('type-in-use', { count: 1 });
          throw err;
        });
    },
  };
}

export type TypesService = ReturnType<typeof createTypesService>;
