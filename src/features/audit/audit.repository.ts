import type { Kysely } from 'kysely';
import { rowCount } from '../../db/sql.js';
import { prepareQuery } from '../../db/prepared.js';
import type { AuditRow, Database } from '../../db/types.js';
import { nowIso } from '../../lib/time.js';

export interface AuditEntry {
  userId: number | null;
  action: string;
  objectType: string;
  objectId: string | number | null;
  ip: string | null;
  /** Never a secret: callers pass names and ids only. */
  details?: Record<string, unknown>;
}

export interface AuditFilter {
  userId?: number;
  action?: string;
  objectType?: string;
  limit: number;
  offset: number;
}

/** Compiled once (see prepared.ts): every write adds an entry. */
const insertEntry = prepareQuery((db, p: Omit<AuditRow, 'id'>) =>
  db.insertInto('audit_log').values({
    user_id: p.user_id,
    action: p.action,
    object_type: p.object_type,
    object_id: p.object_id,
    ip: p.ip,
    details: p.details,
    created_at: p.created_at,
  }),
);

export const auditRepository = {
  async insert(db: Kysely<Database>, entry: AuditEntry): Promise<void> {
    await insertEntry.execute(db, {
      user_id: entry.userId,
      action: entry.action,
      object_type: entry.objectType,
      object_id: entry.objectId === null ? null : String(entry.objectId),
      ip: entry.ip,
      details: entry.details ? JSON.stringify(entry.details) : null,
      created_at: nowIso(),
    });
  },

  async list(db: Kysely<Database>, filter: AuditFilter) {
    let query = db.selectFrom('audit_log').leftJoin('users', 'users.id', 'audit_log.user_id');
    if (filter.userId !== undefined) query = query.where('audit_log.user_id', '=', filter.userId);
    if (filter.action !== undefined) query = query.where('audit_log.action', '=', filter.action);
    if (filter.objectType !== undefined) query = query.where('audit_log.object_type', '=', filter.objectType);
    const [rows, total] = await Promise.all([
      query
        .select(['audit_log.id', 'audit_log.user_id', 'users.email', 'audit_log.action', 'audit_log.object_type', 'audit_log.object_id', 'audit_log.ip', 'audit_log.details', 'audit_log.created_at'])
        .orderBy('audit_log.id', 'desc')
        .limit(rowCount(filter.limit))
        .offset(rowCount(filter.offset))
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.n) };
  },
};
