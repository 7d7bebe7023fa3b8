import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase, watchCredentialWrites, watchMembershipWrites, type Db } from '../../src/db/database.js';

/** The TEMP triggers behind the credential and co-member caches: which writes of this connection they report. */
describe('writes watched through TEMP triggers (SQLite)', () => {
  let dir: string;
  let db: Db;
  const seen: number[] = [];
  let memberships = 0;
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-credential-writes-'));
    db = openDatabase({ kind: 'sqlite', file: path.join(dir, 'db.sqlite') });
    await migrateToLatest(db);
    expect(watchCredentialWrites(db, (userId) => seen.push(userId))).toBe(true);
    expect(watchMembershipWrites(db, () => (memberships += 1))).toBe(true);
  });
  afterAll(async () => {
    await db.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const now = new Date().toISOString();
  async function user(email: string): Promise<number> {
    const row = await db
      .insertInto('users')
      .values({ email, password_hash: 'x', language: 'en', role: 'user', disabled_at: null, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    return row.id;
  }

  it('reports writes to an account, its tokens and its sessions, with the user’s id, and nothing else', async () => {
    const alice = await user('alice@example.com');
    const bob = await user('bob@example.com');
    expect(seen).toEqual([]); // a new account has no credential to retire

    const token = await db
      .insertInto('api_tokens')
      .values({ user_id: alice, name: 'pi', scope: 'write', token_hash: 'h1', prefix: 'fm_x', expires_at: null, last_used_at: null, created_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();
    const session = await db.insertInto('sessions').values({ user_id: bob, token_hash: 'h2', expires_at: now, created_at: now }).returning('id').executeTakeFirstOrThrow();
    expect(seen).toEqual([]);

    // Using a token stamps last_used_at: not a change of the credential.
    await db.updateTable('api_tokens').set({ last_used_at: now }).where('id', '=', token.id).execute();
    await db.updateTable('api_tokens').set({ name: 'renamed' }).where('id', '=', token.id).execute();
    expect(seen).toEqual([]);

    await db.updateTable('api_tokens').set({ scope: 'read' }).where('id', '=', token.id).execute();
    expect(seen).toEqual([alice]);
    await db.updateTable('users').set({ disabled_at: now }).where('id', '=', bob).execute();
    expect(seen).toEqual([alice, bob]);
    await db.deleteFrom('sessions').where('id', '=', session.id).execute();
    expect(seen).toEqual([alice, bob, bob]);
    await db.deleteFrom('api_tokens').where('id', '=', token.id).execute();
    expect(seen).toEqual([alice, bob, bob, alice]);
    // A failed transaction may have reported its writes: reporting too much is harmless, too little is not.
    await db.deleteFrom('users').where('id', '=', alice).execute();
    expect(seen).toEqual([alice, bob, bob, alice, alice]);
  });

  it('reports every membership written (the co-members asked on each write are kept meanwhile)', async () => {
    const owner = await user('owner@example.com');
    const other = await user('other@example.com');
    const before = memberships;
    const freezer = await db.insertInto('freezers').values({ name: 'Garage', box_count: 4, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
    expect(memberships).toBe(before);
    await db.insertInto('freezer_members').values({ freezer_id: freezer.id, user_id: owner, role: 'owner', created_at: now }).execute();
    await db.insertInto('freezer_members').values({ freezer_id: freezer.id, user_id: other, role: 'member', created_at: now }).execute();
    expect(memberships).toBe(before + 2);
    await db.updateTable('freezer_members').set({ role: 'owner' }).where('user_id', '=', other).execute();
    expect(memberships).toBe(before + 3);
    await db.deleteFrom('freezer_members').where('user_id', '=', other).execute();
    expect(memberships).toBe(before + 4);
  });
});
