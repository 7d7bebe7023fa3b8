import { hash as digest, randomBytes, timingSafeEqual } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import unixCrypt from 'unix-crypt-td-js';

/** 32 random bytes, URL-safe, with a prefix that tells what kind of secret it is (for secret scanners too). */
export function newSecret(prefix: 'fm' | 'fms' | 'fmr'): string {
  return `${prefix}_${randomBytes(32).toString('base64url')}`;
}

/** Secrets are stored as their SHA-256 only and looked up by it (one call: every API request hashes its token). */
export function sha256(value: string): string {
  return digest('sha256', value, 'hex');
}

export function safeEqual(a: string, b: string): boolean {
  const ba = Buffer.from(a);
  const bb = Buffer.from(b);
  return ba.length === bb.length && timingSafeEqual(ba, bb);
}

// OWASP's argon2id recommendation: 19 MiB, 2 iterations, 1 lane.
// algorithm 2 is Argon2id (a const enum in the typings, which isolated modules cannot read).
const ARGON2 = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPassword(password: string): Promise<string> {
  return hash(password, ARGON2);
}

/**
 * A password imported from the original freezer manager (`import-legacy`): its PHP crypt() hash,
 * traditional DES, kept until the user's first login replaces it with argon2id.
 */
export const LEGACY_DES_PREFIX = 'legacy-des-crypt:';
const DES_CRYPT_RE = /^[./0-9A-Za-z]{13}$/;

/** The stored form of an original DES-crypt hash, or undefined when the value is not one. */
export function legacyDesHash(cryptHash: string): string | undefined {
  return DES_CRYPT_RE.test(cryptHash) ? `${LEGACY_DES_PREFIX}${cryptHash}` : undefined;
}

/** True when the stored hash is a legacy one, to be replaced by argon2id once its password checked out. */
export function isLegacyHash(passwordHash: string): boolean {
  return passwordHash.startsWith('legacy-');
}

/**
 * DES crypt(3) as PHP's crypt() computed it: over the UTF-8 bytes, eight characters at most, 7 bits each
 * (the algorithm's own limits, which the original had too). A NUL would end the password early there: refused.
 */
function verifyLegacyDes(cryptHash: string, password: string): boolean {
  if (!DES_CRYPT_RE.test(cryptHash) || password.length === 0 || password.includes('\0')) return false;
  const computed = unixCrypt(Buffer.from(password, 'utf8').toString('latin1'), cryptHash.slice(0, 2));
  return typeof computed === 'string' && safeEqual(computed, cryptHash);
}

/** Never throws: a malformed or unknown hash simply does not verify. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    if (passwordHash.startsWith(LEGACY_DES_PREFIX)) {
      const ok = verifyLegacyDes(passwordHash.slice(LEGACY_DES_PREFIX.length), password);
      // DES takes microseconds: spend an argon2 check's time too, so timing does not tell legacy accounts apart.
      await verifyAgainstDummy(password);
      return ok;
    }
    if (isLegacyHash(passwordHash)) {
      // An imported account whose original password could not be kept: nothing verifies, in the usual time.
      await verifyAgainstDummy(password);
      return false;
    }
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;
/** Spends the same time as a real check when the account does not exist, so timing reveals nothing. */
export async function verifyAgainstDummy(password: string): Promise<void> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  await verifyPassword(await dummyHash, password);
}
