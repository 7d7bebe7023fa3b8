import fs from 'node:fs';
import path from 'node:path';
import { Ajv } from 'ajv';
import addFormatsModule from 'ajv-formats';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/types.js';
import { legacyDesHash, sha256 } from '../../lib/secrets.js';
import { addMonths, isCalendarDate, latestToday, nowIso, todayUtc } from '../../lib/time.js';
import { auditRepository } from '../audit/audit.repository.js';
import { nextFreeSlot } from '../freezers/slots.js';
import { productsRepository } from '../products/products.repository.js';
import { typesRepository } from '../types/types.repository.js';
import { normalizeEmail } from '../users/users.dto.js';
import { parseDump } from './dump-parser.js';
import {
  LEGACY_TABLE_NAMES,
  LegacyImportError,
  toLegacyData,
  type LegacyData,
  type LegacyProduct,
  type LegacyUser,
} from './legacy.types.js';
import { describeMysqlUrl, readMysql } from './mysql-reader.js';
import { inTransaction } from '../../db/database.js';

export { LegacyImportError } from './legacy.types.js';

export interface LegacyImportReport {
  /** Where the data came from, without any password. */
  source: string;
  /** Nothing new to import: every object of the source was imported before (and there was something). */
  alreadyImported: boolean;
  users: { imported: number; alreadyImported: number };
  freezers: { imported: number; alreadyImported: number };
  types: { matched: number; created: number; alreadyImported: number };
  products: { imported: number; inside: number; out: number; alreadyImported: number };
  /** What had to be changed, skipped or completed to fit the rules here, one line each. */
  fixes: string[];
}

/** Bounds of the API (products.schemas.ts, freezers.routes.ts, types.routes.ts): imported data keeps them too. */
const LIMITS = { name: 256, typeName: 128, description: 4000, boxCount: 1000, slot: 100_000, period: 120, quantity: 10_000 } as const;
/** Storage period of a created type when none of its products tells one: the most common default of the built-in types. */
export const DEFAULT_TYPE_PERIOD = 3;
/** A product whose type is unknown goes here (created when missing). */
const FALLBACK_TYPE = { nameEn: 'other', nameFr: 'autre' } as const;
/** Domain of the e-mail given to an account whose original e-mail is not valid (RFC 2606: never delivered). */
export const FIXED_EMAIL_DOMAIN = 'legacy.invalid';

type AddFormats = (ajv: Ajv) => Ajv;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ?? addFormatsModule) as unknown as AddFormats;
// The same check as the API's `format: email` (users.schemas.ts), so an imported e-mail can log in.
const emailCheck = addFormats(new Ajv()).compile({ type: 'string', format: 'email', minLength: 3, maxLength: 254 });
const isValidEmail = (value: string): boolean => emailCheck(value);

function isMysqlUrl(source: string): boolean {
  return /^(mysql|mariadb):\/\//i.test(source);
}

/** A printable name of the source, never with a password in it. */
export function describeSource(source: string): string {
  return isMysqlUrl(source) ? describeMysqlUrl(source) : `dump ${path.resolve(source)}`;
}

/** Reads a `mysql://` URL or a dump file into the original data; LegacyImportError for what it cannot read. */
export async function readLegacySource(source: string): Promise<LegacyData> {
  if (!source.trim()) throw new LegacyImportError('no source given: a mysql:// URL or the path of a MySQL dump');
  const where = describeSource(source);
  if (isMysqlUrl(source)) return toLegacyData(where, await readMysql(source));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) throw new LegacyImportError(`unsupported source ${source.split('://')[0]}://...: a mysql:// URL or the path of a MySQL dump`);
  let text: string;
  try {
    const stat = fs.statSync(source);
    if (!stat.isFile()) throw new LegacyImportError(`${path.resolve(source)} is not a file`);
    text = fs.readFileSync(source, 'utf8');
  } catch (err) {
    if (err instanceof LegacyImportError) throw err;
    const code = (err as { code?: string }).code;
    throw new LegacyImportError(code === 'ENOENT' ? `no such file: ${path.resolve(source)}` : `cannot read ${path.resolve(source)}: ${code ?? String(err)}`);
  }
  const parsed = parseDump(text);
  const missing = LEGACY_TABLE_NAMES.filter((t) => !parsed.seen.has(t));
  if (missing.length) {
    throw new LegacyImportError(
      `${path.resolve(source)} is not a dump of the original freezer-manager database: no table ${missing.join(', ')}` +
        (parsed.mentioned.length ? ` (it has ${[...new Set(parsed.mentioned)].slice(0, 5).join(', ')})` : ''),
    );
  }
  return toLegacyData(where, parsed.tables);
}

