import type { Kysely } from 'kysely';
import type { Database, UserRow } from '../../db/types.js';

export interface SessionRow {
  id: number;
  user_id: number;
  expires_at: string;
}

export const sessionsRepository = {
  async create(db: Kysely<Database>, session: { user_id: number; token_hash: string; expires_at: string; created_at: string }): Promise<SessionRow> {
    return db.insertInto('sessions').values(session).returning(['id', 'user_id', 'expires_at']).executeTakeFirstOrThrow();
  },

  async findWithUserByHash(db: Kysely<Database>, tokenHash: string): Promise<{ session: SessionRow; user: UserRow } | undefined> {
    const session = await db.selectFrom('sessions').select(['id', 'user_id', 'expires_at']).where('token_hash', '=', tokenHash).executeTakeFirst();
    if (!session) return undefined;
    const user = await db.selectFrom('users').selectAll().where('id', '=', session.user_id).executeTakeFirst();
    return user ? { session, user } : undefined;
  },

  async delete(db: Kysely<Database>, id: number): Promise<void> {
    await db.deleteFrom('sessions').where('id', '=', id).execute();
  },

  /** Ends every session of a user except one (the one that changed the password keeps working). */
  async deleteAllForUser(db: Kysely<Database>, userId: number, exceptId?: number): Promise<void> {
    let query = db.deleteFrom('sessions').where('user_id', '=', userId);
    if (exceptId !== undefined) query = query.where('id', '!=', exceptId);
    await query.execute();
  },

  async deleteExpired(db: Kysely<Database>, now: string): Promise<void> {
    await db.deleteFrom('sessions').where('expires_at', '<=', now).execute();
  },
};
