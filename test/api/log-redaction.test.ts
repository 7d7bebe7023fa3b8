import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, expectProblem, request, signUp, startServer, type TestServer } from '../helpers.js';
import { parseMail } from '../mail-helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The decoded text body of a single-part .eml file. */
const mailText = (raw: string): string => parseMail(raw).text;

async function waitFor<T>(probe: () => T | undefined, what: string, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());

describe('log redaction', () => {
  it('never writes passwords, tokens, session cookies, reset tokens or secrets in URLs to the log', async () => {
    const secrets: Record<string, string> = {};

    // Registration (the password is in the body; the token in the answer).
    const password = `Pw-${randomBytes(12).toString('hex')}`;
    const account = await signUp(server.url, { email: 'logs@example.com', password });
    secrets.password = password;
    secrets.registrationToken = account.token;

    // A refused registration and a refused login carry passwords too.
    const rejectedPassword = `Rejected-${randomBytes(12).toString('hex')}`;
    expectProblem(await request(server.url, 'POST', '/api/v1/users', { body: { email: 'logs@example.com', password: rejectedPassword } }), 409);
    secrets.rejectedPassword = rejectedPassword;
    const wrongPassword = `Wrong-${randomBytes(12).toString('hex')}`;
    expectProblem(await request(server.url, 'POST', '/api/v1/sessions', { body: { email: 'logs@example.com', password: wrongPassword } }), 401);
    secrets.wrongPassword = wrongPassword;
    const malformed = `Malformed-${randomBytes(12).toString('hex')}`;
    expectProblem(await request(server.url, 'POST', '/api/v1/sessions', { raw: `{"email":"logs@example.com","password":"${malformed}"` }), 400);
    secrets.malformedBodyPassword = malformed;

    // Login: the session cookie and its CSRF token.
    const login = await request(server.url, 'POST', '/api/v1/sessions', { body: { email: 'logs@example.com', password } });
    expect(login.status).toBe(201);
    const cookie = login.headers.getSetCookie().find((c) => c.startsWith('fm_session='))!.split(';')[0]!;
    secrets.sessionCookie = cookie.slice('fm_session='.length);
    secrets.csrfToken = login.body.csrfToken;
    expect((await request(server.url, 'GET', '/api/v1/me', { headers: { cookie } })).status).toBe(200);
    expect((await request(server.url, 'PATCH', '/api/v1/me', { body: { language: 'en' }, headers: { cookie, 'x-csrf-token': login.body.csrfToken } })).status).toBe(200);

    // Bearer requests, with a second token whose secret is only in one answer.
    const created = await account.api.post('/api/v1/tokens', { name: 'logged?', scope: 'write' });
    expect(created.status).toBe(201);
    secrets.apiToken = created.body.secret;
    expect((await client(server.url, created.body.secret).get('/api/v1/freezers')).status).toBe(200);
    expectProblem(await request(server.url, 'GET', '/api/v1/me', { headers: { authorization: `Bearer ${created.body.secret}x` } }), 401);
    // A token in a query string.
    expect((await request(server.url, 'GET', `/api/v1/me?token=${encodeURIComponent(account.token)}`, { token: account.token })).status).toBe(200);

    // A password reset: the reset token is in the mail and in the confirm body.
    expect((await request(server.url, 'POST', '/api/v1/password-resets', { body: { email: 'logs@example.com' } })).status).toBe(202);
    const outbox = path.join(server.dataDir, 'outbox');
    const file = await waitFor(() => (fs.existsSync(outbox) ? fs.readdirSync(outbox).find((n) => n.endsWith('.eml')) : undefined), 'the reset mail');
    const resetToken = /#token=([A-Za-z0-9_-]+)/.exec(mailText(fs.readFileSync(path.join(outbox, file), 'utf8')))?.[1];
    expect(resetToken).toBeDefined();
    secrets.resetToken = resetToken!;
    const newPassword = `New-${randomBytes(12).toString('hex')}`;
    secrets.newPassword = newPassword;
    expect((await request(server.url, 'POST', '/api/v1/password-resets/confirm', { body: { token: resetToken, password: newPassword } })).status).toBe(204);
    expectProblem(await request(server.url, 'POST', '/api/v1/password-resets/confirm', { body: { token: resetToken, password: newPassword } }), 400);

    // A token-like path segment (as the seed API puts tokens in URLs).
    const hex = randomBytes(32).toString('hex');
    secrets.hexInPath = hex;
    const seedLike = await request(server.url, 'GET', `/check_token/${hex}`);
    expect([400, 404]).toContain(seedLike.status);
    const urlToken = `fm_${randomBytes(32).toString('base64url')}`;
    secrets.tokenInPath = urlToken;
    const notFound = await request(server.url, 'GET', `/api/v1/nothing/${urlToken}`);
    expect(notFound.status).toBe(404);

    // Let the last lines (mail log, response logs) land.
    await waitFor(() => (server.logs.some((l) => l.includes('/api/v1/nothing/')) ? true : undefined), 'the last request log line');
    await sleep(100);

    // The log is really there and really about these requests, so the absence checks below mean something.
    const all = server.logs.join('\n');
    expect(server.logs.length).toBeGreaterThan(20);
    expect(all).toContain('/api/v1/sessions');
    expect(all).toContain('/api/v1/password-resets/confirm');
    expect(all).toContain('/check_token/');
    expect(all).toContain('outbox');

    const leaks = Object.entries(secrets)
      .map(([name, value]) => ({ name, lines: server.logs.filter((line) => line.includes(value)) }))
      .filter((leak) => leak.lines.length > 0);
    expect(leaks).toEqual([]);
    // Nor a long piece of any of them (e.g. a secret cut by a serializer).
    for (const [name, value] of Object.entries(secrets)) {
      if (value.length >= 40) expect(all.includes(value.slice(8, 40)), `${name} (part)`).toBe(false);
    }
    expect(all).not.toContain('#token=');
  });

  it('does not log the SMTP credentials when the SMTP server refuses them', async () => {
    const smtpPassword = `Smtp-${randomBytes(12).toString('hex')}`;
    const attempts: Array<{ username: string | null | undefined; password: string | null | undefined }> = [];
    const smtp = new SMTPServer({
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onAuth(auth, _session, callback) {
        attempts.push({ username: auth.username, password: auth.password });
        callback(new Error('Invalid username or password'));
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', () => resolve()));
    const { port } = smtp.server.address() as AddressInfo;
    const withSmtp = await startServer({ SMTP_URL: `smtp://mailer:${encodeURIComponent(smtpPassword)}@127.0.0.1:${port}` });
    try {
      const account = await signUp(withSmtp.url, { email: 'smtp-logs@example.com' });
      expect((await request(withSmtp.url, 'POST', '/api/v1/password-resets', { body: { email: account.email } })).status).toBe(202);
      const failure = await waitFor(() => withSmtp.logs.find((l) => l.includes('password reset mail could not be sent')), 'the delivery failure log line');
      // The credentials really were sent (so they were there to leak) and refused.
      expect(attempts).toEqual([{ username: 'mailer', password: smtpPassword }]);
      expect(failure).toContain('smtp-logs@example.com');
      const all = withSmtp.logs.join('\n');
      for (const form of [smtpPassword, Buffer.from(`\u0000mailer\u0000${smtpPassword}`).toString('base64'), Buffer.from(smtpPassword).toString('base64')]) {
        expect(all).not.toContain(form);
      }
      expect(all).not.toContain('#token=');
    } finally {
      await withSmtp.close();
      await new Promise<void>((resolve) => smtp.close(() => resolve()));
    }
  });

  it('redacts secrets hidden in query values holding "=", in suffixed path segments and in keys', async () => {
    const account = await signUp(server.url);
    const hex = randomBytes(32).toString('hex');
    const urls = [`/api/v1/types?q=a=${hex}`, `/check_token/${hex}.json`, `/api/v1/types?${hex}=1`, `/api/v1/types?x&${hex}`];
    for (const url of urls) {
      const res = await request(server.url, 'GET', url, { token: account.token });
      expect(res.status).toBeLessThan(500);
    }
    await sleep(50);
    const mentioning = server.logs.filter((line) => line.includes('/check_token/') || line.includes('/api/v1/types?'));
    expect(mentioning.length).toBeGreaterThanOrEqual(urls.length);
    expect(server.logs.filter((line) => line.includes(hex.slice(0, 24)))).toEqual([]);
  });
});