type Kind = 'user' | 'type' | 'freezer' | 'product';
type Trx = Kysely<Database>;

const clip = (value: string, max: number) => (value.length > max ? value.slice(0, max) : value);
/** Names are one line of visible text here (common.schemas.ts Line): control characters become spaces. */
const line = (value: string) => value.replace(/[\u0000-\u001f\u007f]+/g, ' ').trim();
/** Free text keeps tabs and line breaks, drops the other control characters. */
const freeText = (value: string) => value.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');

/**
 * Imports an original freezer-manager database into this one, in one transaction: users with their
 * tokens (kept working) and DES passwords (checked once at login, then argon2id), product types
 * (matched by English name, else created), freezers with their owners, and products with their
 * dates, boxes and slots. What breaks a rule here is fixed and reported. Objects imported before
 * (legacy_import_map) are skipped, so a second run imports nothing.
 */
export async function importLegacy(db: Kysely<Database>, source: string, log: (line: string) => void = () => undefined): Promise<LegacyImportReport> {
  const data = await readLegacySource(source);
  log(
    `Read ${data.source}: ${data.users.length} users, ${data.freezers.length} freezers, ${data.types.length} types, ` +
      `${data.descriptions.length} product descriptions, ${data.products.length} products.`,
  );
  return importLegacyData(db, data);
}

/** The import of data already read (readLegacySource), in one transaction: all or nothing. */
export function importLegacyData(db: Kysely<Database>, data: LegacyData): Promise<LegacyImportReport> {
  return inTransaction(db, (trx) => applyImport(trx, data));
}

