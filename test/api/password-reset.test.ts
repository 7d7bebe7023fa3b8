import { createHash } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { sql } from 'kysely';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectProblem, request, signUp, startServer, type TestServer, uniqueEmail } from '../helpers.js';
import { parseMail, type ParsedMail } from '../mail-helpers.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));


/** A parsed single-part message: unfolded headers (lower-case names) and the decoded text body. */

/** The reset link of a mail and its token; fails the test when there is none. */
function resetLinkOf(mail: ParsedMail, publicUrl: string): { link: string; token: string } {
  const match = /(\S+\/reset-password#token=([A-Za-z0-9_-]+))/.exec(mail.text);
  if (!match) throw new Error(`no reset link in:\n${mail.text}`);
  expect(match[1]!.startsWith(`${publicUrl}/reset-password#token=`)).toBe(true);
  return { link: match[1]!, token: match[2]! };
}

function outboxFiles(server: TestServer): string[] {
  const dir = path.join(server.dataDir, 'outbox');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.eml'))
    .sort()
    .map((name) => path.join(dir, name));
}

/** Waits until the outbox holds at least `count` messages (mail is written after the answer). */
async function waitForOutbox(server: TestServer, count: number, timeoutMs = 5000): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const files = outboxFiles(server);
    if (files.length >= count) return files;
    if (Date.now() > deadline) throw new Error(`expected ${count} message(s) in the outbox, found ${files.length}`);
    await sleep(25);
  }
}

async function login(base: string, email: string, password: string) {
  const response = await request(base, 'POST', '/api/v1/sessions', { body: { email, password } });
  const setCookie = response.headers.getSetCookie().find((c) => c.startsWith('fm_session='));
  return { status: response.status, cookie: setCookie?.split(';')[0] };
}


