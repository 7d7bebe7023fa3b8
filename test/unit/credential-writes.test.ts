import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrateToLatest, openDatabase, watchCredentialWrites, type Db } from '../../src/db/database.js';

/** The TEMP triggers behind the credential cache: which writes of this connection they report. */
describe('watchCredentialWrites (SQLite)', () => {
  let dir: string;
  let db: Db;
  const seen: number[] = [];
  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-credential-writes-'));
    db = openDatabase({ kind: 'sqlite', file: path.join(dir, 'db.sqlite') });
    await migrateToLatest(db);
    expect(watchCredentialWrites(db, (userId) => seen.push(userId))).toBe(true);
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
});
