import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { changesHeard, watchVersion } from '../../src/db/database.js';
import { client, eventually, expectProblem, request, signUp, startServer, TEST_DATABASE, uniqueEmail, writeFromAnotherConnection, type TestServer } from '../helpers.js';

/**
 * Checked credentials are kept in process (auth.service), on SQLite and on PostgreSQL: these tests make
 * sure a kept credential never outlives a write that should end it. Each one is used several times first,
 * so it is served from the cache when the write lands.
 */
async function useSeveralTimes(base: string, token: string): Promise<void> {
  for (let i = 0; i < 3; i += 1) expect((await client(base, token).get('/api/v1/me')).status).toBe(200);
}

describe('credentials kept in process', () => {
  let server: TestServer;
  let admin: Awaited<ReturnType<typeof signUp>>;
  beforeAll(async () => {
    server = await startServer();
    admin = await signUp(server.url, { email: uniqueEmail('cache-admin') });
  });
  afterAll(async () => server.close());

  it('refuse a token deleted through the server’s own connection by code outside the routes', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('own-connection') });
    await useSeveralTimes(server.url, account.token);
    const deleted = await server.app.db.deleteFrom('api_tokens').where('user_id', '=', account.user.id).executeTakeFirst();
    expect(Number(deleted.numDeletedRows)).toBe(1);
    expectProblem(await account.api.get('/api/v1/me'), 401);
  });

  it('refuse a token revoked a moment ago', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('revoke') });
    const created = await account.api.post('/api/v1/tokens', { name: 'pi', scope: 'write' });
    const secret = created.body.secret as string;
    await useSeveralTimes(server.url, secret);
    expect((await account.api.delete(`/api/v1/tokens/${created.body.token.id}`)).status).toBe(204);
    expectProblem(await client(server.url, secret).get('/api/v1/me'), 401);
    // The account's other token is untouched.
    expect((await account.api.get('/api/v1/me')).status).toBe(200);
  });

  it('refuse an account an administrator disabled, and accept it again once enabled', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('disable') });
    await useSeveralTimes(server.url, account.token);
    expect((await admin.api.patch(`/api/v1/admin/users/${account.user.id}`, { disabled: true })).status).toBe(200);
    expect(expectProblem(await account.api.get('/api/v1/me'), 401).type).toMatch(/account-disabled$/);
    expect((await admin.api.patch(`/api/v1/admin/users/${account.user.id}`, { disabled: false })).status).toBe(200);
    expect((await account.api.get('/api/v1/me')).status).toBe(200);
  });

  it('follow a demotion at once: the demoted administrator gets 403 on admin routes', async () => {
    const other = await signUp(server.url, { email: uniqueEmail('promoted') });
    expect((await admin.api.patch(`/api/v1/admin/users/${other.user.id}`, { role: 'admin' })).status).toBe(200);
    for (let i = 0; i < 3; i += 1) expect((await other.api.get('/api/v1/admin/stats')).status).toBe(200);
    expect((await admin.api.patch(`/api/v1/admin/users/${other.user.id}`, { role: 'user' })).status).toBe(200);
    expect(expectProblem(await other.api.get('/api/v1/admin/stats'), 403).type).toMatch(/admin-only$/);
  });

  it('refuse a session that was logged out, while the account’s token still works', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('logout') });
    const login = await request(server.url, 'POST', '/api/v1/sessions', { body: { email: account.email, password: account.password } });
    expect(login.status).toBe(201);
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith('fm_session='))!.split(';')[0]!;
    const csrf = login.body.csrfToken as string;
    for (let i = 0; i < 3; i += 1) expect((await request(server.url, 'GET', '/api/v1/me', { headers: { cookie } })).status).toBe(200);
    expect((await request(server.url, 'DELETE', '/api/v1/sessions/current', { headers: { cookie, 'x-csrf-token': csrf } })).status).toBe(204);
    expectProblem(await request(server.url, 'GET', '/api/v1/me', { headers: { cookie } }), 401);
    expect((await account.api.get('/api/v1/me')).status).toBe(200);
  });
});

describe('credentials kept in process, written to by another program (SQLite)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({}, { sqlite: true });
  });
  afterAll(async () => server.close());

  it('refuse a token another connection deleted from the file (the CLI, a script)', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('external') });
    await useSeveralTimes(server.url, account.token);
    expect(writeFromAnotherConnection(server, 'delete from api_tokens where user_id = ?', account.user.id)).toBe(1);
    expectProblem(await account.api.get('/api/v1/me'), 401);
  });
});

describe.skipIf(TEST_DATABASE !== 'postgres')('credentials kept in process, written to by another instance (PostgreSQL)', () => {
  let server: TestServer;
  let second: TestServer;
  /** A script or the CLI on the same database. */
  let other: pg.Client;
  beforeAll(async () => {
    server = await startServer();
    second = await startServer({}, { shareDataDir: server.dataDir });
    other = new pg.Client({ connectionString: (server.config.database as { url: string }).url });
    await other.connect();
  });
  afterAll(async () => {
    await other?.end();
    await second?.close();
    await server?.close();
  });

  it('refuse a token revoked through another instance, once this one has heard it', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('pg-other-instance') });
    const created = await account.api.post('/api/v1/tokens', { name: 'pi', scope: 'write' });
    const secret = created.body.secret as string;
    await useSeveralTimes(second.url, secret);
    expect((await account.api.delete(`/api/v1/tokens/${created.body.token.id}`)).status).toBe(204);
    await changesHeard(second.app.db);
    expectProblem(await client(second.url, secret).get('/api/v1/me'), 401);
    expect((await client(second.url, account.token).get('/api/v1/me')).status).toBe(200);
  });

  it('keep a checked token without asking the database, and look it up again once the feed has started over', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('pg-feed-restart') });
    const version = watchVersion(server.app.db)!;
    await eventually(() => !Number.isNaN(version()), 10_000, 'the change feed to listen');
    const before = version();
    await useSeveralTimes(server.url, account.token);
    // A deletion the triggers do not announce (replica mode skips them): the kept token is still served,
    // which shows it is kept, not looked up.
    await other.query("set session_replication_role = 'replica'");
    await other.query('delete from api_tokens where user_id = $1', [account.user.id]);
    await other.query("set session_replication_role = 'origin'");
    expect((await account.api.get('/api/v1/me')).status).toBe(200);
    // The feed's connection is lost and opened again: what it kept may have missed writes, and is not served.
    const { rows } = await other.query(
      `select pg_terminate_backend(pid) as done from pg_stat_activity where application_name = 'freezer-manager change feed' and datname = current_database() and pid <> pg_backend_pid()`,
    );
    expect(rows.length).toBeGreaterThanOrEqual(2);
    await eventually(() => !Number.isNaN(version()) && version() !== before, 10_000, 'the change feed to listen again');
    expectProblem(await account.api.get('/api/v1/me'), 401);
  });
});
