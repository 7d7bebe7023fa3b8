import { createHash } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, expectProblem, request, signUp, startServer, type TestServer, uniqueEmail } from '../helpers.js';

let server: TestServer;
let admin: Awaited<ReturnType<typeof signUp>>;
beforeAll(async () => {
  server = await startServer();
  // The first account of the installation: the administrator.
  admin = await signUp(server.url, { email: 'admin@example.com', password: 'admin password' });
});
afterAll(async () => server.close());


/** The attributes of one Set-Cookie header, lower-cased names. */
function parseSetCookie(header: string): { name: string; value: string; attributes: Map<string, string> } {
  const [pair = '', ...rest] = header.split(';');
  const eq = pair.indexOf('=');
  const attributes = new Map<string, string>();
  for (const part of rest) {
    const [key = '', ...value] = part.trim().split('=');
    attributes.set(key.toLowerCase(), value.join('='));
  }
  return { name: pair.slice(0, eq).trim(), value: pair.slice(eq + 1).trim(), attributes };
}

async function login(email: string, password: string, base = server.url) {
  const response = await request(base, 'POST', '/api/v1/sessions', { body: { email, password } });
  const setCookies = response.headers.getSetCookie();
  const raw = setCookies.find((c) => c.startsWith('fm_session='));
  const parsed = raw ? parseSetCookie(raw) : undefined;
  return { response, setCookies, raw, parsed, cookie: parsed ? `fm_session=${parsed.value}` : undefined, csrf: response.body?.csrfToken as string | undefined };
}

/** A client that authenticates with the session cookie (and, for writes, the CSRF token when given). */
function cookieClient(cookie: string, csrf?: string) {
  const headers = { cookie, ...(csrf ? { 'x-csrf-token': csrf } : {}) };
  return {
    get: (url: string) => request(server.url, 'GET', url, { headers }),
    post: (url: string, body?: unknown) => request(server.url, 'POST', url, { headers, ...(body !== undefined ? { body } : {}) }),
    patch: (url: string, body?: unknown) => request(server.url, 'PATCH', url, { headers, ...(body !== undefined ? { body } : {}) }),
    delete: (url: string) => request(server.url, 'DELETE', url, { headers }),
  };
}

describe('POST /api/v1/sessions (log in)', () => {
  it('sets an HttpOnly, SameSite=Strict fm_session cookie and answers the user and a CSRF token', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('login') });
    const { response, raw, parsed, setCookies } = await login(account.email, account.password);
    expect(response.status).toBe(201);
    expect(raw, `Set-Cookie: ${setCookies.join(' | ')}`).toBeDefined();
    expect(parsed!.value.length).toBeGreaterThanOrEqual(32);
    expect(parsed!.attributes.has('httponly')).toBe(true);
    expect(parsed!.attributes.get('samesite')?.toLowerCase()).toBe('strict');
    expect(parsed!.attributes.get('path')).toBe('/');
    // Served over plain HTTP here: no Secure flag (the browser would drop the cookie).
    expect(parsed!.attributes.has('secure')).toBe(false);
    const expires = Date.parse(parsed!.attributes.get('expires') ?? '');
    expect(expires).toBeGreaterThan(Date.now() + 29 * 86400_000);
    expect(expires).toBeLessThan(Date.now() + 31 * 86400_000);

    expect(response.body.user).toEqual(account.user);
    expect(response.body.csrfToken).toMatch(/^[0-9a-f]{64}$/);
    expect(Math.abs(Date.parse(response.body.expiresAt) - expires)).toBeLessThan(2000);
    // The session secret travels only in the cookie, never in the JSON answer.
    expect(response.text).not.toContain(parsed!.value);
    expect(response.text).not.toContain(account.password);
  });

  it.each([
    ['COOKIE_SECURE is on', { COOKIE_SECURE: 'true' }],
    ['PUBLIC_URL is https', { PUBLIC_URL: 'https://freezer.example.org' }],
  ])('marks the cookie Secure when %s', async (_what, env) => {
    const secure = await startServer(env);
    try {
      const account = await signUp(secure.url, { email: 'secure@example.com' });
      const { parsed } = await login(account.email, account.password, secure.url);
      expect(parsed).toBeDefined();
      expect(parsed!.attributes.has('secure')).toBe(true);
      expect(parsed!.attributes.has('httponly')).toBe(true);
      expect(parsed!.attributes.get('samesite')?.toLowerCase()).toBe('strict');
    } finally {
      await secure.close();
    }
  });

  it('accepts the e-mail address in any case', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('case') });
    const { response, cookie } = await login(account.email.toUpperCase(), account.password);
    expect(response.status).toBe(201);
    expect(response.body.user.id).toBe(account.user.id);
    expect(cookie).toBeDefined();
  });

  it('answers a wrong password and an unknown e-mail address with the same 401 and sets no cookie', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('wrong') });
    const wrongPassword = await login(account.email, 'not the password');
    const unknownEmail = await login(uniqueEmail('nobody'), 'not the password');
    const a = expectProblem(wrongPassword.response, 401);
    const b = expectProblem(unknownEmail.response, 401);
    expect(a).toEqual(b);
    expect(a.detail).toBe('The e-mail address or the password is wrong.');
    expect(wrongPassword.setCookies).toEqual([]);
    expect(unknownEmail.setCookies).toEqual([]);
  });

  it('refuses a malformed login with 400', async () => {
    const problem = expectProblem(await request(server.url, 'POST', '/api/v1/sessions', { body: { email: 'x@example.com' } }), 400);
    expect(problem.errors?.map((e) => e.field)).toContain('password');
    expectProblem(await request(server.url, 'POST', '/api/v1/sessions', { body: { email: 'x@example.com', password: 'p', remember: true } }), 400);
  });
});

