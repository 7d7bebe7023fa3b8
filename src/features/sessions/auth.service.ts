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
import type { Cache } from '../../lib/cache.js';

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
/** How long a checked credential is kept, at most (any write by its user or an administrator retires it at once). */
const CREDENTIAL_TTL_MS = 60_000;
/** Credentials whose owner is remembered (a hash always belongs to the same user): bounded, the oldest go first. */
const MAX_OWNERS = 20_000;

/** What a credential resolves to, as kept by the cache: the answer and what must still be checked on every use. */
interface Resolved {
  auth: Authenticated;
  expiresAt: string | null;
  lastUsedAt: string | null;
}

/**
 * Checked credentials, when the response cache lives in this process only (one instance, one worker): a
 * request then costs no query to authenticate. An entry is kept under its user's cache generations, which
 * every write by that user (revoking a token, logging out, changing the password), by an administrator
 * (disabling, demoting, deleting), and every unauthenticated write (a password reset) moves on, and under
 * SQLite's data_version (a write by the CLI): a revoked credential is refused by the next request. Expiry
 * is checked on every use. Which user a hash belongs to never changes, so that is kept without a generation;
 * an unknown owner means one uncached lookup first.
 */
function credentialCache(cache: Cache) {
  const owners = new Map<string, number>();
  return {
    enabled: cache.inProcess,
    async resolve(namespace: string, hash: string, lookup: () => Promise<Resolved | 'disabled' | undefined>): Promise<Resolved | 'disabled' | undefined> {
      const owner = owners.get(hash);
      if (owner === undefined) {
        const found = await lookup();
        if (found && found !== 'disabled') {
          if (owners.size >= MAX_OWNERS) owners.delete(owners.keys().next().value as string);
          owners.set(hash, found.auth.user.id);
        }
        return found;
      }
      const { value } = await cache.remember(namespace, { kind: 'user', userId: owner }, hash, CREDENTIAL_TTL_MS, lookup, (v) => v !== undefined && v !== 'disabled');
      return value;
    },
  };
}

export function createAuthService(db: Kysely<Database>, options: { sessionTtlDays: number; cache: Cache }) {
  const credentials = credentialCache(options.cache);

  async function lookupToken(hash: string): Promise<Resolved | 'disabled' | undefined> {
    const found = await tokensRepository.findWithUserByHash(db, hash);
    if (!found) return undefined;
    if (found.user.disabled_at) return 'disabled';
    return {
      auth: { user: found.user, scope: found.token.scope, via: 'token', credentialId: found.token.id },
      expiresAt: found.token.expires_at,
      lastUsedAt: found.token.last_used_at,
    };
  }

  async function lookupSession(hash: string): Promise<Resolved | 'disabled' | undefined> {
    const found = await sessionsRepository.findWithUserByHash(db, hash);
    if (!found) return undefined;
    if (found.user.disabled_at) return 'disabled';
    return { auth: { user: found.user, scope: 'write', via: 'session', credentialId: found.session.id }, expiresAt: found.session.expires_at, lastUsedAt: null };
  }

  const resolve = (namespace: string, hash: string, lookup: (hash: string) => Promise<Resolved | 'disabled' | undefined>) =>
    credentials.enabled ? credentials.resolve(namespace, hash, () => lookup(hash)) : lookup(hash);

  return {
    /** Resolves an API token; 'disabled' when the account is disabled, undefined when unknown, revoked or expired. */
    async authenticateToken(secret: string): Promise<Authenticated | 'disabled' | undefined> {
      const found = await resolve('auth-token', sha256(secret), lookupToken);
      if (!found || found === 'disabled') return found;
      const now = Date.now();
      if (found.expiresAt && Date.parse(found.expiresAt) <= now) return undefined;
      if (!found.lastUsedAt || now - Date.parse(found.lastUsedAt) > TOUCH_INTERVAL_MS) {
        // Kept answers are the cache's own objects: the next use sees the new time and does not write again.
        found.lastUsedAt = new Date(now).toISOString();
        await tokensRepository.touch(db, found.auth.credentialId, found.lastUsedAt);
      }
      return found.auth;
    },

    async authenticateSession(secret: string): Promise<Authenticated | 'disabled' | undefined> {
      const found = await resolve('auth-session', sha256(secret), lookupSession);
      if (!found || found === 'disabled') return found;
      if (!found.expiresAt || Date.parse(found.expiresAt) <= Date.now()) return undefined;
      return found.auth;
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
