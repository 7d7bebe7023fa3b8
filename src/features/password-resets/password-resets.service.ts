import type { FastifyBaseLogger } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/types.js';
import type { Language } from '../../i18n/messages.js';
import { AppError } from '../../lib/errors.js';
import type { Mailer } from '../../lib/mailer.js';
import { hashPassword, newSecret, sha256 } from '../../lib/secrets.js';
import { nowIso } from '../../lib/time.js';
import { auditRepository } from '../audit/audit.repository.js';
import { sessionsRepository } from '../sessions/sessions.repository.js';
import { normalizeEmail } from '../users/users.dto.js';
import { usersRepository } from '../users/users.repository.js';
import { passwordResetsRepository } from './password-resets.repository.js';
import { inTransaction } from '../../db/database.js';

/** At most this many reset mails per account per hour, whatever the rate limit per address says. */
const MAX_RESETS_PER_HOUR = 5;

const MAIL: Record<Language, { subject: string; body: (link: string, minutes: number) => string }> = {
  en: {
    subject: 'Reset your Freezer Manager password',
    body: (link, minutes) =>
      `Someone (hopefully you) asked to reset the password of your Freezer Manager account.\n\n` +
      `Open this link within ${minutes} minutes to choose a new password:\n\n${link}\n\n` +
      `The link works once. If you did not ask for it, ignore this message: your password stays as it is.\n`,
  },
  fr: {
    subject: 'Réinitialisez votre mot de passe Freezer Manager',
    body: (link, minutes) =>
      `Quelqu'un (vous, espérons-le) a demandé à réinitialiser le mot de passe de votre compte Freezer Manager.\n\n` +
      `Ouvrez ce lien dans les ${minutes} minutes pour choisir un nouveau mot de passe :\n\n${link}\n\n` +
      `Le lien ne fonctionne qu'une fois. Si vous n'avez rien demandé, ignorez ce message : votre mot de passe ne change pas.\n`,
  },
};

export function createPasswordResetsService(
  db: Kysely<Database>,
  mailer: Mailer,
  options: { publicUrl: string; ttlMinutes: number; log: FastifyBaseLogger },
) {
  return {
    /**
     * Sends a single-use reset link when the account exists and is active. The caller answers the
     * same way either way, so the endpoint does not reveal which addresses have accounts.
     */
    async request(email: string, ip: string | null): Promise<void> {
      const user = await usersRepository.getByEmail(db, normalizeEmail(email));
      if (!user || user.disabled_at) return;
      const hourAgo = new Date(Date.now() - 3600_000).toISOString();
      if ((await passwordResetsRepository.countRecent(db, user.id, hourAgo)) >= MAX_RESETS_PER_HOUR) return;
      const secret = newSecret('fmr');
      const now = nowIso();
      await inTransaction(db, async (trx) => {
        await passwordResetsRepository.create(trx, {
          user_id: user.id,
          token_hash: sha256(secret),
          expires_at: new Date(Date.now() + options.ttlMinutes * 60_000).toISOString(),
          created_at: now,
        });
        await auditRepository.insert(trx, { userId: user.id, action: 'password-reset.request', objectType: 'user', objectId: user.id, ip });
      });
      // The token travels in the fragment: browsers never send it to the server or in a Referer.
      const link = `${options.publicUrl}/reset-password#token=${secret}`;
      const mail = MAIL[user.language];
      // Delivery happens after the answer: a slow or failing SMTP server neither delays the caller
      // nor, by its timing, tells whether the address has an account.
      mailer.send({ to: user.email, subject: mail.subject, text: mail.body(link, options.ttlMinutes) }).catch((err: unknown) => {
        options.log.error({ err, to: user.email }, 'password reset mail could not be sent');
      });
    },

    /** Sets a new password with a reset token; the token is used up and every session of the account ends. */
    async confirm(token: string, password: string, ip: string | null): Promise<void> {
      const reset = await passwordResetsRepository.findUsable(db, sha256(token), nowIso());
      if (!reset) throw new AppError(400, 'reset-token-invalid', {}, 'token');
      const passwordHash = await hashPassword(password);
      await inTransaction(db, async (trx) => {
        const now = nowIso();
        if (!(await passwordResetsRepository.markUsed(trx, reset.id, now))) throw new AppError(400, 'reset-token-invalid', {}, 'token');
        await usersRepository.update(trx, reset.user_id, { password_hash: passwordHash, updated_at: now });
        await passwordResetsRepository.invalidateForUser(trx, reset.user_id, now);
        await sessionsRepository.deleteAllForUser(trx, reset.user_id);
        await auditRepository.insert(trx, { userId: reset.user_id, action: 'password-reset.confirm', objectType: 'user', objectId: reset.user_id, ip });
      });
    },
  };
}

export type PasswordResetsService = ReturnType<typeof createPasswordResetsService>;