describe('password reset through the outbox (no SMTP_URL)', () => {
  let server: TestServer;
  let admin: Awaited<ReturnType<typeof signUp>>;
  beforeAll(async () => {
    server = await startServer();
    admin = await signUp(server.url, { email: 'admin@example.com' });
  });
  afterAll(async () => server.close());

  /** Asks for a reset and returns the token of the mail that arrives. */
  async function requestReset(email: string): Promise<{ token: string; mail: ParsedMail }> {
    const before = outboxFiles(server).length;
    const response = await request(server.url, 'POST', '/api/v1/password-resets', { body: { email } });
    expect(response.status).toBe(202);
    const files = await waitForOutbox(server, before + 1);
    const mail = parseMail(fs.readFileSync(files[files.length - 1]!, 'utf8'));
    return { token: resetLinkOf(mail, server.config.publicUrl).token, mail };
  }

  it('answers 202 identically for a known and an unknown address, and mails only the known one', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('known') });
    const before = outboxFiles(server).length;
    const unknown = await request(server.url, 'POST', '/api/v1/password-resets', { body: { email: uniqueEmail('unknown') } });
    const known = await request(server.url, 'POST', '/api/v1/password-resets', { body: { email: account.email } });
    expect(known.status).toBe(202);
    expect(unknown.status).toBe(202);
    expect(known.text).toBe(unknown.text);
    expect(known.body).toEqual({ status: 'accepted' });
    expect(known.headers.get('content-type')).toBe(unknown.headers.get('content-type'));
    expect(known.headers.getSetCookie()).toEqual(unknown.headers.getSetCookie());

    const files = await waitForOutbox(server, before + 1);
    await sleep(300); // a second (wrong) message would have arrived by now
    expect(outboxFiles(server)).toHaveLength(before + 1);
    const mail = parseMail(fs.readFileSync(files[files.length - 1]!, 'utf8'));
    expect(mail.headers.to).toContain(account.email);
    expect(mail.headers.subject).toBe('Reset your Freezer Manager password');
    const { link, token } = resetLinkOf(mail, server.config.publicUrl);
    expect(link).toContain('#token=');
    expect(token.length).toBeGreaterThanOrEqual(32);
    // The message holds a live credential: only the server's user may read the file.
    expect(fs.statSync(files[files.length - 1]!).mode & 0o077).toBe(0);
  });

  it('sends at most 5 reset mails per account and hour, and still answers 202', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('flood') });
    const before = outboxFiles(server).length;
    for (let i = 0; i < 7; i++) {
      const response = await request(server.url, 'POST', '/api/v1/password-resets', { body: { email: account.email } });
      expect(response.status).toBe(202);
      expect(response.body).toEqual({ status: 'accepted' });
    }
    await waitForOutbox(server, before + 5);
    await sleep(300);
    const mine = outboxFiles(server).filter((file) => parseMail(fs.readFileSync(file, 'utf8')).headers.to?.includes(account.email));
    expect(mine).toHaveLength(5);
  });

  it('accepts the address in another case', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('case') });
    const { mail } = await requestReset(account.email.toUpperCase());
    expect(mail.headers.to).toContain(account.email);
  });

  it('writes the mail in the language of the account', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('french'), language: 'fr' });
    const { mail } = await requestReset(account.email);
    expect(mail.text).toContain('réinitialiser le mot de passe');
    expect(mail.headers.subject).toBe('Réinitialisez votre mot de passe Freezer Manager');
  });

  it('sets the new password with the token: 204, the new one logs in, the old one does not, and sessions end', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('confirm'), password: 'forgotten password' });
    const session = await login(server.url, account.email, 'forgotten password');
    expect(session.status).toBe(201);
    // Used more than once, so on SQLite it is served from the credential cache when the reset lands.
    for (let i = 0; i < 3; i += 1) expect((await request(server.url, 'GET', '/api/v1/me', { headers: { cookie: session.cookie! } })).status).toBe(200);

    const { token } = await requestReset(account.email);
    const confirmed = await request(server.url, 'POST', '/api/v1/password-resets/confirm', { body: { token, password: 'remembered password' } });
    expect(confirmed.status).toBe(204);
    expect(confirmed.text).toBe('');

    expect((await login(server.url, account.email, 'remembered password')).status).toBe(201);
    expect((await login(server.url, account.email, 'forgotten password')).status).toBe(401);
    expectProblem(await request(server.url, 'GET', '/api/v1/me', { headers: { cookie: session.cookie! } }), 401);

    // The token works once.
    const again = expectProblem(await request(server.url, 'POST', '/api/v1/password-resets/confirm', { body: { token, password: 'third password here' } }), 400);
    expect(again.errors?.map((e) => e.field)).toEqual(['token']);
    expect(again.detail).toBe('This password reset link is unknown, expired or already used.');
    expect((await login(server.url, account.email, 'remembered password')).status).toBe(201);
    expect((await login(server.url, account.email, 'third password here')).status).toBe(401);
  });

  it('refuses a garbage token with 400', async () => {
    for (const token of ['garbage', 'fmr_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', ' ']) {
      const problem = expectProblem(await request(server.url, 'POST', '/api/v1/password-resets/confirm', { body: { token, password: 'a new password' } }), 400);
      expect(problem.errors?.map((e) => e.field)).toEqual(['token']);
    }
    expectProblem(await request(server.url, 'POST', '/api/v1/password-resets/confirm', { body: { password: 'a new password' } }), 400);
  });

  it('refuses a too short new password without using up the token', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('short'), password: 'the old password' });
    const { token } = await requestReset(account.email);
    const problem = expectProblem(await request(server.url, 'POST', '/api/v1/password-resets/confirm', { body: { token, password: 'short' } }), 400);
    expect(problem.errors?.map((e) => e.field)).toContain('password');
    expect((await login(server.url, account.email, 'the old password')).status).toBe(201);
    expect((await request(server.url, 'POST', '/api/v1/password-resets/confirm', { body: { token, password: 'long enough now' } })).status).toBe(204);
    expect((await login(server.url, account.email, 'long enough now')).status).toBe(201);
  });

  it('refuses an expired token with 400', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('expired'), password: 'the old password' });
    const { token } = await requestReset(account.email);
    const changed = await sql`update password_resets set expires_at = ${new Date(Date.now() - 60_000).toISOString()}
      where token_hash = ${createHash('sha256').update(token, 'utf8').digest('hex')}`.execute(server.app.db);
    expect(Number(changed.numAffectedRows)).toBe(1);
    const problem = expectProblem(await request(server.url, 'POST', '/api/v1/password-resets/confirm', { body: { token, password: 'too late password' } }), 400);
    expect(problem.errors?.map((e) => e.field)).toEqual(['token']);
    expect((await login(server.url, account.email, 'the old password')).status).toBe(201);
    expect((await login(server.url, account.email, 'too late password')).status).toBe(401);
  });

  it('stores only the hash of the reset token', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('hash') });
    const { token } = await requestReset(account.email);
    const rows = (await sql<Record<string, unknown>>`select * from password_resets`.execute(server.app.db)).rows;
    expect(rows.some((r) => r.token_hash === createHash('sha256').update(token, 'utf8').digest('hex'))).toBe(true);
    expect(JSON.stringify(rows)).not.toContain(token);
  });

  it('makes older links stop working once one of them was used', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('older'), password: 'the old password' });
    const first = await requestReset(account.email);
    const second = await requestReset(account.email);
    expect(first.token).not.toBe(second.token);
    expect((await request(server.url, 'POST', '/api/v1/password-resets/confirm', { body: { token: second.token, password: 'second new password' } })).status).toBe(204);
    expectProblem(await request(server.url, 'POST', '/api/v1/password-resets/confirm', { body: { token: first.token, password: 'first new password' } }), 400);
    expect((await login(server.url, account.email, 'second new password')).status).toBe(201);
  });

  it('makes outstanding links stop working when the password is changed', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('changed'), password: 'the old password' });
    const { token } = await requestReset(account.email);
    expect((await account.api.put('/api/v1/me/password', { currentPassword: 'the old password', newPassword: 'changed by hand' })).status).toBe(204);
    expectProblem(await request(server.url, 'POST', '/api/v1/password-resets/confirm', { body: { token, password: 'from the old link' } }), 400);
    expect((await login(server.url, account.email, 'changed by hand')).status).toBe(201);
  });

  it('sends nothing for a disabled account', async () => {
    const disabled = await signUp(server.url, { email: uniqueEmail('disabled') });
    const control = await signUp(server.url, { email: uniqueEmail('control') });
    expect((await admin.api.patch(`/api/v1/admin/users/${disabled.user.id}`, { disabled: true })).status).toBe(200);
    const before = outboxFiles(server).length;
    expect((await request(server.url, 'POST', '/api/v1/password-resets', { body: { email: disabled.email } })).status).toBe(202);
    expect((await request(server.url, 'POST', '/api/v1/password-resets', { body: { email: control.email } })).status).toBe(202);
    const files = await waitForOutbox(server, before + 1);
    await sleep(300);
    expect(outboxFiles(server)).toHaveLength(before + 1);
    expect(parseMail(fs.readFileSync(files[files.length - 1]!, 'utf8')).headers.to).toContain(control.email);
  });

  it('refuses a malformed request with 400', async () => {
    const problem = expectProblem(await request(server.url, 'POST', '/api/v1/password-resets', { body: { email: 'not an address' } }), 400);
    expect(problem.errors?.map((e) => e.field)).toContain('email');
  });
});

