/** The e-mails a test server wrote to DATA_DIR/outbox (no SMTP_URL set), for password-reset flows. */
import fs from 'node:fs';
import path from 'node:path';
import { parseMail, type ParsedMail } from '../../mail-helpers.js';

export function outboxMails(dataDir: string): ParsedMail[] {
  const dir = path.join(dataDir, 'outbox');
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir)
    .filter((name) => name.endsWith('.eml'))
    .map((name) => ({ name, mtime: fs.statSync(path.join(dir, name)).mtimeMs }))
    .sort((a, b) => a.mtime - b.mtime || a.name.localeCompare(b.name))
    .map(({ name }) => parseMail(fs.readFileSync(path.join(dir, name), 'utf8')));
}

/** The newest mail to `to`, waiting for it up to `timeoutMs` (mail is written after the answer). */
export async function latestMailTo(dataDir: string, to: string, timeoutMs = 5000): Promise<ParsedMail> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mail = outboxMails(dataDir)
      .filter((m) => (m.headers.to ?? '').toLowerCase().includes(to.toLowerCase()))
      .at(-1);
    if (mail) return mail;
    if (Date.now() > deadline) throw new Error(`no mail to ${to} in the outbox`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The first link of a mail's text that starts with `prefix` (e.g. the server's address). */
export function linkIn(mail: ParsedMail, prefix: string): string {
  const link = mail.text.match(/https?:\/\/[^\s<>"]+/g)?.find((url) => url.startsWith(prefix));
  if (!link) throw new Error(`no link starting with ${prefix} in:\n${mail.text}`);
  return link;
}
