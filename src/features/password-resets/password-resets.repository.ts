import type { Kysely } from 'kysely';
import type { Database } from '../../db/types.js';

export const passwordResetsRepository = {
  async create(db: Kysely<Database>, reset: { user_id: number; token_hash: string; expires_at: string; created_at: string }): Promise<void> {
    await db.insertInto('password_resets').values(reset).execute();
  },

  /** An unused, unexpired reset with this hash. */
  findUsable(db: Kysely<Database>, tokenHash: string, now: string) {
    return db
      .selectFrom('password_resets')
      .select(['id', 'user_id'])
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', now)
      .executeTakeFirst();
  },

  /** Marks one reset used; false when another request used it first. */
  async markUsed(db: Kysely<Database>, id: number, now: string): Promise<boolean> {
    const result = await db.updateTable('password_resets').set({ used_at: now }).where('id', '=', id).where('used_at', 'is', null).executeTakeFirst();
    return Number(result.numUpdatedRows) > 0;
  },

  /** Every outstanding reset of a user stops working (after a successful reset or password change). */
  async invalidateForUser(db: Kysely<Database>, userId: number, now: string): Promise<void> {
    await db.updateTable('password_resets').set({ used_at: now }).where('user_id', '=', userId).where('used_at', 'is', null).execute();
  },

  async countRecent(db: Kysely<Database>, userId: number, since: string): Promise<number> {
    const row = await db
      .selectFrom('password_resets')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('user_id', '=', userId)
      .where('created_at', '>', since)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },
};
