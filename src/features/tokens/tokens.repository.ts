import type { Insertable, Kysely } from 'kysely';
import { prepareQuery } from '../../db/prepared.js';
import type { ApiTokenRow, ApiTokensTable, Database, UserRow } from '../../db/types.js';

/** Asked on every request a token makes that the credential cache cannot answer: compiled once (prepared.ts). */
const byHash = prepareQuery((db, p: { tokenHash: string }) =>
  db
    .selectFrom('api_tokens as t')
    .innerJoin('users as u', 'u.id', 't.user_id')
    .select(['t.id', 't.user_id', 't.name', 't.scope', 't.token_hash', 't.prefix', 't.expires_at', 't.last_used_at', 't.created_at'])
    .select([
      'u.email as u_email',
      'u.password_hash as u_password_hash',
      'u.language as u_language',
      'u.role as u_role',
      'u.disabled_at as u_disabled_at',
      'u.created_at as u_created_at',
      'u.updated_at as u_updated_at',
    ])
    .where('t.token_hash', '=', p.tokenHash),
);

const touchOne = prepareQuery((db, p: { id: number; at: string }) => db.updateTable('api_tokens').set({ last_used_at: p.at }).where('id', '=', p.id));

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

  /** The token with this hash and its user, in one query, or undefined. Expiry is checked by the caller. */
  async findWithUserByHash(db: Kysely<Database>, tokenHash: string): Promise<{ token: ApiTokenRow; user: UserRow } | undefined> {
    const row = await byHash.executeTakeFirst(db, { tokenHash });
    if (!row) return undefined;
    const { u_email, u_password_hash, u_language, u_role, u_disabled_at, u_created_at, u_updated_at, ...token } = row;
    return {
      token,
      user: {
        id: token.user_id,
        email: u_email,
        password_hash: u_password_hash,
        language: u_language,
        role: u_role,
        disabled_at: u_disabled_at,
        created_at: u_created_at,
        updated_at: u_updated_at,
      },
    };
  },

  /** Sets a token's last use. */
  async touch(db: Kysely<Database>, id: number, at: string): Promise<void> {
    await touchOne.execute(db, { id, at });
  },
};
