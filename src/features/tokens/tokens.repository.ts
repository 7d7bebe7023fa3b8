import type { Insertable, Kysely } from 'kysely';
import type { ApiTokenRow, ApiTokensTable, Database, UserRow } from '../../db/types.js';

export const tokensRepository = {
  create(db: Kysely<Database>, token: Insertable<ApiTokensTable>): Promise<ApiTokenRow> {
    return db.insertInto('api_tokens').values(token).returningAll().executeTakeFirstOrThrow();
  },

  listByUser(db: Kysely<Database>, userId: number): Promise<ApiTokenRow[]> {
    return db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).orderBy('id').execute();
  },

  getById(db: Kysely<Database>, userId: number, id: number): Promise<ApiTokenRow | undefined> {
    return db.selectFrom('api_tokens').selectAll().where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
  },

  async delete(db: Kysely<Database>, userId: number, id: number): Promise<boolean> {
    const result = await db.deleteFrom('api_tokens').where('user_id', '=', userId).where('id', '=', id).executeTakeFirst();
    return Number(result.numDeletedRows) > 0;
  },

  /** The token with this hash and its user, or undefined. Expiry is checked by the caller. */
  async findWithUserByHash(db: Kysely<Database>, tokenHash: string): Promise<{ token: ApiTokenRow; user: UserRow } | undefined> {
    const token = await db.selectFrom('api_tokens').selectAll().where('token_hash', '=', tokenHash).executeTakeFirst();
    if (!token) return undefined;
    const user = await db.selectFrom('users').selectAll().where('id', '=', token.user_id).executeTakeFirst();
    return user ? { token, user } : undefined;
  },

  async touch(db: Kysely<Database>, id: number, at: string): Promise<void> {
    await db.updateTable('api_tokens').set({ last_used_at: at }).where('id', '=', id).execute();
  },
};