describe('the session cookie', () => {
  it('authenticates reads', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('read') });
    const { cookie } = await login(account.email, account.password);
    const me = await cookieClient(cookie!).get('/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toEqual(account.user);
    expect((await cookieClient(cookie!).get('/api/v1/freezers')).body).toEqual([]);
  });

  it('refuses a write without X-CSRF-Token with 403 and changes nothing', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('csrf') });
    const { cookie } = await login(account.email, account.password);
    const api = cookieClient(cookie!);

    const freezer = expectProblem(await api.post('/api/v1/freezers', { name: 'Sneaky', boxCount: 2 }), 403);
    expect(freezer.detail).toBe('The X-CSRF-Token header is missing or wrong for this session.');
    expectProblem(await api.patch('/api/v1/me', { language: 'fr' }), 403);
    expectProblem(await api.post('/api/v1/tokens', { name: 'sneaky', scope: 'write' }), 403);

    expect((await api.get('/api/v1/freezers')).body).toEqual([]);
    expect((await api.get('/api/v1/me')).body.language).toBe('en');
    const tokens = await account.api.get('/api/v1/tokens');
    expect(tokens.body.map((t: { name: string }) => t.name)).toEqual(['default']);
  });

  it("refuses a write carrying a wrong CSRF token or another session's", async () => {
    const account = await signUp(server.url, { email: uniqueEmail('csrf-wrong') });
    const one = await login(account.email, account.password);
    const two = await login(account.email, account.password);
    expect(one.csrf).not.toBe(two.csrf);
    expectProblem(await cookieClient(one.cookie!, two.csrf).post('/api/v1/freezers', { name: 'Crossed', boxCount: 2 }), 403);
    expectProblem(await cookieClient(one.cookie!, '0'.repeat(64)).post('/api/v1/freezers', { name: 'Zeros', boxCount: 2 }), 403);
    expectProblem(await cookieClient(one.cookie!, '').post('/api/v1/freezers', { name: 'Empty', boxCount: 2 }), 403);
    expect((await account.api.get('/api/v1/freezers')).body).toEqual([]);
  });

  it('accepts a write carrying the csrfToken of the login answer', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('csrf-ok') });
    const { cookie, csrf } = await login(account.email, account.password);
    const api = cookieClient(cookie!, csrf);
    const created = await api.post('/api/v1/freezers', { name: 'Garage', boxCount: 4 });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'Garage', boxCount: 4 });
    const listed = await account.api.get('/api/v1/freezers');
    expect(listed.body.map((f: { id: number }) => f.id)).toEqual([created.body.id]);
    const patched = await api.patch('/api/v1/me', { language: 'fr' });
    expect(patched.status).toBe(200);
    expect(patched.body.language).toBe('fr');
  });

  it('GET /sessions/current answers the user and the same csrfToken', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('current') });
    const { cookie, csrf } = await login(account.email, account.password);
    const current = await cookieClient(cookie!).get('/api/v1/sessions/current');
    expect(current.status).toBe(200);
    expect(current.body.user).toEqual(account.user);
    expect(current.body.csrfToken).toBe(csrf);
    // A Bearer caller has no session, hence no CSRF token.
    const viaToken = await account.api.get('/api/v1/sessions/current');
    expect(viaToken.status).toBe(200);
    expect(viaToken.body.csrfToken).toBe('');
    expectProblem(await request(server.url, 'GET', '/api/v1/sessions/current'), 401);
  });

  it('DELETE /sessions/current logs out: the cookie is cleared and no longer works', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('logout') });
    const { cookie, csrf } = await login(account.email, account.password);
    const other = await login(account.email, account.password);

    // Logging out is a write: without the CSRF token it is refused and the session stays.
    expectProblem(await cookieClient(cookie!).delete('/api/v1/sessions/current'), 403);
    expect((await cookieClient(cookie!).get('/api/v1/me')).status).toBe(200);

    const out = await cookieClient(cookie!, csrf).delete('/api/v1/sessions/current');
    expect(out.status).toBe(204);
    const cleared = out.headers.getSetCookie().find((c) => c.startsWith('fm_session='));
    expect(cleared).toBeDefined();
    const parsed = parseSetCookie(cleared!);
    expect(parsed.value).toBe('');
    const expires = parsed.attributes.get('expires');
    const maxAge = parsed.attributes.get('max-age');
    expect((expires !== undefined && Date.parse(expires) <= Date.now()) || maxAge === '0').toBe(true);

    const after = expectProblem(await cookieClient(cookie!).get('/api/v1/me'), 401);
    expect(after.type).toMatch(/token-invalid$/);
    expectProblem(await cookieClient(cookie!, csrf).post('/api/v1/freezers', { name: 'Ghost', boxCount: 1 }), 401);
    // Only this session ended; the other one and the API token still work.
    expect((await cookieClient(other.cookie!).get('/api/v1/me')).status).toBe(200);
    expect((await account.api.get('/api/v1/me')).status).toBe(200);
  });

  it('stops working once the session has expired', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('expired') });
    const { cookie } = await login(account.email, account.password);
    expect((await cookieClient(cookie!).get('/api/v1/me')).status).toBe(200);
    const secret = cookie!.slice('fm_session='.length);
    // Only the SHA-256 of the session secret is stored; move that session's expiry into the past.
    const changed = await sql`update sessions set expires_at = ${new Date(Date.now() - 1000).toISOString()}
      where token_hash = ${createHash('sha256').update(secret, 'utf8').digest('hex')}`.execute(server.app.db);
    expect(Number(changed.numAffectedRows)).toBe(1);
    expectProblem(await cookieClient(cookie!).get('/api/v1/me'), 401);
  });

  it('refuses a made-up cookie with 401', async () => {
    expectProblem(await cookieClient('fm_session=fms_made-up-value-that-is-long-enough-xyz').get('/api/v1/me'), 401);
  });
});