/** The import itself, inside the caller's transaction. Exported for tests that build LegacyData by hand. */
export async function applyImport(trx: Trx, data: LegacyData): Promise<LegacyImportReport> {
  const now = nowIso();
  const today = todayUtc();
  const latest = latestToday();
  const fixes: string[] = [];
  const report: LegacyImportReport = {
    source: data.source,
    alreadyImported: false,
    users: { imported: 0, alreadyImported: 0 },
    freezers: { imported: 0, alreadyImported: 0 },
    types: { matched: 0, created: 0, alreadyImported: 0 },
    products: { imported: 0, inside: 0, out: 0, alreadyImported: 0 },
    fixes,
  };

  const mapped = new Map<string, number>();
  for (const row of await trx.selectFrom('legacy_import_map').select(['kind', 'legacy_id', 'new_id']).execute()) {
    mapped.set(`${row.kind}:${row.legacy_id}`, row.new_id);
  }
  const remember = async (kind: Kind, legacyId: string | number, newId: number) => {
    mapped.set(`${kind}:${legacyId}`, newId);
    await trx.insertInto('legacy_import_map').values({ kind, legacy_id: String(legacyId), new_id: newId, created_at: now }).execute();
  };
  const exists = async (table: 'users' | 'freezers' | 'product_types', id: number) =>
    (await trx.selectFrom(table).select('id').where('id', '=', id).executeTakeFirst()) !== undefined;

  // ---- product types: matched by English name (else French), else created ----
  const knownTypes = await trx.selectFrom('product_types').select(['id', 'name_en', 'name_fr', 'period_months']).execute();
  const typePeriod = new Map(knownTypes.map((t) => [t.id, t.period_months]));
  const key = (name: string) => line(name).toLowerCase();
  const byEn = new Map(knownTypes.map((t) => [key(t.name_en), t.id]));
  const byFr = new Map(knownTypes.map((t) => [key(t.name_fr), t.id]));
  const typeIds = new Map<number, number>();

  /** The most common period of the original products of a type: the best guess for its default. */
  const periodGuess = (legacyTypeId: number): number => {
    const counts = new Map<number, number>();
    for (const p of data.products) {
      if (p.typeId === legacyTypeId && p.period >= 1 && p.period <= LIMITS.period) counts.set(p.period, (counts.get(p.period) ?? 0) + 1);
    }
    let best = DEFAULT_TYPE_PERIOD;
    let bestCount = 0;
    for (const [period, count] of counts) {
      if (count > bestCount || (count === bestCount && period < best)) [best, bestCount] = [period, count];
    }
    return best;
  };

  const createType = async (nameEn: string, nameFr: string, period: number): Promise<number> => {
    let fr = nameFr;
    for (let n = 2; byFr.has(key(fr)); n += 1) fr = clip(`${nameFr} (${n})`, LIMITS.typeName);
    const row = await typesRepository.create(trx, { name_en: nameEn, name_fr: fr, period_months: period, created_at: now, updated_at: now });
    byEn.set(key(nameEn), row.id);
    byFr.set(key(fr), row.id);
    typePeriod.set(row.id, period);
    return row.id;
  };

  for (const type of [...data.types].sort((a, b) => a.typeId - b.typeId)) {
    const done = mapped.get(`type:${type.typeId}`);
    if (done !== undefined && (await exists('product_types', done))) {
      typeIds.set(type.typeId, done);
      report.types.alreadyImported += 1;
      continue;
    }
    const nameEn = clip(line(type.nameEn), LIMITS.typeName) || `type ${type.typeId}`;
    const nameFr = clip(line(type.nameFr), LIMITS.typeName) || nameEn;
    let id = byEn.get(key(nameEn));
    if (id !== undefined) {
      report.types.matched += 1;
    } else if ((id = byFr.get(key(nameFr))) !== undefined) {
      report.types.matched += 1;
      fixes.push(`type ${type.typeId} "${nameEn}": no type has this English name here; matched by its French name "${nameFr}"`);
    } else {
      id = await createType(nameEn, nameFr, periodGuess(type.typeId));
      report.types.created += 1;
    }
    typeIds.set(type.typeId, id);
    await remember('type', type.typeId, id);
  }

  let fallbackType: number | undefined;
  const typeFor = async (p: LegacyProduct): Promise<number> => {
    const direct = typeIds.get(p.typeId);
    if (direct !== undefined) return direct;
    const viaDescription = data.productTypes.find((pt) => pt.descrId === p.descrId && typeIds.has(pt.typeId));
    if (viaDescription) {
      fixes.push(`product ${p.prodId}: unknown type ${p.typeId}; given the type of its description (type ${viaDescription.typeId})`);
      return typeIds.get(viaDescription.typeId)!;
    }
    if (fallbackType === undefined) {
      fallbackType = byEn.get(FALLBACK_TYPE.nameEn);
      if (fallbackType === undefined) {
        fallbackType = await createType(FALLBACK_TYPE.nameEn, FALLBACK_TYPE.nameFr, DEFAULT_TYPE_PERIOD);
        report.types.created += 1;
      }
    }
    fixes.push(`product ${p.prodId}: unknown type ${p.typeId}; given the type "${FALLBACK_TYPE.nameEn}"`);
    return fallbackType;
  };

  // ---- users: e-mail, language, DES password kept as a legacy hash, old token kept as an API token ----
  const userIds = new Map<string, number>();
  const takenEmails = new Set((await trx.selectFrom('users').select('email').execute()).map((u) => u.email));
  const importedEmails = new Set<string>();
  const describeUser = (u: LegacyUser) => `user "${u.email.slice(0, 80)}"`;

  for (const user of [...data.users].sort((a, b) => (a.token < b.token ? -1 : a.token > b.token ? 1 : 0))) {
    const legacyId = sha256(user.token);
    const done = mapped.get(`user:${legacyId}`);
    if (done !== undefined && (await exists('users', done))) {
      userIds.set(user.token, done);
      report.users.alreadyImported += 1;
      continue;
    }
    let email = normalizeEmail(user.email);
    if (!isValidEmail(email)) {
      const local = email.replace(/@.*$/, '').replace(/[^a-z0-9._+-]/g, '').replace(/^\.+|\.+$/g, '').replace(/\.{2,}/g, '.').slice(0, 64) || 'user';
      let fixed = `${local}@${FIXED_EMAIL_DOMAIN}`;
      for (let n = 2; takenEmails.has(fixed); n += 1) fixed = `${local}-${n}@${FIXED_EMAIL_DOMAIN}`;
      fixes.push(`${describeUser(user)}: not a valid e-mail address; imported as ${fixed}`);
      email = fixed;
    } else if (importedEmails.has(email)) {
      // Two original users whose e-mails differ only in case: MySQL's collation allowed it, ours does not.
      const [local, domain] = [email.slice(0, email.lastIndexOf('@')), email.slice(email.lastIndexOf('@') + 1)];
      let fixed = email;
      for (let n = 2; takenEmails.has(fixed); n += 1) fixed = `${local}+${n}@${domain}`;
      fixes.push(`${describeUser(user)}: the same e-mail as another original user once lower-cased; imported as ${fixed}`);
      email = fixed;
    } else if (takenEmails.has(email)) {
      // Sign-up does not prove an e-mail address, so merging would hand these freezers to whoever took it.
      throw new LegacyImportError(
        `the e-mail ${email} of an original user already belongs to an account here; rename or remove that account, then import again (nothing was imported)`,
      );
    }
    takenEmails.add(email);
    importedEmails.add(email);

    const rawLanguage = user.language.trim().toLowerCase();
    const language = rawLanguage === 'fr' ? 'fr' : 'en';
    if (rawLanguage !== language) fixes.push(`${describeUser(user)}: language "${user.language.slice(0, 20)}" is not en or fr; set to en`);

    let passwordHash = legacyDesHash(user.password.trim());
    if (!passwordHash) {
      passwordHash = 'legacy-unusable';
      fixes.push(`${describeUser(user)}: the password is not a DES crypt hash; the user must reset it (password reset by e-mail)`);
    }

    const created = await trx
      .insertInto('users')
      .values({ email, password_hash: passwordHash, language, role: 'user', disabled_at: null, created_at: now, updated_at: now })
      .returning('id')
      .executeTakeFirstOrThrow();

    if (/^\S{16,512}$/.test(user.token)) {
      const tokenHash = sha256(user.token);
      if (await trx.selectFrom('api_tokens').select('id').where('token_hash', '=', tokenHash).executeTakeFirst()) {
        throw new LegacyImportError(`the token of ${describeUser(user)} is already an API token here (nothing was imported)`);
      }
      await trx
        .insertInto('api_tokens')
        .values({
          user_id: created.id,
          name: 'legacy token',
          scope: 'write',
          token_hash: tokenHash,
          prefix: user.token.slice(0, 8),
          expires_at: null,
          last_used_at: null,
          created_at: now,
        })
        .execute();
    } else {
      fixes.push(`${describeUser(user)}: the original token is too short or has blanks to be safe as an API token; not kept (the user creates a new one)`);
    }
    userIds.set(user.token, created.id);
    await remember('user', legacyId, created.id);
    report.users.imported += 1;
  }

  // ---- freezers and their owners ----
  const freezerIds = new Map<number, { id: number; boxCount: number; name: string }>();
  const owners = new Map<number, number[]>();
  const addMember = async (freezerId: number, userId: number, role: 'owner' | 'member') => {
    const members = owners.get(freezerId) ?? [];
    if (members.includes(userId)) return;
    const present = await trx.selectFrom('freezer_members').select('user_id').where('freezer_id', '=', freezerId).where('user_id', '=', userId).executeTakeFirst();
    if (!present) await trx.insertInto('freezer_members').values({ freezer_id: freezerId, user_id: userId, role, created_at: now }).execute();
    members.push(userId);
    owners.set(freezerId, members);
  };

  for (const freezer of [...data.freezers].sort((a, b) => a.freezerId - b.freezerId)) {
    const done = mapped.get(`freezer:${freezer.freezerId}`);
    if (done !== undefined) {
      const row = await trx.selectFrom('freezers').select(['id', 'box_count', 'name']).where('id', '=', done).executeTakeFirst();
      if (row) {
        freezerIds.set(freezer.freezerId, { id: row.id, boxCount: row.box_count, name: row.name });
        const members = await trx.selectFrom('freezer_members').select('user_id').where('freezer_id', '=', row.id).execute();
        owners.set(row.id, members.map((m) => m.user_id));
        report.freezers.alreadyImported += 1;
        continue;
      }
    }
    const name = clip(line(freezer.name), LIMITS.name) || `freezer ${freezer.freezerId}`;
    const label = `freezer ${freezer.freezerId} "${name}"`;
    const memberTokens = data.memberships.filter((m) => m.freezerId === freezer.freezerId).map((m) => m.token);
    for (const token of memberTokens.filter((t) => !userIds.has(t))) {
      fixes.push(`${label}: List_freezer names an owner who is not in the User table (token ${token.slice(0, 8)}…); left out`);
    }
    let ownerIds = [...new Set(memberTokens.filter((t) => userIds.has(t)).map((t) => userIds.get(t)!))];
    if (ownerIds.length === 0) {
      const productUsers = data.products.filter((p) => p.freezerId === freezer.freezerId && userIds.has(p.token)).map((p) => userIds.get(p.token)!);
      ownerIds = [...new Set(productUsers)];
      if (ownerIds.length === 0) {
        fixes.push(`${label}: no owner in List_freezer and no product of a known user; not imported`);
        continue;
      }
      fixes.push(`${label}: no owner in List_freezer; given to the user(s) whose products it holds`);
    }
    let boxCount = freezer.numberBoxes;
    if (boxCount < 1 || boxCount > LIMITS.boxCount) {
      boxCount = Math.min(Math.max(boxCount, 1), LIMITS.boxCount);
      fixes.push(`${label}: ${freezer.numberBoxes} boxes is out of 1..${LIMITS.boxCount}; set to ${boxCount}`);
    }
    const row = await trx.insertInto('freezers').values({ name, box_count: boxCount, created_at: now, updated_at: now }).returning('id').executeTakeFirstOrThrow();
    for (const ownerId of ownerIds) await addMember(row.id, ownerId, 'owner');
    freezerIds.set(freezer.freezerId, { id: row.id, boxCount, name });
    await remember('freezer', freezer.freezerId, row.id);
    report.freezers.imported += 1;
  }

  // ---- products ----
  const descriptions = new Map(data.descriptions.map((d) => [d.descrId, d]));
  const usedSlots = new Map<string, Set<number>>();
  const slotsOf = async (freezerId: number, box: number): Promise<Set<number>> => {
    const k = `${freezerId}:${box}`;
    let set = usedSlots.get(k);
    if (!set) {
      const rows = await trx.selectFrom('products').select('slot').where('freezer_id', '=', freezerId).where('box', '=', box).where('date_out', 'is', null).execute();
      set = new Set(rows.map((r) => r.slot));
      usedSlots.set(k, set);
    }
    return set;
  };

  for (const p of [...data.products].sort((a, b) => a.prodId - b.prodId)) {
    if (mapped.has(`product:${p.prodId}`)) {
      report.products.alreadyImported += 1;
      continue;
    }
    const label = `product ${p.prodId}`;
    const freezer = freezerIds.get(p.freezerId);
    if (!freezer) {
      fixes.push(`${label}: its freezer ${p.freezerId} does not exist (or was not imported); not imported`);
      continue;
    }
    const fLabel = `freezer "${freezer.name}"`;
    let userId = userIds.get(p.token);
    const members = owners.get(freezer.id) ?? [];
    if (userId === undefined) {
      userId = members[0];
      if (userId === undefined) {
        fixes.push(`${label}: neither its user nor its freezer's owner is known; not imported`);
        continue;
      }
      fixes.push(`${label}: its user is not in the User table; recorded as added by the freezer's owner`);
    } else if (!members.includes(userId)) {
      await addMember(freezer.id, userId, 'member');
      fixes.push(`${label}: its user was not a member of ${fLabel}; added as a member so the product stays visible to them`);
    }

    const description = descriptions.get(p.descrId);
    let name = clip(line(description?.name ?? ''), LIMITS.name);
    if (!description) fixes.push(`${label}: its description ${p.descrId} does not exist; named "product ${p.prodId}"`);
    else if (!name) fixes.push(`${label}: an empty name; named "product ${p.prodId}"`);
    if (!name) name = `product ${p.prodId}`;
    const text = clip(freeText(description?.text ?? ''), LIMITS.description);
    const typeId = await typeFor(p);

    // Dates: date_in a real date not in the future; date_out null or between date_in and today.
    let dateOut = p.dateOut;
    if (dateOut !== null && !isCalendarDate(dateOut)) {
      fixes.push(`${label}: date_out "${dateOut.slice(0, 20)}" is not a date; taken as still inside`);
      dateOut = null;
    }
    let dateIn = p.dateIn ?? '';
    if (!isCalendarDate(dateIn)) {
      const replacement = dateOut ?? today;
      fixes.push(`${label}: date_in "${dateIn.slice(0, 20)}" is not a date; set to ${replacement}`);
      dateIn = replacement;
    }
    if (dateIn > latest) {
      fixes.push(`${label}: date_in ${dateIn} is in the future; set to ${today}`);
      dateIn = today;
    }
    if (dateOut !== null && dateOut > latest) {
      fixes.push(`${label}: date_out ${dateOut} is in the future; set to ${today}`);
      dateOut = today;
    }
    if (dateOut !== null && dateOut < dateIn) {
      fixes.push(`${label}: date_out ${dateOut} is before date_in ${dateIn}; set to ${dateIn}`);
      dateOut = dateIn;
    }

    let period = p.period;
    if (period < 1) {
      period = typePeriod.get(typeId) ?? DEFAULT_TYPE_PERIOD;
      fixes.push(`${label}: period ${p.period} months; set to its type's ${period}`);
    } else if (period > LIMITS.period) {
      period = LIMITS.period;
      fixes.push(`${label}: period ${p.period} months is above ${LIMITS.period}; set to ${LIMITS.period}`);
    }
    let quantity = p.quantity;
    if (quantity < 1 || quantity > LIMITS.quantity) {
      quantity = Math.min(Math.max(quantity, 1), LIMITS.quantity);
      fixes.push(`${label}: quantity ${p.quantity} is out of 1..${LIMITS.quantity}; set to ${quantity}`);
    }
    let box = p.boxNum;
    if (box < 1 || box > freezer.boxCount) {
      box = Math.min(Math.max(box, 1), freezer.boxCount);
      fixes.push(`${label}: box ${p.boxNum} is outside ${fLabel}'s ${freezer.boxCount} boxes; moved to box ${box}`);
    }
    let slot = p.prodNum;
    if (dateOut === null) {
      const used = await slotsOf(freezer.id, box);
      if (slot < 1 || slot > LIMITS.slot || used.has(slot)) {
        const free = nextFreeSlot([...used].sort((a, b) => a - b));
        fixes.push(
          `${label}: slot ${p.prodNum} of box ${box} of ${fLabel} is ${used.has(slot) ? 'taken by another product inside' : 'out of range'}; given the next free slot, ${free}`,
        );
        slot = free;
      }
      used.add(slot);
    } else if (slot < 1 || slot > LIMITS.slot) {
      slot = Math.min(Math.max(slot, 1), LIMITS.slot);
      fixes.push(`${label}: slot ${p.prodNum} is out of 1..${LIMITS.slot}; set to ${slot}`);
    }

    // Through the products repository, which keeps the per-type counts of the general trend.
    const productId = await productsRepository.insert(trx, {
      user_id: userId,
      freezer_id: freezer.id,
      type_id: typeId,
      name,
      description: text,
      box,
      slot,
      date_in: dateIn,
      date_out: dateOut,
      period_months: period,
      due_date: addMonths(dateIn, period),
      quantity,
      source_product_id: null,
      created_at: now,
      updated_at: now,
    });
    await remember('product', p.prodId, productId);
    report.products.imported += 1;
    if (dateOut === null) report.products.inside += 1;
    else report.products.out += 1;
  }

  const imported = report.users.imported + report.freezers.imported + report.types.matched + report.types.created + report.products.imported;
  const before = report.users.alreadyImported + report.freezers.alreadyImported + report.types.alreadyImported + report.products.alreadyImported;
  report.alreadyImported = imported === 0 && before > 0;
  if (imported > 0) {
    await auditRepository.insert(trx, {
      userId: null,
      action: 'legacy.import',
      objectType: 'import',
      objectId: null,
      ip: null,
      details: {
        source: data.source.startsWith('dump ') ? 'dump' : 'mysql',
        users: report.users.imported,
        freezers: report.freezers.imported,
        typesMatched: report.types.matched,
        typesCreated: report.types.created,
        products: report.products.imported,
        inside: report.products.inside,
        out: report.products.out,
        fixes: fixes.length,
      },
    });
  }
  return report;
}