describe('password reset through a real SMTP server', () => {
  interface Received {
    from: string | undefined;
    to: string[];
    raw: string;
  }
  const received: Received[] = [];
  let smtp: SMTPServer;
  let server: TestServer;

  beforeAll(async () => {
    smtp = new SMTPServer({
      authOptional: true,
      disabledCommands: ['STARTTLS'],
      logger: false,
      onData(stream, session, callback) {
        const chunks: Buffer[] = [];
        stream.on('data', (chunk: Buffer) => chunks.push(chunk));
        stream.on('end', () => {
          const from = session.envelope.mailFrom;
          received.push({ from: from ? from.address : undefined, to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks).toString('utf8') });
          callback();
        });
      },
    });
    await new Promise<void>((resolve, reject) => {
      smtp.once('error', reject);
      smtp.listen(0, '127.0.0.1', () => resolve());
    });
    const { port } = smtp.server.address() as AddressInfo;
    server = await startServer({ SMTP_URL: `smtp://127.0.0.1:${port}`, MAIL_FROM: 'Freezer <freezer@example.org>' });
  });
  afterAll(async () => {
    await server?.close();
    await new Promise<void>((resolve) => (smtp ? smtp.close(() => resolve()) : resolve()));
  });

  async function waitForMail(count: number, timeoutMs = 5000): Promise<Received> {
    const deadline = Date.now() + timeoutMs;
    while (received.length < count) {
      if (Date.now() > deadline) throw new Error(`expected ${count} message(s) at the SMTP server, got ${received.length}`);
      await sleep(25);
    }
    return received[count - 1]!;
  }

  it('delivers the reset mail to the SMTP server and the link resets the password', async () => {
    const account = await signUp(server.url, { email: uniqueEmail('smtp'), password: 'the old password' });
    const response = await request(server.url, 'POST', '/api/v1/password-resets', { body: { email: account.email } });
    expect(response.status).toBe(202);
    expect(response.body).toEqual({ status: 'accepted' });

    const message = await waitForMail(1);
    expect(message.to).toEqual([account.email]);
    expect(message.from).toBe('freezer@example.org');
    const mail = parseMail(message.raw);
    expect(mail.headers.to).toContain(account.email);
    expect(mail.headers.subject).toBe('Reset your Freezer Manager password');
    const { token } = resetLinkOf(mail, server.config.publicUrl);

    // Nothing goes to the outbox when SMTP is configured.
    expect(outboxFiles(server)).toEqual([]);

    expect((await request(server.url, 'POST', '/api/v1/password-resets/confirm', { body: { token, password: 'the smtp password' } })).status).toBe(204);
    expect((await login(server.url, account.email, 'the smtp password')).status).toBe(201);
    expect((await login(server.url, account.email, 'the old password')).status).toBe(401);
  });

  it('sends nothing for an unknown address', async () => {
    const before = received.length;
    expect((await request(server.url, 'POST', '/api/v1/password-resets', { body: { email: uniqueEmail('ghost') } })).status).toBe(202);
    await sleep(300);
    expect(received.length).toBe(before);
  });
});

describe('password reset when the SMTP server is down', () => {
  it('still answers 202 and logs the failure without the link', async () => {
    // A port nothing listens on: take a free one and release it.
    const probe = new SMTPServer({ authOptional: true, disabledCommands: ['STARTTLS'], logger: false });
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
    const { port } = probe.server.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));

    const server = await startServer({ SMTP_URL: `smtp://127.0.0.1:${port}` });
    try {
      const account = await signUp(server.url, { email: uniqueEmail('down') });
      const response = await request(server.url, 'POST', '/api/v1/password-resets', { body: { email: account.email } });
      expect(response.status).toBe(202);
      const deadline = Date.now() + 5000;
      while (!server.logs.some((line) => line.includes('password reset mail could not be sent')) && Date.now() < deadline) await sleep(25);
      const failure = server.logs.find((line) => line.includes('password reset mail could not be sent'));
      expect(failure).toBeDefined();
      expect(failure).not.toContain('#token=');
      expect(server.logs.join('\n')).not.toContain('reset-password#');
    } finally {
      await server.close();
    }
  });
});