describe('disabled accounts', () => {
  it('answers 401 to the token and the session of a disabled account, and again 200 once enabled', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('disabled') });
    const { cookie } = await login(account.email, account.password);
    expect((await cookieClient(cookie!).get('/api/v1/me')).status).toBe(200);

    // Only an administrator may disable an account.
    expectProblem(await account.api.patch(`/api/v1/admin/users/${admin.user.id}`, { disabled: true }), 403);

    const disabled = await admin.api.patch(`/api/v1/admin/users/${account.user.id}`, { disabled: true });
    expect(disabled.status).toBe(200);
    expect(disabled.body).toMatchObject({ id: account.user.id, disabled: true });

    const viaToken = expectProblem(await account.api.get('/api/v1/me'), 401);
    expect(viaToken.detail).toBe('This account is disabled.');
    const viaSession = expectProblem(await cookieClient(cookie!).get('/api/v1/me'), 401);
    expect(viaSession.detail).toBe('This account is disabled.');
    const relogin = await login(account.email, account.password);
    expectProblem(relogin.response, 401);
    expect(relogin.cookie).toBeUndefined();
    // Writes are refused too, and nothing is written.
    expectProblem(await account.api.post('/api/v1/freezers', { name: 'Nope', boxCount: 1 }), 401);

    const enabled = await admin.api.patch(`/api/v1/admin/users/${account.user.id}`, { disabled: false });
    expect(enabled.body.disabled).toBe(false);
    expect((await account.api.get('/api/v1/me')).status).toBe(200);
    expect((await account.api.get('/api/v1/freezers')).body).toEqual([]);
    expect((await login(account.email, account.password)).response.status).toBe(201);
  });

  it('does not let administrators disable themselves', async () => {
    expectProblem(await admin.api.patch(`/api/v1/admin/users/${admin.user.id}`, { disabled: true }), 409);
    expect((await admin.api.get('/api/v1/me')).status).toBe(200);
    expect((await client(server.url, admin.token).get('/api/v1/me')).body.disabled).toBe(false);
  });
});
