/**
 * The benchmark dataset: N users × M products with a realistic history, written straight into a SQLite
 * file that went through the application's own migrations.
 *
 * Fast on purpose: rows are inserted in bulk, inside one transaction, with better-sqlite3 prepared
 * statements (the products and audit_log indexes are dropped during the load and rebuilt after, from the
 * migrations' own SQL). Everything else is what the services would have written: API tokens stored as
 * their SHA-256 with the same prefix, argon2id password hashes, due_date = date_in + period (addMonths),
 * the next free slot of the box at the time each product went in, partial take-outs as history rows
 * linked by source_product_id with the product keeping the rest, and an audit entry per write.
 *
 * Run alone: node bench/.build/bench/dataset.js --data-dir DIR [--users N] [--products M | --large] [--seed S]
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { migrateToLatest, openDatabase } from '../src/db/database.js';
import { migrationProvider } from '../src/db/migrations/index.js';
import { foldCase } from '../src/db/sql.js';
import { hashPassword, newSecret, sha256 } from '../src/lib/secrets.js';
import { addDays, addMonths, todayUtc } from '../src/lib/time.js';
import { DESCRIPTIONS, FREEZER_NAMES, namesFor, QUANTITY_WEIGHTS, TYPE_WEIGHTS } from './lib/catalogue.js';
import { exponential, int, normal, rng, weighted, type Random } from './lib/random.js';

/** Bump when the generated data changes shape, so cached datasets are rebuilt. */
export const GENERATOR_VERSION = 1;
export const DATABASE_FILE = 'freezer-manager.sqlite';
export const TOKENS_FILE = 'tokens.json';
export const MANIFEST_FILE = 'manifest.json';

/** Days of history: users joined during the last two years. */
const WINDOW_DAYS = 730;
/** Accounts with their own known password (the login scenario); the others share one hash of a random password. */
const LOGIN_ACCOUNTS = 32;
const LOGIN_PASSWORD = 'bench password 42';
/** A share of users are also members of another household's freezer. */
const SHARED_FREEZER_SHARE = 0.05;

export interface GenerateOptions {
  dataDir: string;
  users: number;
  /** Rows of the products table (products plus the history rows of partial take-outs). */
  products: number;
  seed: number;
  log?: (line: string) => void;
}

export interface BenchFreezer {
  id: number;
  boxCount: number;
  role: 'owner' | 'member';
}

export interface BenchUser {
  id: number;
  email: string;
  language: 'en' | 'fr';
  /** A write-scope API token (the "default" one a sign-up gets). */
  token: string;
  freezers: BenchFreezer[];
}

export interface TokensFile {
  today: string;
  users: BenchUser[];
  /** Accounts whose password is known, for the login scenario. */
  logins: Array<{ email: string; password: string }>;
}

export interface Manifest {
  generatorVersion: number;
  users: number;
  products: number;
  seed: number;
  today: string;
  migrations: string[];
  counts: { users: number; freezers: number; products: number; inside: number; partialTakeOutRows: number; auditRows: number };
  seconds: number;
  createdAt: string;
}

export async function migrationNames(): Promise<string[]> {
  return Object.keys(await migrationProvider.getMigrations()).sort();
}

/** The manifest of a dataset in dir when it matches these options and today's migrations, else undefined. */
export async function existingDataset(dir: string, options: Omit<GenerateOptions, 'dataDir'>): Promise<Manifest | undefined> {
  try {
    const manifest = JSON.parse(fs.readFileSync(path.join(dir, MANIFEST_FILE), 'utf8')) as Manifest;
    const migrations = await migrationNames();
    const ok =
      manifest.generatorVersion === GENERATOR_VERSION &&
      manifest.users === options.users &&
      manifest.products === options.products &&
      manifest.seed === options.seed &&
      manifest.today === todayUtc() &&
      JSON.stringify(manifest.migrations) === JSON.stringify(migrations) &&
      fs.existsSync(path.join(dir, DATABASE_FILE)) &&
      fs.existsSync(path.join(dir, TOKENS_FILE));
    return ok ? manifest : undefined;
  } catch {
    return undefined;
  }
}

/** Splits total into n parts proportional to weights (largest remainder), so the parts add up exactly. */
function apportion(total: number, weights: number[]): Int32Array {
  const sum = weights.reduce((a, b) => a + b, 0);
  const parts = new Int32Array(weights.length);
  const remainders: Array<[number, number]> = [];
  let given = 0;
  weights.forEach((w, i) => {
    const exact = (total * w) / sum;
    parts[i] = Math.floor(exact);
    given += parts[i] as number;
    remainders.push([exact - Math.floor(exact), i]);
  });
  remainders.sort((a, b) => b[0] - a[0]);
  for (let k = 0; given < total; k += 1, given += 1) {
    const index = (remainders[k % remainders.length] as [number, number])[1];
    parts[index] = (parts[index] as number) + 1;
  }
  return parts;
}

