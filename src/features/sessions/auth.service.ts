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
import { inTransaction, watchCredentialWrites, watchVersion } from '../../db/database.js';

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
/** How long a checked credential is kept, at most (a write to it or to its account retires it at once). */
const CREDENTIAL_TTL_MS = 60_000;
/** Checked credentials kept at most (the oldest go first). */
const MAX_CREDENTIALS = 20_000;

/**
 * What a credential resolves to, as kept by the cache: the answer and what must still be checked on every
 * use, its times as milliseconds (parsed once per lookup, not on every request).
 */
interface Resolved {
  auth: Authenticated;
  /** When it expires; null: never (a token made without expiry). */
  expiresAtMs: number | null;
  /** A token's last recorded use; null: none yet (and for sessions, which do not record uses). */
  lastUsedMs: number | null;
}

/** A stored time as milliseconds; null stays null. */
const millis = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));

type Lookup = () => Promise<Resolved | 'disabled' | undefined>;

/**
 * Checked credentials, kept in process, so that a request costs no query to authenticate. What could end or
 * change one is watched at the source (watchCredentialWrites): every write to an account row, a token or a
 * session (revoking, logging out, a password change or reset, an administrator disabling or demoting),
 * whichever code made it, moves that user's generation. On SQLite, TEMP triggers of this process's
 * connection report them, and data_version tells a write by another process (the CLI, another worker). On
 * PostgreSQL, the change feed hears everybody's (this instance's before its write is answered, another
 * instance's a moment after its commit), and its version moves when it may have missed some. An entry is
 * served only while both are what they were when it was looked up, and expiry is checked on every use.
 */
function credentialCache(db: Kysely<Database>) {
  const watchedVersion = watchVersion(db);
  const generations = new Map<number, number>();
  let changes = 0;
  const watched = watchCredentialWrites(db, (userId) => {
    generations.set(userId, (generations.get(userId) ?? 0) + 1);
    changes += 1;
  });
  if (!watched || !watchedVersion) return undefined;
  const entries = new Map<string, { resolved: Resolved; generation: number; version: number; expires: number }>();

  return async (key: string, lookup: Lookup): Promise<Resolved | 'disabled' | undefined> => {
    const version = watchedVersion();
    const entry = entries.get(key);
    if (entry) {
      const owner = entry.resolved.auth.user.id;
      if (entry.version === version && entry.generation === (generations.get(owner) ?? 0) && entry.expires > Date.now()) return entry.resolved;
      entries.delete(key);
    }
    const changesBefore = changes;
    const found = await lookup();
    // Kept only if nothing was written to any credential meanwhile: the answer is then still the truth.
    if (found && found !== 'disabled' && changes === changesBefore) {
      if (entries.size >= MAX_CREDENTIALS) entries.delete(entries.keys().next().value as string);
      entries.set(key, { resolved: found, generation: generations.get(found.auth.user.id) ?? 0, version, expires: Date.now() + CREDENTIAL_TTL_MS });
    }
    return found;
  };
}

/**
 * The last uses of API tokens, written behind the requests: the uses seen in one turn of the event loop
 * go to the database together after the turn, in one transaction (on SQLite it joins the group commit
 * of that turn's writes). A request never waits for it, and a server that sees thousands of tokens for
 * the first time (after a restart) does not pay a commit for each.
 */
function lastUses(db: Kysely<Database>, onError: (err: unknown) => void) {
  let pending = new Map<number, string>();
  const writing = new Set<Promise<void>>();

  return {
    record(tokenId: number, at: string): void {
      if (pending.size === 0) {
        const done = new Promise<void>((resolve) => setImmediate(resolve)).then(() => {
          const uses = pending;
          pending = new Map();
          return inTransaction(db, async (trx) => {
            for (const [id, usedAt] of uses) await tokensRepository.touch(trx, id, usedAt);
          });
        });
        const settled = done.catch(onError).finally(() => writing.delete(settled));
        writing.add(settled);
      }
      pending.set(tokenId, at);
    },
    /** Resolves once every use recorded so far is written (or has failed and been reported). */
    async flush(): Promise<void> {
      while (writing.size > 0) await Promise.all(writing);
    },
  };
}

export function createAuthService(db: Kysely<Database>, options: { sessionTtlDays: number; onTouchError?: (err: unknown) => void }) {
  const cached = credentialCache(db);
  const uses = lastUses(db, options.onTouchError ?? (() => undefined));

  async function lookupToken(hash: string): Promise<Resolved | 'disabled' | undefined> {
    const found = await tokensRepository.findWithUserByHash(db, hash);
    if (!found) return undefined;
    if (found.user.disabled_at) return 'disabled';
    return {
      auth: { user: found.user, scope: found.token.scope, via: 'token', credentialId: found.token.id },
      expiresAtMs: millis(found.token.expires_at),
      lastUsedMs: millis(found.token.last_used_at),
    };
  }

  async function lookupSession(hash: string): Promise<Resolved | 'disabled' | undefined> {
    const found = await sessionsRepository.findWithUserByHash(db, hash);
    if (!found) return undefined;
    if (found.user.disabled_at) return 'disabled';
    return { auth: { user: found.user, scope: 'write', via: 'session', credentialId: found.session.id }, expiresAtMs: millis(found.session.expires_at), lastUsedMs: null };
  }

  const resolve = (namespace: string, hash: string, lookup: (hash: string) => Promise<Resolved | 'disabled' | undefined>) =>
    cached ? cached(`${namespace}:${hash}`, () => lookup(hash)) : lookup(hash);

  return {
    /** Writes the last uses of tokens not yet written (before the database closes). */
    flush: () => uses.flush(),

    /** Resolves an API token; 'disabled' when the account is disabled, undefined when unknown, revoked or expired. */
    async authenticateToken(secret: string): Promise<Authenticated | 'disabled' | undefined> {
      const found = await resolve('token', sha256(secret), lookupToken);
      if (!found || found === 'disabled') return found;
      const now = Date.now();
      // An expiry that does not parse (NaN) counts as passed.
      if (found.expiresAtMs !== null && !(found.expiresAtMs > now)) return undefined;
      if (found.lastUsedMs === null || now - found.lastUsedMs > TOUCH_INTERVAL_MS) {
        // Kept answers are the cache's own objects: the next use sees the new time and does not write again.
        found.lastUsedMs = now;
        uses.record(found.auth.credentialId, new Date(now).toISOString());
      }
      return found.auth;
    },

    async authenticateSession(secret: string): Promise<Authenticated | 'disabled' | undefined> {
      const found = await resolve('session', sha256(secret), lookupSession);
      if (!found || found === 'disabled') return found;
      if (found.expiresAtMs === null || !(found.expiresAtMs > Date.now())) return undefined;
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
