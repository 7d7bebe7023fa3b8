import type { Kysely } from 'kysely';
import type { Database, NewUserRow, UserRow } from '../../db/types.js';
import { containsText, rowCount } from '../../db/sql.js';

export const usersRepository = {
  getById(db: Kysely<Database>, id: number): Promise<UserRow | undefined> {
    return db.selectFrom('users').selectAll().where('id', '=', id).executeTakeFirst();
  },

  getByEmail(db: Kysely<Database>, email: string): Promise<UserRow | undefined> {
    return db.selectFrom('users').selectAll().where('email', '=', email).executeTakeFirst();
  },

  async count(db: Kysely<Database>): Promise<number> {
    const row = await db.selectFrom('users').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return Number(row.n);
  },

  async countActiveAdmins(db: Kysely<Database>): Promise<number> {
    const row = await db
      .selectFrom('users')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('role', '=', 'admin')
      .where('disabled_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  },

  async create(db: Kysely<Database>, user: NewUserRow): Promise<UserRow> {
    return db.insertInto('users').values(user).returningAll().executeTakeFirstOrThrow();
  },

  async update(
    db: Kysely<Database>,
    id: number,
    changes: Partial<Pick<UserRow, 'language' | 'password_hash' | 'role' | 'disabled_at' | 'updated_at'>>,
  ): Promise<UserRow | undefined> {
    return db.updateTable('users').set(changes).where('id', '=', id).returningAll().executeTakeFirst();
  },

  async list(db: Kysely<Database>, page: { limit: number; offset: number; query?: string }) {
    let base = db.selectFrom('users');
    if (page.query) base = base.where(containsText('email', page.query));
    const [rows, total] = await Promise.all([
      base.selectAll().orderBy('id').limit(rowCount(page.limit)).offset(rowCount(page.offset)).execute(),
      base.select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: Number(total.n) };
  },
};
