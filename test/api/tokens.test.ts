import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { TokenDto } from '../../src/features/tokens/tokens.service.js';
import { client, expectProblem, request, signUp, startServer, tableNames, type TestServer, uniqueEmail } from '../helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());


const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


/** Every text value of every row of every table of the server's database. */
async function everyStoredText(): Promise<string[]> {
  const values: string[] = [];
  for (const name of await tableNames(server.app.db)) {
    for (const row of (await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(server.app.db)).rows) {
      for (const value of Object.values(row)) {
        if (typeof value === 'string') values.push(value);
        else if (Buffer.isBuffer(value)) values.push(value.toString('utf8'), value.toString('hex'));
      }
    }
  }
  return values;
}

async function storedTokenRow(id: number): Promise<Record<string, unknown> | undefined> {
  return (await sql<Record<string, unknown>>`select * from api_tokens where id = ${id}`.execute(server.app.db)).rows[0];
}

describe('creating and listing tokens', () => {
  it('creates a token: 201 with its description and the secret, which works as Bearer', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('create') });
    const created = await account.api.post('/api/v1/tokens', { name: 'kitchen pi', scope: 'write' });
    expect(created.status).toBe(201);
    const { token, secret } = created.body as { token: TokenDto; secret: string };
    expect(token).toMatchObject({ name: 'kitchen pi', scope: 'write', expiresAt: null, lastUsedAt: null });
    expect(Number.isInteger(token.id)).toBe(true);
    expect(typeof secret).toBe('string');
    expect(secret.length).toBeGreaterThanOrEqual(32);
    expect(secret).not.toBe(account.token);
    expect(token.prefix.length).toBeGreaterThanOrEqual(4);
    expect(token.prefix.length).toBeLessThan(secret.length / 2);
    expect(secret.startsWith(token.prefix)).toBe(true);

    const me = await client(server.url, secret).get('/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body.id).toBe(account.user.id);
  });

  it('defaults the scope to write', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('default-scope') });
    const created = await account.api.post('/api/v1/tokens', { name: 'no scope given' });
    expect(created.status).toBe(201);
    expect(created.body.token.scope).toBe('write');
    expect((await client(server.url, created.body.secret).post('/api/v1/freezers', { name: 'Cellar', boxCount: 2 })).status).toBe(201);
  });

  it('lists the tokens without their secrets or hashes', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('list') });
    const read = (await account.api.post('/api/v1/tokens', { name: 'reader', scope: 'read' })).body as { token: TokenDto; secret: string };
    const write = (await account.api.post('/api/v1/tokens', { name: 'writer', scope: 'write' })).body as { token: TokenDto; secret: string };

    const listed = await account.api.get('/api/v1/tokens');
    expect(listed.status).toBe(200);
    const tokens = listed.body as TokenDto[];
    expect(tokens.map((t) => t.name)).toEqual(['default', 'reader', 'writer']);
    expect(tokens.find((t) => t.id === read.token.id)).toEqual(read.token);
    expect(tokens.find((t) => t.id === write.token.id)).toEqual(write.token);
    for (const t of tokens) {
      expect(Object.keys(t).sort()).toEqual(['createdAt', 'expiresAt', 'id', 'lastUsedAt', 'name', 'prefix', 'scope']);
    }
    for (const secret of [account.token, read.secret, write.secret]) {
      expect(listed.text).not.toContain(secret);
      expect(listed.text).not.toContain(createHash('sha256').update(secret).digest('hex'));
    }
    expect(tokens.find((t) => t.name === 'default')!.prefix).toBe(account.token.slice(0, tokens.find((t) => t.name === 'default')!.prefix.length));
  });

  it("lists only the caller's own tokens", async () => {
    const alice = await signUp(server.url, { email: uniqueEmail('alice') });
    const bob = await signUp(server.url, { email: uniqueEmail('bob') });
    await bob.api.post('/api/v1/tokens', { name: 'bob private', scope: 'read' });
    const listed = await alice.api.get('/api/v1/tokens');
    expect(listed.body.map((t: TokenDto) => t.name)).toEqual(['default']);
    expect(listed.text).not.toContain('bob private');
  });

  it.each([
    ['no name', { scope: 'read' }, 'name'],
    ['an empty name', { name: '', scope: 'read' }, 'name'],
    ['an unknown scope', { name: 'x', scope: 'admin' }, 'scope'],
    ['an invalid expiry', { name: 'x', expiresAt: 'tomorrow' }, 'expiresAt'],
    ['an unknown field', { name: 'x', owner: 1 }, 'owner'],
  ])('refuses a token with %s (400)', async (_what, body, field) => {
    const account = await signUp(server.url, { email: uniqueEmail('bad-token') });
    const problem = expectProblem(await account.api.post('/api/v1/tokens', body), 400);
    expect(problem.errors?.map((e) => e.field)).toContain(field);
    expect((await account.api.get('/api/v1/tokens')).body).toHaveLength(1);
  });
});

