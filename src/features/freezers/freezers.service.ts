import type { Kysely } from 'kysely';
import type { Database } from '../../db/types.js';
import type { Actor } from '../../lib/actor.js';
import { conflict, notFound } from '../../lib/errors.js';
import { nowIso, todayUtc } from '../../lib/time.js';
import { auditRepository } from '../audit/audit.repository.js';
import { toProductDto, type ProductDto } from '../products/products.dto.js';
import { productsRepository } from '../products/products.repository.js';
import { freezersRepository, type FreezerWithCounts } from './freezers.repository.js';
import { nextFreeSlots } from './slots.js';
import { inTransaction, watchMembershipWrites, watchVersion } from '../../db/database.js';

export interface FreezerDto {
  id: number;
  name: string;
  boxCount: number;
  productsInside: number;
  portionsInside: number;
  createdAt: string;
  updatedAt: string;
}

function toFreezerDto(row: FreezerWithCounts): FreezerDto {
  return {
    id: row.id,
    name: row.name,
    boxCount: row.box_count,
    productsInside: row.products_inside,
    portionsInside: row.portions_inside,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export interface BoxContent {
  box: number;
  nextSlot: number;
  products: ProductDto[];
}

/** A freezer holds at most this many products inside: bounds the "content by box" answer. */
const MAX_CONTENT = 5000;

/**
 * Who shares a freezer with whom, asked on every write (cache invalidation): kept in process. On SQLite,
 * TEMP triggers report this connection's membership writes and data_version other processes' writes; on
 * PostgreSQL, the change feed hears everybody's (see watchMembershipWrites and watchVersion).
 */
function coMemberLookup(db: Kysely<Database>): (userId: number) => Promise<number[]> {
  const query = (userId: number) => freezersRepository.coMemberIds(db, userId);
  const watchedVersion = watchVersion(db);
  let generation = 0;
  if (!watchedVersion || !watchMembershipWrites(db, () => (generation += 1))) return query;
  const known = new Map<number, number[]>();
  let knownAt = { generation, version: watchedVersion() };
  return async (userId) => {
    const version = watchedVersion();
    if (knownAt.generation !== generation || knownAt.version !== version) {
      known.clear();
      knownAt = { generation, version };
    }
    const kept = known.get(userId);
    if (kept) return kept;
    const before = generation;
    const ids = await query(userId);
    // Kept only if no membership changed meanwhile (the answer may already be out of date otherwise).
    if (before === generation && knownAt.version === version && knownAt.generation === generation) known.set(userId, ids);
    return ids;
  };
}

export function createFreezersService(db: Kysely<Database>) {
  const coMembers = coMemberLookup(db);
  async function load(trx: Kysely<Database>, actor: Actor, id: number): Promise<FreezerWithCounts> {
    const row = await freezersRepository.getForMember(trx, actor.userId, id);
    if (!row) throw notFound('freezer-not-found');
    return row;
  }

  const audit = (trx: Kysely<Database>, actor: Actor, action: string, id: number, details?: Record<string, unknown>) =>
    auditRepository.insert(trx, { userId: actor.userId, action, objectType: 'freezer', objectId: id, ip: actor.ip, ...(details ? { details } : {}) });

  return {
    /** The users who share a freezer with this one (whose answers a write of theirs may change). */
    coMemberIds: (userId: number): Promise<number[]> => coMembers(userId),

    async list(actor: Actor): Promise<FreezerDto[]> {
      return (await freezersRepository.listByMember(db, actor.userId)).map(toFreezerDto);
    },

    async get(actor: Actor, id: number): Promise<FreezerDto> {
      return toFreezerDto(await load(db, actor, id));
    },

    async create(actor: Actor, input: { name: string; boxCount: number }): Promise<FreezerDto> {
      return inTransaction(db, async (trx) => {
        const id = await freezersRepository.create(trx, actor.userId, { name: input.name.trim(), box_count: input.boxCount, created_at: nowIso() });
        await audit(trx, actor, 'freezer.create', id, { name: input.name.trim(), boxCount: input.boxCount });
        return toFreezerDto(await load(trx, actor, id));
      });
    },

    /** Renames or resizes; a freezer cannot shrink below a box that still holds products. */
    async update(actor: Actor, id: number, changes: { name?: string; boxCount?: number }): Promise<FreezerDto> {
      return inTransaction(db, async (trx) => {
        await load(trx, actor, id);
        if (changes.boxCount !== undefined) {
          const highest = await freezersRepository.highestBoxInUse(trx, id);
          if (highest > changes.boxCount) throw conflict('box-count-too-small', { box: highest }, 'boxCount');
        }
        await freezersRepository.update(trx, id, {
          ...(changes.name !== undefined ? { name: changes.name.trim() } : {}),
          ...(changes.boxCount !== undefined ? { box_count: changes.boxCount } : {}),
          updated_at: nowIso(),
        });
        await audit(trx, actor, 'freezer.update', id, changes);
        return toFreezerDto(await load(trx, actor, id));
      });
    },

    /** Deletes an empty freezer. One that holds or held products keeps its history: 409. */
    async delete(actor: Actor, id: number): Promise<void> {
      await inTransaction(db, async (trx) => {
        const freezer = await load(trx, actor, id);
        const count = await freezersRepository.countAllProducts(trx, id);
        if (count > 0) throw conflict('freezer-has-history', { count });
        await freezersRepository.delete(trx, id);
        await audit(trx, actor, 'freezer.delete', id, { name: freezer.name });
      });
    },

    async nextSlots(actor: Actor, id: number): Promise<Array<{ box: number; nextSlot: number }>> {
      const freezer = await load(db, actor, id);
      return nextFreeSlots(freezer.box_count, await freezersRepository.usedSlots(db, id));
    },

    /** What is inside, box by box, with each box's next free slot. */
    async contents(actor: Actor, id: number): Promise<{ freezer: FreezerDto; boxes: BoxContent[] }> {
      const freezer = await load(db, actor, id);
      const today = todayUtc();
      const { rows } = await productsRepository.list(db, actor.userId, {
        status: 'inside',
        freezerId: id,
        today,
        sort: 'location',
        order: 'asc',
        limit: MAX_CONTENT,
        offset: 0,
      });
      // From every slot in use, not only the products listed (the list stops at MAX_CONTENT).
      const slots = nextFreeSlots(freezer.box_count, await freezersRepository.usedSlots(db, id));
      const boxes: BoxContent[] = slots.map(({ box, nextSlot }) => ({ box, nextSlot, products: [] }));
      for (const row of rows) {
        boxes[row.box - 1]?.products.push(toProductDto(row, actor.language, today));
      }
      return { freezer: toFreezerDto(freezer), boxes };
    },
  };
}

export type FreezersService = ReturnType<typeof createFreezersService>;
