import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, expectProblem, request, signUp, startServer, uniqueEmail, writeFromAnotherConnection, type TestServer } from '../helpers.js';

/**
 * On SQLite, checked credentials are kept in process (auth.service): these tests make sure a kept
 * credential never outlives a write that should end it. Each one is used several times first, so it is
 * served from the cache when the write lands. (On PostgreSQL the same tests pass without a cache.)
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