function time(random: Random): string {
  const s = Math.floor(random() * 86400);
  const hh = String(Math.floor(s / 3600)).padStart(2, '0');
  const mm = String(Math.floor((s % 3600) / 60)).padStart(2, '0');
  const ss = String(s % 60).padStart(2, '0');
  return `T${hh}:${mm}:${ss}.000Z`;
}

export async function generateDataset(options: GenerateOptions): Promise<Manifest> {
  const started = performance.now();
  const log = options.log ?? (() => {});
  const random = rng(options.seed);
  const { users: userCount, products: rowTarget } = options;
  fs.mkdirSync(options.dataDir, { recursive: true });
  const file = path.join(options.dataDir, DATABASE_FILE);
  for (const suffix of ['', '-wal', '-shm', '-journal']) fs.rmSync(file + suffix, { force: true });
  for (const name of [TOKENS_FILE, MANIFEST_FILE]) fs.rmSync(path.join(options.dataDir, name), { force: true });

  // 1. The schema, exactly as the application creates it.
  const kysely = openDatabase({ kind: 'sqlite', file });
  const migrations = await migrateToLatest(kysely);
  await kysely.destroy();

  // 2. Password hashes: a few real accounts, one shared hash for everybody else.
  const sharedHash = await hashPassword(newSecret('fm'));
  const loginHashes = await Promise.all(Array.from({ length: Math.min(LOGIN_ACCOUNTS, userCount) }, () => hashPassword(LOGIN_PASSWORD)));

  const today = todayUtc();
  const dayStrings = Array.from({ length: WINDOW_DAYS + 1 }, (_, d) => addDays(today, d - WINDOW_DAYS));
  const day = (d: number): string => dayStrings[d] as string;

  const db = new SQLite(file);
  db.pragma('journal_mode = OFF');
  db.pragma('synchronous = OFF');
  db.pragma('foreign_keys = OFF');
  db.pragma('cache_size = -262144');
  db.pragma('temp_store = MEMORY');
  const types = db.prepare('select id, period_months from product_types order by id').all() as Array<{ id: number; period_months: number }>;
  const periodOfType = new Map(types.map((t) => [t.id, t.period_months]));
  const typeWeights = Object.fromEntries(Object.entries(TYPE_WEIGHTS).filter(([id]) => periodOfType.has(Number(id))));
  const drawType = weighted(typeWeights);
  const drawQuantity = weighted(QUANTITY_WEIGHTS);

  // Bulk load: drop the indexes of the big tables, rebuild them after, from the schema's own SQL.
  const indexes = db
    .prepare("select name, sql from sqlite_master where type = 'index' and tbl_name in ('products', 'audit_log') and sql is not null")
    .all() as Array<{ name: string; sql: string }>;
  for (const index of indexes) db.exec(`drop index "${index.name}"`);

  const insertUser = db.prepare(
    'insert into users (id, email, password_hash, language, role, disabled_at, created_at, updated_at) values (?, ?, ?, ?, ?, null, ?, ?)',
  );
  const insertToken = db.prepare(
    "insert into api_tokens (user_id, name, scope, token_hash, prefix, expires_at, last_used_at, created_at) values (?, 'default', 'write', ?, ?, null, null, ?)",
  );
  const insertFreezer = db.prepare('insert into freezers (id, name, box_count, created_at, updated_at) values (?, ?, ?, ?, ?)');
  const insertMember = db.prepare('insert into freezer_members (freezer_id, user_id, role, created_at) values (?, ?, ?, ?)');
  const insertProduct = db.prepare(
    `insert into products (id, user_id, freezer_id, type_id, name, description, box, slot, date_in, date_out, period_months, due_date,
       quantity, source_product_id, created_at, updated_at, name_folded, description_folded) values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const insertAudit = db.prepare(
    "insert into audit_log (user_id, action, object_type, object_id, ip, details, created_at) values (?, ?, ?, ?, '127.0.0.1', ?, ?)",
  );

  // 3. Users, their tokens and freezers.
  const benchUsers: BenchUser[] = [];
  const logins: TokensFile['logins'] = [];
  const userStart = new Int32Array(userCount);
  const userLanguage: Array<'en' | 'fr'> = [];
  /** Owned freezers of each user: ids and box counts. */
  const ownedFreezers: Array<Array<{ id: number; boxCount: number }>> = [];
  const freezerBoxes: number[] = [0];
  let freezerId = 0;
  let auditRows = 0;
  const loadUsers = db.transaction(() => {
    for (let u = 0; u < userCount; u += 1) {
      const id = u + 1;
      const start = int(random, 0, WINDOW_DAYS - 30);
      userStart[u] = start;
      const language: 'en' | 'fr' = random() < 0.35 ? 'fr' : 'en';
      userLanguage.push(language);
      const email = `bench-user-${id}@bench.freezer-manager.local`;
      const createdAt = `${day(start)}T08:00:00.000Z`;
      const isLogin = u < loginHashes.length;
      insertUser.run(id, email, isLogin ? loginHashes[u] : sharedHash, language, id === 1 ? 'admin' : 'user', createdAt, createdAt);
      const token = newSecret('fm');
      insertToken.run(id, sha256(token), token.slice(0, 8), createdAt);
      insertAudit.run(id, 'user.register', 'user', String(id), JSON.stringify({ role: id === 1 ? 'admin' : 'user' }), createdAt);
      auditRows += 1;
      if (isLogin) logins.push({ email, password: LOGIN_PASSWORD });

      const roll = random();
      const count = roll < 0.35 ? 1 : roll < 0.75 ? 2 : roll < 0.93 ? 3 : 4;
      const owned: Array<{ id: number; boxCount: number }> = [];
      const freezers: BenchFreezer[] = [];
      for (let f = 0; f < count; f += 1) {
        freezerId += 1;
        const boxCount = int(random, 3, 8);
        freezerBoxes.push(boxCount);
        insertFreezer.run(freezerId, FREEZER_NAMES[f] ?? `Freezer ${f + 1}`, boxCount, createdAt, createdAt);
        insertMember.run(freezerId, id, 'owner', createdAt);
        insertAudit.run(id, 'freezer.create', 'freezer', String(freezerId), JSON.stringify({ boxCount }), createdAt);
        auditRows += 1;
        owned.push({ id: freezerId, boxCount });
        freezers.push({ id: freezerId, boxCount, role: 'owner' });
      }
      ownedFreezers.push(owned);
      // A household member of the previous user: sees that user's first freezer too.
      if (u > 0 && random() < SHARED_FREEZER_SHARE) {
        const shared = (ownedFreezers[u - 1] as Array<{ id: number; boxCount: number }>)[0] as { id: number; boxCount: number };
        insertMember.run(shared.id, id, 'member', createdAt);
        freezers.push({ id: shared.id, boxCount: shared.boxCount, role: 'member' });
      }
      benchUsers.push({ id, email, language, token, freezers });
    }
  });
  loadUsers();
  log(`  users, tokens and ${freezerId} freezers written`);

  // 4. Plan every product: who, where, what, when in, when out, partial take-outs.
  const quotas = apportion(
    rowTarget,
    Array.from({ length: userCount }, () => Math.exp(0.9 * normal(random))),
  );
  const cap = rowTarget;
  const pUser = new Int32Array(cap);
  const pFreezer = new Int32Array(cap);
  const pBox = new Uint8Array(cap);
  const pType = new Uint8Array(cap);
  const pName = new Uint8Array(cap);
  const pDesc = new Uint8Array(cap);
  const pQtyEnd = new Uint8Array(cap);
  const pPeriod = new Uint8Array(cap);
  const pIn = new Int32Array(cap);
  const pOut = new Int32Array(cap); // -1: still inside
  const hSrc = new Int32Array(cap);
  const hDay = new Int32Array(cap);
  const hPortions = new Uint8Array(cap);
  let productCount = 0;
  let partialCount = 0;
  for (let u = 0; u < userCount; u += 1) {
    let quota = quotas[u] as number;
    const owned = ownedFreezers[u] as Array<{ id: number; boxCount: number }>;
    const start = userStart[u] as number;
    while (quota > 0) {
      const p = productCount;
      productCount += 1;
      quota -= 1;
      pUser[p] = u + 1;
      // The first freezer gets half of everything.
      const freezer = (random() < 0.5 ? owned[0] : owned[Math.floor(random() * owned.length)]) as { id: number; boxCount: number };
      pFreezer[p] = freezer.id;
      pBox[p] = int(random, 1, freezer.boxCount);
      const typeId = drawType(random);
      pType[p] = typeId;
      pName[p] = Math.floor(random() * namesFor(typeId).length);
      pDesc[p] = Math.floor(random() * DESCRIPTIONS.length);
      const period = random() < 0.1 ? int(random, 1, 12) : (periodOfType.get(typeId) as number);
      pPeriod[p] = period;
      const dateIn = int(random, start, WINDOW_DAYS);
      pIn[p] = dateIn;
      // Most things are eaten well within their period, some late, a few forgotten at the back.
      const base = period * 30.4;
      const fate = random();
      const lifetime =
        fate < 0.85 ? 1 + Math.floor(exponential(random, 0.55 * base + 15)) : fate < 0.95 ? Math.floor(base * (0.9 + random() * 1.5)) : Math.floor(base * (2.5 + random() * 2));
      const dateOut = dateIn + Math.max(1, lifetime);
      pOut[p] = dateOut > WINDOW_DAYS ? -1 : dateOut;
      let remaining = drawQuantity(random);
      // Partial take-outs: a few portions at a time before the rest (or while the rest stays inside).
      if (remaining >= 2 && quota > 0 && random() < 0.25) {
        const takes = Math.min(quota, remaining >= 3 && random() < 0.4 ? 2 : 1);
        const last = pOut[p] === -1 ? WINDOW_DAYS : (pOut[p] as number);
        const days = Array.from({ length: takes }, () => int(random, dateIn, last)).sort((a, b) => a - b);
        for (const d of days) {
          if (remaining < 2) break;
          const portions = int(random, 1, Math.min(2, remaining - 1));
          remaining -= portions;
          hSrc[partialCount] = p;
          hDay[partialCount] = d;
          hPortions[partialCount] = portions;
          partialCount += 1;
          quota -= 1;
        }
      }
      pQtyEnd[p] = remaining;
    }
  }

  // 5. Replay the history in date order: slots are the next free one of the box when the product went in.
  //    Event key: day, then kind (in, partial take-out, take-out), then index.
  const span = 3 * cap;
  const events = new Float64Array(productCount * 2 + partialCount);
  let e = 0;
  for (let p = 0; p < productCount; p += 1) {
    events[e++] = (pIn[p] as number) * span + p;
    if ((pOut[p] as number) >= 0) events[e++] = (pOut[p] as number) * span + 2 * cap + p;
  }
  for (let h = 0; h < partialCount; h += 1) events[e++] = (hDay[h] as number) * span + cap + h;
  const sorted = events.subarray(0, e).sort();

  const occupancy = new Map<number, Uint8Array>();
  const productId = new Int32Array(productCount);
  const pSlot = new Int32Array(productCount);
  let nextId = 0;
  let inside = 0;
  const load = db.transaction(() => {
    for (const key of sorted) {
      const d = Math.floor(key / span);
      const code = key - d * span;
      const kind = code >= 2 * cap ? 2 : code >= cap ? 1 : 0;
      const index = code - kind * cap;
      if (kind === 0) {
        const p = index;
        const user = pUser[p] as number;
        const language = userLanguage[user - 1] as 'en' | 'fr';
        const freezer = pFreezer[p] as number;
        const box = pBox[p] as number;
        const boxKey = freezer * 16 + box;
        let used = occupancy.get(boxKey);
        if (!used) occupancy.set(boxKey, (used = new Uint8Array(64)));
        let slot = 1;
        while (slot < used.length && used[slot]) slot += 1;
        if (slot >= used.length) {
          const grown = new Uint8Array(used.length * 2);
          grown.set(used);
          occupancy.set(boxKey, (used = grown));
        }
        used[slot] = 1;
        pSlot[p] = slot;
        nextId += 1;
        productId[p] = nextId;
        const typeId = pType[p] as number;
        const names = namesFor(typeId)[pName[p] as number] as readonly [string, string];
        const description = DESCRIPTIONS[pDesc[p] as number] as readonly [string, string];
        const dateIn = day(d);
        const createdAt = dateIn + time(random);
        const out = pOut[p] as number;
        if (out < 0) inside += 1;
        const period = pPeriod[p] as number;
        const name = language === 'fr' ? names[1] : names[0];
        const text = language === 'fr' ? description[1] : description[0];
        insertProduct.run(
          nextId,
          user,
          freezer,
          typeId,
          name,
          text,
          box,
          slot,
          dateIn,
          out < 0 ? null : day(out),
          period,
          addMonths(dateIn, period),
          pQtyEnd[p] as number,
          null,
          createdAt,
          out < 0 ? createdAt : day(out) + time(random),
          foldCase(name),
          foldCase(text),
        );
        insertAudit.run(user, 'product.create', 'product', String(nextId), JSON.stringify({ freezerId: freezer, box, slot }), createdAt);
      } else if (kind === 1) {
        const p = hSrc[index] as number;
        const user = pUser[p] as number;
        const language = userLanguage[user - 1] as 'en' | 'fr';
        const typeId = pType[p] as number;
        const names = namesFor(typeId)[pName[p] as number] as readonly [string, string];
        const description = DESCRIPTIONS[pDesc[p] as number] as readonly [string, string];
        const dateIn = day(pIn[p] as number);
        const date = day(d);
        const at = date + time(random);
        nextId += 1;
        const period = pPeriod[p] as number;
        const name = language === 'fr' ? names[1] : names[0];
        const text = language === 'fr' ? description[1] : description[0];
        insertProduct.run(
          nextId,
          user,
          pFreezer[p] as number,
          typeId,
          name,
          text,
          pBox[p] as number,
          pSlot[p] as number,
          dateIn,
          date,
          period,
          addMonths(dateIn, period),
          hPortions[index] as number,
          productId[p] as number,
          at,
          at,
          foldCase(name),
          foldCase(text),
        );
        insertAudit.run(user, 'product.take-out', 'product', String(productId[p]), JSON.stringify({ portions: hPortions[index], date, historyId: nextId }), at);
      } else {
        const p = index;
        const used = occupancy.get((pFreezer[p] as number) * 16 + (pBox[p] as number)) as Uint8Array;
        used[pSlot[p] as number] = 0;
        const date = day(d);
        insertAudit.run(
          pUser[p] as number,
          'product.take-out',
          'product',
          String(productId[p]),
          JSON.stringify({ portions: pQtyEnd[p], date, historyId: productId[p] }),
          date + time(random),
        );
      }
      auditRows += 1;
    }
  });
  load();
  log(`  ${productCount} products and ${partialCount} partial take-out rows written`);

  for (const index of indexes) db.exec(index.sql);
  // The per-type counts of the general trend, as the products repository keeps them (migration 0004), each in
  // shard 0 as migration 0013 leaves existing counts.
  db.exec('delete from product_type_counts');
  db.exec('insert into product_type_counts (type_id, freq) select type_id, count(*) from products where source_product_id is null group by type_id');
  // Per freezer and type, as the products repository keeps them (migration 0006).
  db.exec('delete from freezer_type_stats');
  db.exec(`insert into freezer_type_stats (freezer_id, type_id, row_count, freq, latest)
    select freezer_id, type_id, count(*), count(case when source_product_id is null then 1 end), max(date_out) from products group by freezer_id, type_id`);
  const problems = db.pragma('foreign_key_check') as unknown[];
  if (problems.length > 0) throw new Error(`generated data breaks ${problems.length} foreign keys`);
  db.pragma('journal_mode = WAL');
  db.close();
  log('  indexes rebuilt, foreign keys checked');

  const tokens: TokensFile = { today, users: benchUsers, logins };
  fs.writeFileSync(path.join(options.dataDir, TOKENS_FILE), JSON.stringify(tokens));
  const manifest: Manifest = {
    generatorVersion: GENERATOR_VERSION,
    users: userCount,
    products: rowTarget,
    seed: options.seed,
    today,
    migrations: migrations.slice().sort(),
    counts: { users: userCount, freezers: freezerId, products: nextId, inside, partialTakeOutRows: partialCount, auditRows },
    seconds: Math.round((performance.now() - started) / 100) / 10,
    createdAt: new Date().toISOString(),
  };
  fs.writeFileSync(path.join(options.dataDir, MANIFEST_FILE), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}

export function readTokens(dir: string): TokensFile {
  return JSON.parse(fs.readFileSync(path.join(dir, TOKENS_FILE), 'utf8')) as TokensFile;
}

// Run directly: generate into --data-dir.
if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { parseArgs } = await import('./lib/args.js');
  const argv = process.argv.slice(2);
  const dirIndex = argv.indexOf('--data-dir');
  const options = parseArgs(argv);
  if (dirIndex < 0) {
    console.error('usage: node bench/.build/bench/dataset.js --data-dir DIR [--users N] [--products M | --large] [--seed S]');
    process.exit(2);
  }
  const manifest = await generateDataset({ dataDir: options.dataDir, users: options.users, products: options.products, seed: options.seed, log: console.log });
  console.log(JSON.stringify(manifest, null, 2));
}
