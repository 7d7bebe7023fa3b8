import { type Kysely, PostgresAdapter, sql } from 'kysely';

// Shipped migration: never edit, append a new one instead.

/**
 * PostgreSQL: every committed write to what authenticates a user (their account row, an API token or a
 * session; a token's last_used_at excepted) and to freezer memberships is announced on the `fm_changes`
 * channel, whichever instance, tool or script made it: `c:<user id>` for credentials, `m:<user id>` for a
 * membership. Each instance listens (ChangeFeed in db/database.ts) and keeps credentials and co-members in
 * process, as it does on SQLite with TEMP triggers. NOTIFY is sent at commit, and not at all on rollback.
 * Nothing to do on SQLite.
 */
export async function up(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  await sql`
    create function fm_notify_change() returns trigger language plpgsql as $$
    begin
      if tg_table_name = 'users' then
        perform pg_notify('fm_changes', 'c:' || old.id);
      elsif tg_table_name = 'freezer_members' then
        perform pg_notify('fm_changes', 'm:' || case when tg_op = 'INSERT' then new.user_id else old.user_id end);
      else
        perform pg_notify('fm_changes', 'c:' || old.user_id);
      end if;
      return null;
    end $$`.execute(db);
  const triggers = [
    'fm_users_changed after update or delete on users',
    'fm_tokens_changed after update of user_id, scope, token_hash, expires_at or delete on api_tokens',
    'fm_sessions_changed after update of user_id, token_hash, expires_at or delete on sessions',
    'fm_members_changed after insert or update or delete on freezer_members',
  ];
  for (const trigger of triggers) await sql.raw(`create trigger ${trigger} for each row execute function fm_notify_change()`).execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  if (!(db.getExecutor().adapter instanceof PostgresAdapter)) return;
  for (const [name, table] of [
    ['fm_users_changed', 'users'],
    ['fm_tokens_changed', 'api_tokens'],
    ['fm_sessions_changed', 'sessions'],
    ['fm_members_changed', 'freezer_members'],
  ]) {
    await sql.raw(`drop trigger if exists ${name} on ${table}`).execute(db);
  }
  await sql`drop function if exists fm_notify_change()`.execute(db);
}
