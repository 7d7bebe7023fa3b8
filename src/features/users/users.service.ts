import type { Kysely } from 'kysely';
import { isUniqueViolation, inTransaction } from '../../db/database.js';
import type { Database } from '../../db/types.js';
import type { Language } from '../../i18n/messages.js';
import type { Actor } from '../../lib/actor.js';
import { AppError, notFound } from '../../lib/errors.js';
import { hashPassword, verifyPassword } from '../../lib/secrets.js';
import { nowIso } from '../../lib/time.js';
import { auditRepository } from '../audit/audit.repository.js';
import { passwordResetsRepository } from '../password-resets/password-resets.repository.js';
import { sessionsRepository } from '../sessions/sessions.repository.js';
import { issueToken, type TokenDto } from '../tokens/tokens.service.js';
import { normalizeEmail, toUserDto, type UserDto } from './users.dto.js';
import { usersRepository } from './users.repository.js';

export interface Registration {
  email: string;
  password: string;
  language?: Language;
}

export function createUsersService(db: Kysely<Database>) {
  return {
    /**
     * Creates an account and its first API token. The first account of an empty database is an
     * administrator; the check and the insert share one transaction so two first sign-ups cannot both win.
     */
    async register(input: Registration, ip: string | null, options: { admin?: boolean } = {}): Promise<{ user: UserDto; token: TokenDto; secret: string }> {
      const email = normalizeEmail(input.email);
      const passwordHash = await hashPassword(input.password);
      try {
        return await inTransaction(db, async (trx) => {
          const isFirst = (await usersRepository.count(trx)) === 0;
          const now = nowIso();
          const user = await usersRepository.create(trx, {
            email,
            password_hash: passwordHash,
            language: input.language ?? 'en',
            role: isFirst || options.admin ? 'admin' : 'user',
            disabled_at: null,
            created_at: now,
            updated_at: now,
          });
          const { token, secret } = await issueToken(trx, user.id, { name: 'default', scope: 'write' });
          await auditRepository.insert(trx, {
            userId: user.id,
            action: 'user.register',
            objectType: 'user',
            objectId: user.id,
            ip,
            details: { role: user.role },
          });
          return { user: toUserDto(user), token, secret };
        });
      } catch (err) {
        if (isUniqueViolation(err)) throw new AppError(409, 'email-taken', {}, 'email');
        throw err;
      }
    },

    async getMe(actor: Actor): Promise<UserDto> {
      const user = await usersRepository.getById(db, actor.userId);
      if (!user) throw notFound('user-not-found');
      return toUserDto(user);
    },

    async updateMe(actor: Actor, changes: { language?: Language }): Promise<UserDto> {
      return inTransaction(db, async (trx) => {
        const user = await usersRepository.update(trx, actor.userId, { ...changes, updated_at: nowIso() });
        if (!user) throw notFound('user-not-found');
        await auditRepository.insert(trx, {
          userId: actor.userId,
          action: 'user.update',
          objectType: 'user',
          objectId: actor.userId,
          ip: actor.ip,
          details: changes,
        });
        return toUserDto(user);
      });
    },

    /** Changes the password; every other session ends and outstanding reset links stop working. API tokens stay. */
    async changePassword(actor: Actor, currentSessionId: number | undefined, current: string, next: string): Promise<void> {
      const user = await usersRepository.getById(db, actor.userId);
      if (!user) throw notFound('user-not-found');
      if (!(await verifyPassword(user.password_hash, current))) throw new AppError(400, 'password-wrong', {}, 'currentPassword');
      const passwordHash = await hashPassword(next);
      await inTransaction(db, async (trx) => {
        const now = nowIso();
        await usersRepository.update(trx, actor.userId, { password_hash: passwordHash, updated_at: now });
        await sessionsRepository.deleteAllForUser(trx, actor.userId, currentSessionId);
        await passwordResetsRepository.invalidateForUser(trx, actor.userId, now);
        await auditRepository.insert(trx, {
          userId: actor.userId,
          action: 'user.password-change',
          objectType: 'user',
          objectId: actor.userId,
          ip: actor.ip,
        });
      });
    },
  };
}

export type UsersService = ReturnType<typeof createUsersService>;