describe('read-only tokens', () => {
  it('reads (200) but every write answers a 403 problem and changes nothing', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('readonly') });
    const freezer = await account.api.post('/api/v1/freezers', { name: 'Basement', boxCount: 3 });
    expect(freezer.status).toBe(201);
    const created = await account.api.post('/api/v1/tokens', { name: 'dashboard', scope: 'read' });
    const reader = client(server.url, created.body.secret as string);

    for (const url of ['/api/v1/me', '/api/v1/freezers', `/api/v1/freezers/${freezer.body.id}`, '/api/v1/tokens', '/api/v1/types', '/api/v1/sessions/current']) {
      expect((await reader.get(url)).status, url).toBe(200);
    }
    const tokensBefore = (await account.api.get('/api/v1/tokens')).body as TokenDto[];

    const writes = [
      await reader.post('/api/v1/freezers', { name: 'Illicit', boxCount: 1 }),
      await reader.patch('/api/v1/me', { language: 'fr' }),
      await reader.post('/api/v1/tokens', { name: 'escalate', scope: 'write' }),
      await reader.delete(`/api/v1/tokens/${tokensBefore[0]!.id}`),
      await reader.delete(`/api/v1/tokens/${created.body.token.id}`),
      await reader.put('/api/v1/me/password', { currentPassword: account.password, newPassword: 'hijacked password' }),
      await reader.patch(`/api/v1/freezers/${freezer.body.id}`, { name: 'Renamed' }),
      await reader.delete(`/api/v1/freezers/${freezer.body.id}`),
    ];
    for (const response of writes) {
      const problem = expectProblem(response, 403);
      expect(problem.detail).toBe('This token is read-only; use a token with the "write" scope for this request.');
    }

    // Nothing changed.
    const freezers = (await account.api.get('/api/v1/freezers')).body;
    expect(freezers).toHaveLength(1);
    expect(freezers[0]).toMatchObject({ id: freezer.body.id, name: 'Basement' });
    expect((await account.api.get('/api/v1/me')).body.language).toBe('en');
    const tokensAfter = ((await account.api.get('/api/v1/tokens')).body as TokenDto[]).map(({ id, name, scope }) => ({ id, name, scope }));
    expect(tokensAfter).toEqual(tokensBefore.map(({ id, name, scope }) => ({ id, name, scope })));
    expect((await request(server.url, 'POST', '/api/v1/sessions', { body: { email: account.email, password: account.password } })).status).toBe(201);
    expect((await reader.get('/api/v1/me')).status).toBe(200);
  });
});

describe('expiry', () => {
  it('refuses an expiry in the past with 400', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('past') });
    const problem = expectProblem(await account.api.post('/api/v1/tokens', { name: 'stale', expiresAt: new Date(Date.now() - 60_000).toISOString() }), 400);
    expect(problem.errors?.map((e) => e.field)).toEqual(['expiresAt']);
    expect(problem.detail).toBe('The expiry date must be in the future.');
    expect((await account.api.get('/api/v1/tokens')).body).toHaveLength(1);
  });

  it('accepts a token until its expiry and answers 401 afterwards', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('expiring') });
    const expiresAt = new Date(Date.now() + 1500).toISOString();
    const created = await account.api.post('/api/v1/tokens', { name: 'short-lived', scope: 'read', expiresAt });
    expect(created.status).toBe(201);
    expect(Date.parse(created.body.token.expiresAt)).toBe(Date.parse(expiresAt));
    const shortLived = client(server.url, created.body.secret as string);
    expect((await shortLived.get('/api/v1/me')).status).toBe(200);

    await sleep(Math.max(0, Date.parse(expiresAt) - Date.now()) + 150);
    const problem = expectProblem(await shortLived.get('/api/v1/me'), 401);
    expect(problem.detail).toBe('The token is unknown, revoked or expired.');
    // The account's other token is unaffected, and the expired one is still listed with its expiry.
    const listed = (await account.api.get('/api/v1/tokens')).body as TokenDto[];
    expect(listed.find((t) => t.id === created.body.token.id)?.expiresAt).toBe(created.body.token.expiresAt);
  });

  it('accepts an explicit null expiry as "never"', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('never') });
    const created = await account.api.post('/api/v1/tokens', { name: 'forever', expiresAt: null });
    expect(created.status).toBe(201);
    expect(created.body.token.expiresAt).toBeNull();
  });
});

