/**
 * The load scenarios. Each spreads its requests over many users' tokens (never one hot row) and says
 * which target of issue 7 it is held to.
 */
import SQLite from 'better-sqlite3';
import { postgresRows } from './lib/postgres.js';
import type { BenchUser, TokensFile } from './dataset.js';
import { namesFor, SEARCH_TERMS, TYPE_WEIGHTS } from './lib/catalogue.js';
import type { RequestSpec } from './lib/load.js';
import { int, pick, shuffle, weighted, type Random } from './lib/random.js';

export type ScenarioKind = 'read' | 'trends' | 'write' | 'auth';

export interface Scenario {
  name: string;
  kind: ScenarioKind;
  /** One line: what a request does. */
  description: string;
  /** Checks the route is there and builds what next() needs; a string is a reason to skip the scenario. */
  prepare?: () => Promise<string | undefined>;
  next: () => RequestSpec;
}

export interface ScenarioContext {
  url: string;
  tokens: TokensFile;
  /** The database the server runs on (read-only here: the take-out pool). */
  databaseFile: string;
  /** Set when the server runs on PostgreSQL (--database postgres): this database, not the file. */
  databaseUrl?: string;
  random: Random;
}

/** The targets of issue 7 (2-core machine, SQLite, 100k products). */
export const TARGETS = {
  /** Read scenarios: at least this share of the ceiling's requests/s … */
  readCeilingShare: 0.4,
  /** … with p99 under this, at 32 connections. */
  readP99Ms: 10,
  /** Write scenarios: at least this many successful requests/s. */
  writeRps: 3000,
  /** Trends: p99 at most this (even at 1M products). */
  trendsP99Ms: 20,
};

export function targetText(kind: ScenarioKind): string {
  switch (kind) {
    case 'read':
      return `≥ ${TARGETS.readCeilingShare * 100} % of ceiling, p99 < ${TARGETS.readP99Ms} ms`;
    case 'trends':
      return `p99 ≤ ${TARGETS.trendsP99Ms} ms`;
    case 'write':
      return `≥ ${TARGETS.writeRps.toLocaleString('en-US')} ok/s`;
    case 'auth':
      return 'none (argon2id-bound by design)';
  }
}

/** Whether a kind is judged by its requests per second (writes' absolute target, login) rather than by its share of the ceiling. */
export function judgedByRate(kind: ScenarioKind): boolean {
  return kind === 'write' || kind === 'auth';
}

/** Whether a result meets its kind's target; undefined when there is none. */
export function meetsTarget(kind: ScenarioKind, result: { okRps: number; latency: { p99: number }; errors: number }, ceilingRps: number): boolean | undefined {
  switch (kind) {
    case 'read':
      return result.okRps >= TARGETS.readCeilingShare * ceilingRps && result.latency.p99 < TARGETS.readP99Ms && result.errors === 0;
    case 'trends':
      return result.latency.p99 <= TARGETS.trendsP99Ms && result.errors === 0;
    case 'write':
      return result.okRps >= TARGETS.writeRps && result.errors === 0;
    case 'auth':
      return undefined;
  }
}

const bearer = (user: BenchUser) => ({ authorization: `Bearer ${user.token}` });
/**
 * What reads send as clients do: browsers, phones' HTTP stacks (OkHttp, URLSession), fetch and curl
 * --compressed all ask for gzip, and the server sends answers of 1 KB and more gzipped to them.
 */
const ACCEPT_COMPRESSED = { 'accept-encoding': 'gzip, deflate, br' };
const reader = (user: BenchUser) => ({ ...bearer(user), ...ACCEPT_COMPRESSED });
const JSON_HEADERS = { 'content-type': 'application/json' };

/** Round robin over a shuffled list: every user gets its turn, in no particular order. */
function cycle<T>(random: Random, items: T[]): () => T {
  if (items.length === 0) throw new Error('nothing to cycle over');
  const list = shuffle(random, items.slice());
  let i = 0;
  return () => list[i++ % list.length] as T;
}

/**
 * Products inside, to take out: one portion at a time while more than one is left, then the rest.
 * Visited in turn, so two requests in flight never aim at the same product unless the pool is tiny.
 */
export class TakeOutPool {
  private items: Array<{ id: number; user: BenchUser; quantity: number }> = [];
  private index = 0;
  private live = 0;

  add(id: number, user: BenchUser, quantity: number): void {
    this.items.push({ id, user, quantity });
    this.live += 1;
  }

  get size(): number {
    return this.live;
  }

