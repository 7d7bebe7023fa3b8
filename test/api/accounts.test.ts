import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, expectProblem, request, signUp, startServer, type ApiResponse, type TestServer, uniqueEmail } from '../helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());


/** Logs in with e-mail and password; returns the answer, the session cookie ("fm_session=...") and the CSRF token. */
async function login(email: string, password: string) {
  const response = await request(server.url, 'POST', '/api/v1/sessions', { body: { email, password } });
  const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('fm_session='));
  const cookie = setCookie ? setCookie.split(';')[0]! : undefined;
  return { response, cookie, csrf: response.body?.csrfToken as string | undefined };
}

function withCookie(cookie: string, csrf?: string): Record<string, string> {
  return { cookie, ...(csrf ? { 'x-csrf-token': csrf } : {}) };
}

/** No answer may ever carry a password or a password hash. */
function expectNoPasswordLeak(response: ApiResponse, password: string): void {
  expect(response.text).not.toContain(password);
  expect(response.text).not.toMatch(/password_?hash|\$argon2/i);
  expect(response.text).not.toMatch(/"password"\s*:/);
}

describe('registration', () => {
  it('makes the first account of a new installation an administrator and the next ones users', async () => {
    const fresh = await startServer();
    try {
      const first = await request(fresh.url, 'POST', '/api/v1/users', { body: { email: 'first@example.com', password: 'first password 1' } });
      expect(first.status).toBe(201);
      expect(first.body.user.role).toBe('admin');
      const second = await request(fresh.url, 'POST', '/api/v1/users', { body: { email: 'second@example.com', password: 'second password 2' } });
      expect(second.status).toBe(201);
      expect(second.body.user.role).toBe('user');
      const third = await request(fresh.url, 'POST', '/api/v1/users', { body: { email: 'third@example.com', password: 'third password 3' } });
      expect(third.body.user.role).toBe('user');
      // The administrator's token reaches an admin route; a user's does not.
      expect((await client(fresh.url, first.body.token).get('/api/v1/admin/users')).status).toBe(200);
      expectProblem(await client(fresh.url, second.body.token).get('/api/v1/admin/users'), 403);
    } finally {
      await fresh.close();
    }
  });

  it('makes exactly one administrator when the first sign-ups arrive at the same time', async () => {
    const fresh = await startServer();
    try {
      const answers = await Promise.all(
        [1, 2, 3, 4, 5].map((i) => request(fresh.url, 'POST', '/api/v1/users', { body: { email: `racer${i}@example.com`, password: 'racing password' } })),
      );
      expect(answers.map((a) => a.status)).toEqual([201, 201, 201, 201, 201]);
      expect(answers.filter((a) => a.body.user.role === 'admin')).toHaveLength(1);
    } finally {
      await fresh.close();
    }
  });

  it('answers 201 once and 409 to the others when the same address signs up concurrently', async () => {
    const email = uniqueEmail('same-time');
    const answers = await Promise.all([1, 2, 3, 4].map(() => request(server.url, 'POST', '/api/v1/users', { body: { email, password: 'racing password' } })));
    expect(answers.map((a) => a.status).sort()).toEqual([201, 409, 409, 409]);
    for (const a of answers.filter((x) => x.status === 409)) expectProblem(a, 409);
  });

  it('answers 201 with the user and a token that works as Bearer', async () => {
    const email = uniqueEmail('reg');
    const password = 'a fine password';
    const response = await request(server.url, 'POST', '/api/v1/users', { body: { email, password, language: 'fr' } });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-type')).toMatch(/^application\/json/);
    const { user, token } = response.body;
    expect(user).toMatchObject({ email, language: 'fr', disabled: false });
    expect(Number.isInteger(user.id)).toBe(true);
    expect(Number.isNaN(Date.parse(user.createdAt))).toBe(false);
    expect(typeof token).toBe('string');
    expect(token.length).toBeGreaterThanOrEqual(32);
    expectNoPasswordLeak(response, password);

    const me = await client(server.url, token).get('/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toEqual(user);
    expectNoPasswordLeak(me, password);

    // The registration token is a read-write token: it can write.
    const freezer = await client(server.url, token).post('/api/v1/freezers', { name: 'Kitchen', boxCount: 3 });
    expect(freezer.status).toBe(201);
  });

  it('defaults the language to English', async () => {
    const { user } = await signUp(server.url, { email: uniqueEmail('lang') });
    expect(user.language).toBe('en');
  });

  it('stores the e-mail address in lower case and refuses the same address twice with 409', async () => {
    const local = `MiXeD-${Date.now()}`;
    const first = await request(server.url, 'POST', '/api/v1/users', { body: { email: `${local}@Example.COM`, password: 'password one' } });
    expect(first.status).toBe(201);
    expect(first.body.user.email).toBe(`${local.toLowerCase()}@example.com`);

    for (const variant of [`${local.toLowerCase()}@example.com`, `${local.toUpperCase()}@EXAMPLE.COM`]) {
      const again = await request(server.url, 'POST', '/api/v1/users', { body: { email: variant, password: 'password two' } });
      const problem = expectProblem(again, 409);
      expect(problem.errors?.map((e) => e.field)).toEqual(['email']);
      expect(problem.detail).toBe('An account with this e-mail address already exists.');
    }

    // The original password is still the one that works.
    expect((await login(`${local}@example.com`, 'password one')).response.status).toBe(201);
    expect((await login(`${local}@example.com`, 'password two')).response.status).toBe(401);
  });

  it.each([
    ['a malformed e-mail address', { email: 'not-an-email', password: 'long enough pw' }, 'email'],
    ['a missing e-mail address', { password: 'long enough pw' }, 'email'],
    ['a password shorter than 8 characters', { email: 'short-pw@example.com', password: 'seven77' }, 'password'],
    ['a missing password', { email: 'no-pw@example.com' }, 'password'],
    ['an unknown language', { email: 'lang-de@example.com', password: 'long enough pw', language: 'de' }, 'language'],
    ['an unknown field', { email: 'extra@example.com', password: 'long enough pw', role: 'admin' }, 'role'],
  ])('refuses %s with a 400 problem naming the field', async (_what, body, field) => {
    const response = await request(server.url, 'POST', '/api/v1/users', { body });
    const problem = expectProblem(response, 400);
    expect(problem.errors?.map((e) => e.field)).toContain(field);
    for (const error of problem.errors ?? []) expect(error.message.length).toBeGreaterThan(0);
    const password = (body as { password?: string }).password;
    if (password) expectNoPasswordLeak(response, password);
  });

  it('writes nothing when a registration is refused', async () => {
    const email = uniqueEmail('refused');
    expectProblem(await request(server.url, 'POST', '/api/v1/users', { body: { email, password: 'short' } }), 400);
    expectProblem(await request(server.url, 'POST', '/api/v1/users', { body: { email, password: 'long enough pw', role: 'admin' } }), 400);
    // The address is still free, and the account is an ordinary user.
    const created = await request(server.url, 'POST', '/api/v1/users', { body: { email, password: 'long enough pw' } });
    expect(created.status).toBe(201);
    expect(created.body.user.role).toBe('user');
  });

  it('refuses malformed JSON and a non-JSON body without creating anything', async () => {
    expectProblem(await request(server.url, 'POST', '/api/v1/users', { raw: '{"email": "x@example.com", "password": ' }), 400);
    expectProblem(await request(server.url, 'POST', '/api/v1/users', { raw: 'email=x@example.com', contentType: 'text/plain' }), 415);
    expect((await signUp(server.url, { email: 'x@example.com' })).user.email).toBe('x@example.com');
  });
});

describe('GET and PATCH /api/v1/me', () => {
  it('answers 401 problem without credentials', async () => {
    const problem = expectProblem(await request(server.url, 'GET', '/api/v1/me'), 401);
    expect(problem.detail).toContain('Authorization: Bearer');
  });

  it('changes the language', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('patch') });
    const patched = await account.api.patch('/api/v1/me', { language: 'fr' });
    expect(patched.status).toBe(200);
    expect(patched.body).toEqual({ ...account.user, language: 'fr' });
    expect((await account.api.get('/api/v1/me')).body.language).toBe('fr');
    const back = await account.api.patch('/api/v1/me', { language: 'en' });
    expect(back.body.language).toBe('en');
    expect((await account.api.get('/api/v1/me')).body.language).toBe('en');
  });

  it('refuses an empty change, an unknown language and fields that are not settings', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('patch-bad') });
    expectProblem(await account.api.patch('/api/v1/me', {}), 400);
    const lang = expectProblem(await account.api.patch('/api/v1/me', { language: 'de' }), 400);
    expect(lang.errors?.map((e) => e.field)).toContain('language');
    for (const body of [{ role: 'admin' }, { email: 'someone-else@example.com' }, { disabled: true }, { language: 'fr', role: 'admin' }]) {
      const problem = expectProblem(await account.api.patch('/api/v1/me', body), 400);
      expect(problem.errors?.length).toBeGreaterThan(0);
    }
    // Nothing changed, not even the language sent alongside a refused field.
    expect((await account.api.get('/api/v1/me')).body).toEqual(account.user);
  });

  it('answers a French user in French', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('fr'), language: 'fr' });
    const invalid = expectProblem(await account.api.patch('/api/v1/me', { language: 'de' }), 400);
    expect(invalid.title).toBe('Requête invalide');
    expect(invalid.detail).toMatch(/^La requête n'est pas valide/);
    const wrong = expectProblem(await account.api.put('/api/v1/me/password', { currentPassword: 'not my password', newPassword: 'whatever new one' }), 400);
    expect(wrong.detail).toBe('Le mot de passe actuel est incorrect.');
    // Even with an English Accept-Language, the account's language wins.
    const missing = expectProblem(await account.api.delete('/api/v1/tokens/999999', { headers: { 'accept-language': 'en-US,en;q=0.9' } }), 404);
    expect(missing.detail).toBe("Ce jeton d'API n'existe pas.");
  });

  it('follows a language change at once', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('switch') });
    const before = expectProblem(await account.api.delete('/api/v1/tokens/999999'), 404);
    expect(before.detail).toBe('No such API token.');
    await account.api.patch('/api/v1/me', { language: 'fr' });
    const after = expectProblem(await account.api.delete('/api/v1/tokens/999999'), 404);
    expect(after.detail).toBe("Ce jeton d'API n'existe pas.");
    expect(after.title).toBe('Introuvable');
  });

  it('answers anonymous callers in the language of Accept-Language', async () => {
    const fr = { 'accept-language': 'fr-FR,fr;q=0.9,en;q=0.5' };
    const unauthenticated = expectProblem(await request(server.url, 'GET', '/api/v1/me', { headers: fr }), 401);
    expect(unauthenticated.title).toBe('Non authentifié');
    expect(unauthenticated.detail).toMatch(/^Une authentification est requise/);

    const invalid = expectProblem(await request(server.url, 'POST', '/api/v1/users', { body: { email: 'nope', password: 'long enough pw' }, headers: fr }), 400);
    expect(invalid.detail).toMatch(/^La requête n'est pas valide/);
    expect(invalid.errors?.find((e) => e.field === 'email')?.message).toMatch(/doit respecter le format/);

    const english = expectProblem(await request(server.url, 'GET', '/api/v1/me', { headers: { 'accept-language': 'de, en;q=0.5' } }), 401);
    expect(english.detail).toMatch(/^Authentication is required/);
  });
});

