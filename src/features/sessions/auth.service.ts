import type { Kysely } from 'kysely';
import type { Database, UserRow } from '../../db/types.js';
import { AppError } from '../../lib/errors.js';
import { hashPassword, isLegacyHash, newSecret, sha256, verifyAgainstDummy, verifyPassword } from '../../lib/secrets.js';
import { nowIso } from '../../lib/time.js';
import { auditRepository } from '../audit/audit.repository.js';
import { tokensRepository } from '../tokens/tokens.repository.js';
import { normalizeEmail, toUserDto, type UserDto } from '../users/users.dto.js';
import { usersRepository } from '../users/users.repository.js';
import { sessionsRepository } from './sessions.repository.js';
import { inTransaction } from '../../db/database.js';

/** Who a request is, once its credential checked out. */
export interface Authenticated {
  user: UserRow;
  scope: 'read' | 'write';
  via: 'token' | 'session';
  /** api_tokens.id or sessions.id */
  credentialId: number;
}

/** The CSRF token of a session is derived from its secret: nothing more to store, and it dies with the session. */
export function csrfTokenFor(sessionSecret: string): string {
  return sha256(`csrf:${sessionSecret}`);
}

// last_used_at is written at most once a minute per token, so reads stay reads.
const TOUCH_INTERVAL_MS = 60_000;

export function createAuthService(db: Kysely<Database>, options: { sessionTtlDays: number }) {
  return {
    /** Resolves an API token; 'disabled' when the account is disabled, undefined when unknown, revoked or expired. */
    async authenticateToken(secret: string): Promise<Authenticated | 'disabled' | undefined> {
      const found = await tokensRepository.findWithUserByHash(db, sha256(secret));
      if (!found) return undefined;
      const now = Date.now();
      if (found.token.expires_at && Date.parse(found.token.expires_at) <= now) return undefined;
      if (found.user.disabled_at) return 'disabled';
      if (!found.token.last_used_at || now - Date.parse(found.token.last_used_at) > TOUCH_INTERVAL_MS) {
        await tokensRepository.touch(db, found.token.id, new Date(now).toISOString());
      }
      return { user: found.user, scope: found.token.scope, via: 'token', credentialId: found.token.id };
    },

    async authenticateSession(secret: string): Promise<Authenticated | 'disabled' | undefined> {
      const found = await sessionsRepository.findWithUserByHash(db, sha256(secret));
      if (!found || Date.parse(found.session.expires_at) <= Date.now()) return undefined;
      if (found.user.disabled_at) return 'disabled';
      return { user: found.user, scope: 'write', via: 'session', credentialId: found.session.id };
    },

    /** Checks e-mail and password and opens a session. Same answer and about the same time for an unknown e-mail. */
    async login(email: string, password: string, ip: string | null): Promise<{ user: UserDto; secret: string; expiresAt: string }> {
      const user = await usersRepository.getByEmail(db, normalizeEmail(email));
      if (!user) {
        await verifyAgainstDummy(password);
        throw new AppError(401, 'login-failed');
      }
      if (!(await verifyPassword(user.password_hash, password))) throw new AppError(401, 'login-failed');
      if (user.disabled_at) throw new AppError(401, 'account-disabled');
      // A password imported from the original system (DES crypt) is checked once, then kept as argon2id.
      const upgradedHash = isLegacyHash(user.password_hash) ? await hashPassword(password) : undefined;
      const secret = newSecret('fms');
      const expiresAt = new Date(Date.now() + options.sessionTtlDays * 86400_000).toISOString();
      await inTransaction(db, async (trx) => {
        const now = nowIso();
        if (upgradedHash) {
          // Only if it is still the hash that was checked: a concurrent password change wins.
          await trx
            .updateTable('users')
            .set({ password_hash: upgradedHash, updated_at: now })
            .where('id', '=', user.id)
            .where('password_hash', '=', user.password_hash)
            .execute();
          await auditRepository.insert(trx, { userId: user.id, action: 'user.password-upgrade', objectType: 'user', objectId: user.id, ip });
        }
        await sessionsRepository.deleteExpired(trx, now);
        const session = await sessionsRepository.create(trx, { user_id: user.id, token_hash: sha256(secret), expires_at: expiresAt, created_at: now });
        await auditRepository.insert(trx, { userId: user.id, action: 'session.create', objectType: 'session', objectId: session.id, ip });
      });
      return { user: toUserDto(user), secret, expiresAt };
    },

    async logout(userId: number, sessionId: number, ip: string | null): Promise<void> {
      await inTransaction(db, async (trx) => {
        await sessionsRepository.delete(trx, sessionId);
        await auditRepository.insert(trx, { userId, action: 'session.delete', objectType: 'session', objectId: sessionId, ip });
      });
    },
  };
}

export type AuthService = ReturnType<typeof createAuthService>;
