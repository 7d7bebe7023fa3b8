import type { Kysely } from 'kysely';
import type { Database } from '../../db/types.js';
import type { Actor } from '../../lib/actor.js';
import { AppError, conflict, notFound } from '../../lib/errors.js';
import { nowIso } from '../../lib/time.js';
import { auditRepository, type AuditFilter } from '../audit/audit.repository.js';
import { toUserDto, type UserDto } from '../users/users.dto.js';
import { usersRepository } from '../users/users.repository.js';
import { adminRepository } from './admin.repository.js';
import { inTransaction } from '../../db/database.js';

export interface AuditDto {
  id: number;
  userId: number | null;
  userEmail: string | null;
  action: string;
  objectType: string;
  objectId: string | null;
  ip: string | null;
  details: Record<string, unknown> | null;
  createdAt: string;
}

function adminOnly(actor: Actor): void {
  if (actor.role !== 'admin') throw new AppError(403, 'admin-only');
}

export function createAdminService(db: Kysely<Database>) {
  return {
    async listUsers(actor: Actor, page: { limit: number; offset: number; q?: string }) {
      adminOnly(actor);
      const { rows, total } = await usersRepository.list(db, { limit: page.limit, offset: page.offset, ...(page.q ? { query: page.q } : {}) });
      return { items: rows.map(toUserDto), total, limit: page.limit, offset: page.offset };
    },

    /** Disables/enables an account or changes its role. The last active admin stays an active admin. */
    async updateUser(actor: Actor, id: number, changes: { disabled?: boolean; role?: 'user' | 'admin' }): Promise<UserDto> {
      adminOnly(actor);
      return inTransaction(db, async (trx) => {
        const user = await usersRepository.getById(trx, id);
        if (!user) throw notFound('user-not-found');
        if (changes.disabled && id === actor.userId) throw conflict('self-disable', {}, 'disabled');
        const losesAdmin = user.role === 'admin' && user.disabled_at === null && (changes.disabled === true || changes.role === 'user');
        if (losesAdmin && (await usersRepository.countActiveAdmins(trx)) <= 1) throw conflict('last-admin');
        const now = nowIso();
        const updated = await usersRepository.update(trx, id, {
          ...(changes.role !== undefined ? { role: changes.role } : {}),
          ...(changes.disabled !== undefined ? { disabled_at: changes.disabled ? (user.disabled_at ?? now) : null } : {}),
          updated_at: now,
        });
        await auditRepository.insert(trx, { userId: actor.userId, action: 'admin.user-update', objectType: 'user', objectId: id, ip: actor.ip, details: changes });
        return toUserDto(updated ?? user);
      });
    },

    async stats(actor: Actor) {
      adminOnly(actor);
      const s = await adminRepository.stats(db);
      const active = s.users - s.disabledUsers;
      return {
        ...s,
        productsInside: s.products - s.productsOut,
        averageProductsPerUser: s.users === 0 ? 0 : Math.round((s.products / s.users) * 100) / 100,
        activeUsers: active,
      };
    },

    async audit(actor: Actor, filter: AuditFilter) {
      adminOnly(actor);
      const { rows, total } = await auditRepository.list(db, filter);
      const items: AuditDto[] = rows.map((r) => ({
        id: r.id,
        userId: r.user_id,
        userEmail: r.email ?? null,
        action: r.action,
        objectType: r.object_type,
        objectId: r.object_id,
        ip: r.ip,
        details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : null,
        createdAt: r.created_at,
      }));
      return { items, total, limit: filter.limit, offset: filter.offset };
    },
  };
}

export type AdminService = ReturnType<typeof createAdminService>;
