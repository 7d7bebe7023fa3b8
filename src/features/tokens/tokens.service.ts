import type { Kysely } from 'kysely';
import type { ApiTokenRow, Database } from '../../db/types.js';
import type { Actor } from '../../lib/actor.js';
import { AppError, notFound } from '../../lib/errors.js';
import { newSecret, sha256 } from '../../lib/secrets.js';
import { nowIso } from '../../lib/time.js';
import { auditRepository } from '../audit/audit.repository.js';
import { tokensRepository } from './tokens.repository.js';
import { inTransaction } from '../../db/database.js';

export interface TokenDto {
  id: number;
  name: string;
  scope: 'read' | 'write';
  prefix: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  createdAt: string;
}

export function toTokenDto(row: ApiTokenRow): TokenDto {
  return {
    id: row.id,
    name: row.name,
    scope: row.scope,
    prefix: row.prefix,
    expiresAt: row.expires_at,
    lastUsedAt: row.last_used_at,
    createdAt: row.created_at,
  };
}

export interface NewToken {
  name: string;
  scope: 'read' | 'write';
  expiresAt?: string | null;
}

/** Issues a token inside the caller's transaction; the secret is returned once and only its hash is kept. */
export async function issueToken(db: Kysely<Database>, userId: number, input: NewToken): Promise<{ token: TokenDto; secret: string }> {
  const secret = newSecret('fm');
  const row = await tokensRepository.create(db, {
    user_id: userId,
    name: input.name,
    scope: input.scope,
    token_hash: sha256(secret),
    prefix: secret.slice(0, 8),
    expires_at: input.expiresAt ?? null,
    last_used_at: null,
    created_at: nowIso(),
  });
  return { token: toTokenDto(row), secret };
}

/**
 * `lastUsesWritten` resolves once the last uses of tokens this process has seen are in the database: they
 * are written behind the requests (auth.service), and a list asked for right after a token was used must
 * show that use, on PostgreSQL too, where the list's query may run on another connection before that write
 * commits.
 */
export function createTokensService(db: Kysely<Database>, options: { lastUsesWritten: () => Promise<void> }) {
  return {
    async list(actor: Actor): Promise<TokenDto[]> {
      await options.lastUsesWritten();
      return (await tokensRepository.listByUser(db, actor.userId)).map(toTokenDto);
    },

    async create(actor: Actor, input: NewToken): Promise<{ token: TokenDto; secret: string }> {
      let expiresAt: string | null = null;
      if (input.expiresAt) {
        const at = new Date(input.expiresAt);
        // NaN too: the date-time format lets a leap second (23:59:60) through, which Date cannot represent.
        if (!(at.getTime() > Date.now())) throw new AppError(400, 'expiry-in-past', {}, 'expiresAt');
        expiresAt = at.toISOString();
      }
      return inTransaction(db, async (trx) => {
        const created = await issueToken(trx, actor.userId, { ...input, expiresAt });
        await auditRepository.insert(trx, {
          userId: actor.userId,
          action: 'token.create',
          objectType: 'token',
          objectId: created.token.id,
          ip: actor.ip,
          details: { name: input.name, scope: input.scope },
        });
        return created;
      });
    },

    async revoke(actor: Actor, id: number): Promise<void> {
      await inTransaction(db, async (trx) => {
        const token = await tokensRepository.getById(trx, actor.userId, id);
        if (!token) throw notFound('token-not-found');
        await tokensRepository.delete(trx, actor.userId, id);
        await auditRepository.insert(trx, {
          userId: actor.userId,
          action: 'token.revoke',
          objectType: 'token',
          objectId: id,
          ip: actor.ip,
          details: { name: token.name },
        });
      });
    },
  };
}

export type TokensService = ReturnType<typeof createTokensService>;