describe('revoking', () => {
  it('revokes a token: 204, then 401 with it, and it leaves the list', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('revoke') });
    const created = await account.api.post('/api/v1/tokens', { name: 'to revoke', scope: 'write' });
    const doomed = client(server.url, created.body.secret as string);
    expect((await doomed.get('/api/v1/me')).status).toBe(200);

    const revoked = await account.api.delete(`/api/v1/tokens/${created.body.token.id}`);
    expect(revoked.status).toBe(204);
    expectProblem(await doomed.get('/api/v1/me'), 401);
    expectProblem(await doomed.post('/api/v1/freezers', { name: 'Too late', boxCount: 1 }), 401);
    expect((await account.api.get('/api/v1/tokens')).body.map((t: TokenDto) => t.name)).toEqual(['default']);
    expectProblem(await account.api.delete(`/api/v1/tokens/${created.body.token.id}`), 404);
  });

  it('lets a token revoke itself', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('self-revoke') });
    const created = await account.api.post('/api/v1/tokens', { name: 'self', scope: 'write' });
    const self = client(server.url, created.body.secret as string);
    expect((await self.delete(`/api/v1/tokens/${created.body.token.id}`)).status).toBe(204);
    expectProblem(await self.get('/api/v1/me'), 401);
  });

  it("answers 404 for another user's token and leaves it working", async () => {
    const alice = await signUp(server.url, { email: uniqueEmail('alice-revoke') });
    const bob = await signUp(server.url, { email: uniqueEmail('bob-revoke') });
    const bobToken = await bob.api.post('/api/v1/tokens', { name: 'bob', scope: 'read' });
    const problem = expectProblem(await alice.api.delete(`/api/v1/tokens/${bobToken.body.token.id}`), 404);
    expect(problem.detail).toBe('No such API token.');
    // Same answer as for an id that does not exist at all.
    expect(expectProblem(await alice.api.delete('/api/v1/tokens/99999999'), 404)).toEqual(problem);
    expect((await client(server.url, bobToken.body.secret as string).get('/api/v1/me')).body.id).toBe(bob.user.id);
    expect((await bob.api.get('/api/v1/tokens')).body).toHaveLength(2);
  });

  it('refuses a malformed token id with 400', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('bad-id') });
    expectProblem(await account.api.delete('/api/v1/tokens/abc'), 400);
  });
});

describe('authentication failures', () => {
  it.each([
    ['no Authorization header', undefined, /^Authentication is required/],
    ['an unknown token', 'Bearer fm_thisTokenDoesNotExistAnywhere0123456789abcdefg', /unknown, revoked or expired/],
    ['garbage', 'Bearer !!!', /unknown, revoked or expired/],
    ['an empty Bearer', 'Bearer ', /unknown, revoked or expired/],
    ['another scheme', 'Basic dXNlcjpwYXNz', /unknown, revoked or expired/],
    ['an overlong token', `Bearer ${'x'.repeat(600)}`, /unknown, revoked or expired/],
  ])('answers a 401 problem to %s', async (_what, authorization, detail) => {
    const response = await request(server.url, 'GET', '/api/v1/me', { headers: authorization === undefined ? {} : { authorization } });
    const problem = expectProblem(response, 401);
    expect(problem.detail).toMatch(detail);
    const write = await request(server.url, 'POST', '/api/v1/freezers', { body: { name: 'x', boxCount: 1 }, headers: authorization === undefined ? {} : { authorization } });
    expectProblem(write, 401);
  });
});

describe('lastUsedAt', () => {
  it('is null for a new token and set once the token has been used', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('last-used') });
    const created = await account.api.post('/api/v1/tokens', { name: 'tracked', scope: 'read' });
    const id = created.body.token.id as number;
    const find = async () => ((await account.api.get('/api/v1/tokens')).body as TokenDto[]).find((t) => t.id === id)!;
    expect((await find()).lastUsedAt).toBeNull();

    const before = Date.now();
    expect((await client(server.url, created.body.secret as string).get('/api/v1/freezers')).status).toBe(200);
    const after = Date.now();
    const lastUsedAt = (await find()).lastUsedAt;
    expect(lastUsedAt).not.toBeNull();
    const at = Date.parse(lastUsedAt!);
    expect(at).toBeGreaterThanOrEqual(before - 1000);
    expect(at).toBeLessThanOrEqual(after + 1000);
  });
});