  next(): RequestSpec | undefined {
    for (let tries = 0; tries < this.items.length; tries += 1) {
      if (this.index >= this.items.length) this.index = 0;
      const item = this.items[this.index++] as { id: number; user: BenchUser; quantity: number };
      if (item.quantity <= 0) continue;
      const partial = item.quantity > 1;
      item.quantity = partial ? item.quantity - 1 : 0;
      if (!partial) this.live -= 1;
      return {
        method: 'POST',
        path: `/api/v1/products/${item.id}/take-out`,
        headers: { ...bearer(item.user), ...JSON_HEADERS },
        body: partial ? '{"portions":1}' : '{}',
        kind: 'take-out',
      };
    }
    return undefined;
  }

  /** Drops the products already taken out entirely (keeps the pool small over a long soak). */
  compact(): void {
    this.items = this.items.filter((item) => item.quantity > 0);
    this.index = 0;
  }
}

/** Every product inside, with a token of its owner, from the server's database (read-only). */
export async function loadTakeOutPool(ctx: ScenarioContext): Promise<TakeOutPool> {
  const byId = new Map(ctx.tokens.users.map((u) => [u.id, u]));
  const query = `select p.id, p.quantity, m.user_id from products p
       join freezer_members m on m.freezer_id = p.freezer_id and m.role = 'owner'
      where p.date_out is null order by p.id`;
  let rows: Array<{ id: number; quantity: number; user_id: number }>;
  if (ctx.databaseUrl) {
    rows = await postgresRows(ctx.databaseUrl, query);
  } else {
    const db = new SQLite(ctx.databaseFile, { readonly: true, fileMustExist: true });
    try {
      rows = db.prepare(query).all() as typeof rows;
    } finally {
      db.close();
    }
  }
  shuffle(ctx.random, rows);
  const pool = new TakeOutPool();
  for (const row of rows) {
    const user = byId.get(row.user_id);
    if (user) pool.add(row.id, user, row.quantity);
  }
  return pool;
}

async function status(url: string, init?: RequestInit): Promise<number> {
  const response = await fetch(url, init);
  await response.arrayBuffer();
  return response.status;
}

/** What add-product puts in: a product of a drawn type, named in the user's language, into a random box of one of their freezers. */
export function newProduct(random: Random, user: BenchUser, drawType: (r: Random) => number) {
  const freezer = pick(random, user.freezers);
  const typeId = drawType(random);
  const [en, fr] = pick(random, namesFor(typeId));
  return {
    name: user.language === 'fr' ? fr : en,
    description: 'bench',
    typeId,
    freezerId: freezer.id,
    box: int(random, 1, freezer.boxCount),
    quantity: int(random, 1, 6),
  };
}

export function addProductRequest(ctx: ScenarioContext, user: BenchUser, drawType: (r: Random) => number): RequestSpec {
  const body = newProduct(ctx.random, user, drawType);
  return { method: 'POST', path: '/api/v1/products', headers: { ...bearer(user), ...JSON_HEADERS }, body: JSON.stringify(body), kind: `add-product:${user.id}` };
}