/** The summary the CLI prints. */
export function formatReport(report: LegacyImportReport): string {
  const lines: string[] = [];
  const imported = report.users.imported + report.freezers.imported + report.types.matched + report.types.created + report.products.imported;
  if (report.alreadyImported) {
    lines.push(`Nothing to import from ${report.source}: already imported.`);
  } else if (imported === 0) {
    lines.push(`Nothing to import from ${report.source}: it holds no data.`);
  } else {
    lines.push(`Imported from ${report.source}:`);
  }
  const again = (n: number) => (n ? ` (${n} already imported before)` : '');
  lines.push(`  users:     ${report.users.imported}${again(report.users.alreadyImported)}`);
  lines.push(`  freezers:  ${report.freezers.imported}${again(report.freezers.alreadyImported)}`);
  lines.push(`  types:     ${report.types.matched} matched, ${report.types.created} created${again(report.types.alreadyImported)}`);
  lines.push(`  products:  ${report.products.imported} (${report.products.inside} inside, ${report.products.out} out)${again(report.products.alreadyImported)}`);
  if (report.fixes.length) {
    lines.push(`Fixed (${report.fixes.length}):`);
    for (const fix of report.fixes) lines.push(`  - ${fix}`);
  } else if (imported > 0) {
    lines.push('Nothing had to be fixed.');
  }
  return lines.join('\n');
}