describe('PUT /api/v1/me/password', () => {
  it('refuses a wrong current password with 400 and keeps the old one', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('pw-wrong'), password: 'the old password' });
    const problem = expectProblem(await account.api.put('/api/v1/me/password', { currentPassword: 'not the old one', newPassword: 'a brand new one' }), 400);
    expect(problem.errors?.map((e) => e.field)).toEqual(['currentPassword']);
    expect(problem.detail).toBe('The current password is wrong.');
    expect((await login(account.email, 'the old password')).response.status).toBe(201);
    expect((await login(account.email, 'a brand new one')).response.status).toBe(401);
  });

  it('refuses a new password that is too short', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('pw-short'), password: 'the old password' });
    const problem = expectProblem(await account.api.put('/api/v1/me/password', { currentPassword: 'the old password', newPassword: 'short' }), 400);
    expect(problem.errors?.map((e) => e.field)).toContain('newPassword');
    expect((await login(account.email, 'the old password')).response.status).toBe(201);
  });

  it('changes the password: the old one stops working, other sessions end, this session and API tokens go on', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('pw-ok'), password: 'the old password' });
    const extra = await account.api.post('/api/v1/tokens', { name: 'second', scope: 'read' });
    expect(extra.status).toBe(201);

    const current = await login(account.email, 'the old password');
    const other = await login(account.email, 'the old password');
    expect(current.cookie).toBeDefined();
    expect(other.cookie).toBeDefined();
    expect(current.cookie).not.toBe(other.cookie);

    const changed = await request(server.url, 'PUT', '/api/v1/me/password', {
      body: { currentPassword: 'the old password', newPassword: 'the new password' },
      headers: withCookie(current.cookie!, current.csrf),
    });
    expect(changed.status).toBe(204);
    expect(changed.text).toBe('');

    // The session that changed the password survives (and can still write); the other one is gone.
    const stillIn = await request(server.url, 'GET', '/api/v1/me', { headers: withCookie(current.cookie!) });
    expect(stillIn.status).toBe(200);
    expect(stillIn.body.email).toBe(account.email);
    const write = await request(server.url, 'PATCH', '/api/v1/me', { body: { language: 'fr' }, headers: withCookie(current.cookie!, current.csrf) });
    expect(write.status).toBe(200);
    expectProblem(await request(server.url, 'GET', '/api/v1/me', { headers: withCookie(other.cookie!) }), 401);

    // API tokens keep working.
    expect((await account.api.get('/api/v1/me')).status).toBe(200);
    expect((await client(server.url, extra.body.secret).get('/api/v1/me')).status).toBe(200);

    // Old password refused, new one accepted.
    expectProblem((await login(account.email, 'the old password')).response, 401);
    const fresh = await login(account.email, 'the new password');
    expect(fresh.response.status).toBe(201);
    expectNoPasswordLeak(fresh.response, 'the new password');
  });

  it('ends every session when the change is made with an API token', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('pw-token'), password: 'the old password' });
    const session = await login(account.email, 'the old password');
    expect((await request(server.url, 'GET', '/api/v1/me', { headers: withCookie(session.cookie!) })).status).toBe(200);
    expect((await account.api.put('/api/v1/me/password', { currentPassword: 'the old password', newPassword: 'the new password' })).status).toBe(204);
    expectProblem(await request(server.url, 'GET', '/api/v1/me', { headers: withCookie(session.cookie!) }), 401);
    expect((await account.api.get('/api/v1/me')).status).toBe(200);
    expect((await login(account.email, 'the new password')).response.status).toBe(201);
  });

  it('needs the CSRF token when made with the session cookie', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('pw-csrf'), password: 'the old password' });
    const session = await login(account.email, 'the old password');
    const refused = await request(server.url, 'PUT', '/api/v1/me/password', {
      body: { currentPassword: 'the old password', newPassword: 'the new password' },
      headers: withCookie(session.cookie!),
    });
    expectProblem(refused, 403);
    expect((await login(account.email, 'the old password')).response.status).toBe(201);
  });
});