export function createScenarios(ctx: ScenarioContext): Scenario[] {
  const { random, tokens } = ctx;
  const users = tokens.users;
  const withFreezers = users.filter((u) => u.freezers.length > 0);
  const nextUser = cycle(random, users);
  const nextPair = cycle(
    random,
    users.flatMap((user) => user.freezers.map((freezer) => ({ user, freezer }))),
  );
  const drawType = weighted(TYPE_WEIGHTS);
  const nextWriter = cycle(random, withFreezers);
  const nextLogin = cycle(random, tokens.logins);
  let pool: TakeOutPool | undefined;

  return [
    {
      name: 'list-inside',
      kind: 'read',
      description: 'GET /api/v1/products?status=inside&freezerId=F: what is inside one of the user’s freezers (first page, due date order)',
      next: () => {
        const { user, freezer } = nextPair();
        return { method: 'GET', path: `/api/v1/products?status=inside&freezerId=${freezer.id}`, headers: reader(user) };
      },
    },
    {
      name: 'search',
      kind: 'read',
      description: 'GET /api/v1/products?q=TERM: text search in the user’s products inside (name, description, type names)',
      next: () => {
        const user = nextUser();
        return { method: 'GET', path: `/api/v1/products?q=${encodeURIComponent(pick(random, SEARCH_TERMS))}`, headers: reader(user) };
      },
    },
    {
      name: 'seed-get-product',
      kind: 'read',
      description: 'GET /get_product/all/0/TOKEN: the seed API’s list of all the user’s products, inside and history',
      prepare: async () => {
        const user = users[0] as BenchUser;
        const code = await status(`${ctx.url}/get_product/all/0/${user.token}`);
        return code === 200 ? undefined : `GET /get_product/all/0/<token> answered ${code}: the seed API is not in this server`;
      },
      next: () => {
        const user = nextUser();
        return { method: 'GET', path: `/get_product/all/0/${user.token}`, headers: ACCEPT_COMPRESSED };
      },
    },
    {
      name: 'trends-general',
      kind: 'trends',
      description: 'GET /api/v1/trends/general: product types by frequency over every user’s products',
      next: () => ({ method: 'GET', path: '/api/v1/trends/general', headers: reader(nextUser()) }),
    },
    {
      name: 'trends-personal',
      kind: 'trends',
      description: 'GET /api/v1/trends/personal: the user’s types by latest take-out, then frequency',
      next: () => ({ method: 'GET', path: '/api/v1/trends/personal', headers: reader(nextUser()) }),
    },
    {
      name: 'add-product',
      kind: 'write',
      description: 'POST /api/v1/products: a product into a random box of one of the user’s freezers (next free slot)',
      next: () => addProductRequest(ctx, nextWriter(), drawType),
    },
    {
      name: 'take-out',
      kind: 'write',
      description: 'POST /api/v1/products/ID/take-out: one portion (a partial take-out) while more than one is left, else the rest',
      prepare: async () => {
        pool = await loadTakeOutPool(ctx);
        return pool.size === 0 ? 'no product inside to take out' : undefined;
      },
      next: () => {
        const spec = pool?.next();
        if (!spec) throw new Error('the take-out pool is empty');
        return spec;
      },
    },
    {
      name: 'login',
      kind: 'auth',
      description: `POST /api/v1/sessions: e-mail and password of ${tokens.logins.length} accounts (argon2id verify, then a session row)`,
      prepare: async () => (tokens.logins.length === 0 ? 'no login account in the dataset' : undefined),
      next: () => {
        const login = nextLogin();
        return { method: 'POST', path: '/api/v1/sessions', headers: JSON_HEADERS, body: JSON.stringify(login) };
      },
    },
  ];
}

/**
 * The soak's workload: 65 % reads, 35 % writes. Products added are fed to the take-out pool, so the
 * writes can go on for as long as the soak lasts.
 */
export async function createMixedWorkload(ctx: ScenarioContext, scenarios: Scenario[], seedApi: boolean) {
  const byName = new Map(scenarios.map((s) => [s.name, s]));
  const get = (name: string) => byName.get(name) as Scenario;
  const pool = await loadTakeOutPool(ctx);
  const users = new Map(ctx.tokens.users.map((u) => [u.id, u]));
  const drawType = weighted(TYPE_WEIGHTS);
  const nextWriter = cycle(
    ctx.random,
    ctx.tokens.users.filter((u) => u.freezers.length > 0),
  );
  // What a household's clients do: mostly look inside, sometimes search or look at trends, and put in
  // and take out things. The general trends are the same for everybody: clients ask for them rarely.
  const mix: Record<string, number> = {
    'list-inside': seedApi ? 35 : 45,
    search: 10,
    'seed-get-product': seedApi ? 10 : 0,
    'trends-personal': 8,
    'trends-general': 2,
    'add-product': 17,
    'take-out': 18,
  };
  const names = Object.keys(mix);
  const drawIndex = weighted(Object.fromEntries(names.map((name, i) => [i, mix[name] as number])));
  let added = 0;
  return {
    mix,
    pool,
    next(): RequestSpec {
      const name = names[drawIndex(ctx.random)] as string;
      if (name === 'add-product') return addProductRequest(ctx, nextWriter(), drawType);
      if (name === 'take-out') {
        const spec = pool.next();
        if (spec) return spec;
        return addProductRequest(ctx, nextWriter(), drawType);
      }
      return { ...get(name).next(), kind: name };
    },
    /** Only an added product's answer is read (its id goes to the take-out pool). */
    bodyOf: (kind: string | undefined): boolean => kind?.startsWith('add-product:') === true,
    onResponse(status: number, body: string, kind: string | undefined): void {
      if (status !== 201 || !kind?.startsWith('add-product:')) return;
      const user = users.get(Number(kind.slice('add-product:'.length)));
      try {
        const product = JSON.parse(body) as { id: number; quantity: number };
        if (user) pool.add(product.id, user, product.quantity);
        added += 1;
        if (added % 20_000 === 0) pool.compact();
      } catch {
        // not JSON: counted by the status anyway
      }
    },
  };
}