describe('lastUsedAt, written at most once a minute', () => {
  it('is not written again within a minute of the last use, and is once a minute has passed', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('once-a-minute') });
    const created = await account.api.post('/api/v1/tokens', { name: 'throttled', scope: 'read' });
    const secret = created.body.secret as string;
    const { auth } = server.app.services;
    const stored = async () => {
      await auth.flush();
      const row = await server.app.db.selectFrom('api_tokens').select('last_used_at').where('id', '=', created.body.token.id as number).executeTakeFirstOrThrow();
      return row.last_used_at;
    };
    expect(await auth.authenticateToken(secret)).toMatchObject({ via: 'token' });
    const first = await stored();
    expect(first).not.toBeNull();
    vi.useFakeTimers({ toFake: ['Date'] });
    try {
      vi.setSystemTime(Date.parse(first!) + 30_000);
      expect(await auth.authenticateToken(secret)).toMatchObject({ via: 'token' });
      expect(await stored()).toBe(first);
      vi.setSystemTime(Date.parse(first!) + 61_000);
      expect(await auth.authenticateToken(secret)).toMatchObject({ via: 'token' });
      expect(await stored()).toBe(new Date(Date.parse(first!) + 61_000).toISOString());
    } finally {
      vi.useRealTimers();
    }
  });
});

describe('lastUsedAt, written behind the requests', () => {
  it('lists a use at once, before the write behind it has run', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('listed-at-once') });
    const created = await account.api.post('/api/v1/tokens', { name: 'at once', scope: 'read' });
    const { auth, tokens } = server.app.services;
    // The use is recorded, and its write waits for the next turn of the event loop; the list is asked for now.
    const used = await auth.authenticateToken(created.body.secret as string);
    expect(used).toMatchObject({ via: 'token' });
    const listed = await tokens.list({ userId: (used as { user: { id: number } }).user.id, role: 'user', language: 'en', ip: null });
    expect(listed.find((t) => t.id === created.body.token.id)!.lastUsedAt).not.toBeNull();
  });

  it('records every token of a burst of requests at once', async () => {
    const accounts = await Promise.all(Array.from({ length: 12 }, (_, i) => signUp(server.url, { email: uniqueEmail(`burst-${i}`) })));
    const created = await Promise.all(accounts.map((account) => account.api.post('/api/v1/tokens', { name: 'burst', scope: 'read' })));
    const before = Date.now();
    const answers = await Promise.all(created.map((token) => client(server.url, token.body.secret as string).get('/api/v1/freezers')));
    expect(answers.map((a) => a.status)).toEqual(Array(12).fill(200));
    for (const [i, account] of accounts.entries()) {
      const listed = (await account.api.get('/api/v1/tokens')).body as TokenDto[];
      const used = listed.find((t) => t.id === created[i]!.body.token.id)!;
      expect(Date.parse(used.lastUsedAt!)).toBeGreaterThanOrEqual(before - 1000);
    }
  });

  it('writes the uses not yet written before the database closes', async () => {
    const own = await startServer({}, { shareDataDir: fs.mkdtempSync(path.join(os.tmpdir(), 'fm-last-use-')) });
    const account = await signUp(own.url, { email: uniqueEmail('closing') });
    const created = await account.api.post('/api/v1/tokens', { name: 'closing', scope: 'read' });
    // Used, then the server stops at once, before the next turn of its event loop.
    expect(await own.app.services.auth.authenticateToken(created.body.secret as string)).toMatchObject({ via: 'token' });
    await own.app.close();
    const again = await startServer({}, { shareDataDir: own.dataDir });
    try {
      const listed = (await client(again.url, account.token).get('/api/v1/tokens')).body as TokenDto[];
      expect(listed.find((t) => t.id === created.body.token.id)!.lastUsedAt).not.toBeNull();
    } finally {
      await again.close();
      fs.rmSync(own.dataDir, { recursive: true, force: true });
    }
  });
});

describe('storage', () => {
  it('keeps only the SHA-256 of a secret in the database', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('storage') });
    const created = await account.api.post('/api/v1/tokens', { name: 'stored', scope: 'write' });
    const secret = created.body.secret as string;
    const row = await storedTokenRow(created.body.token.id as number);
    expect(row).toBeDefined();
    expect(row!.token_hash).toBe(createHash('sha256').update(secret, 'utf8').digest('hex'));

    const stored = await everyStoredText();
    expect(stored.length).toBeGreaterThan(0);
    for (const s of [secret, account.token]) {
      // Neither the secret nor any long piece of it is stored anywhere (the short prefix aside).
      expect(stored.filter((value) => value.includes(s))).toEqual([]);
      expect(stored.filter((value) => value.includes(s.slice(-20)))).toEqual([]);
    }
  });
});
