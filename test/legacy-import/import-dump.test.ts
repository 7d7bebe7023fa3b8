import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLegacy, LegacyImportError, type LegacyImportReport } from '../../src/features/legacy-import/legacy-import.service.js';
import { addMonths } from '../../src/lib/time.js';
import { client, request, signUp, startServer, type TestServer } from '../helpers.js';
import { DUMP, DUMP_TOKEN, DUMP_TOKEN_TEST2, digest, dumpRows, schemaOnly, tempDump } from './legacy-helpers.js';

let server: TestServer;
let report: LegacyImportReport;
const lines: string[] = [];

const products = dumpRows('Product');
const freezers = dumpRows('Description_freezer');
const descriptions = new Map(dumpRows('Description_product').map((d) => [d.descr_id, d]));
const typeNames = new Map(dumpRows('Description_type').map((t) => [t.type_id, t.type_name_en as string]));

beforeAll(async () => {
  server = await startServer();
  report = await importLegacy(server.app.db, DUMP, (line) => lines.push(line));
});
afterAll(async () => server.close());

describe('import-legacy from the original dump', () => {
  it('reads the dump independently parsed the same way (sanity of the test data)', () => {
    expect(products).toHaveLength(48);
    expect(freezers).toHaveLength(5);
    expect(descriptions.get(31)?.product_name).toBe("Magnum à l\\'amande");
  });

  it('reports what it imported and what it fixed', () => {
    expect(report.alreadyImported).toBe(false);
    expect(report.source).toBe(`dump ${DUMP}`);
    expect(report.users).toEqual({ imported: 2, alreadyImported: 0 });
    expect(report.freezers).toEqual({ imported: 5, alreadyImported: 0 });
    expect(report.types).toEqual({ matched: 43, created: 0, alreadyImported: 0 });
    const out = products.filter((p) => p.date_out !== null).length;
    expect(report.products).toEqual({ imported: 48, inside: 48 - out, out, alreadyImported: 0 });
    expect(report.fixes).toEqual(['user "test2": not a valid e-mail address; imported as test2@legacy.invalid']);
    expect(lines.join('\n')).toContain('2 users, 5 freezers, 43 types');
  });

  it("keeps the dump's token working as a Bearer token", async () => {
    const me = await client(server.url, DUMP_TOKEN).get('/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ email: 'test@gmail.com', language: 'en', role: 'user', disabled: false });
    const tokens = await client(server.url, DUMP_TOKEN).get('/api/v1/tokens');
    expect(tokens.body).toEqual([expect.objectContaining({ name: 'legacy token', scope: 'write', prefix: DUMP_TOKEN.slice(0, 8) })]);
    // A token that differs by one character is not accepted.
    expect((await client(server.url, `${DUMP_TOKEN.slice(0, -1)}0`).get('/api/v1/me')).status).toBe(401);
  });

  it('fixes the invalid e-mail test2 into a valid one, whose token works too', async () => {
    const me = await client(server.url, DUMP_TOKEN_TEST2).get('/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body.email).toBe('test2@legacy.invalid');
    expect((await client(server.url, DUMP_TOKEN_TEST2).get('/api/v1/freezers')).body).toEqual([]);
  });

  it("lists the dump's 5 freezers with their names, box counts and contents", async () => {
    const listed = await client(server.url, DUMP_TOKEN).get('/api/v1/freezers');
    expect(listed.status).toBe(200);
    const expected = freezers.map((f) => {
      const inside = products.filter((p) => p.freezer_id === f.freezer_id && p.date_out === null);
      return {
        name: f.freezer_name,
        boxCount: f.number_boxes,
        productsInside: inside.length,
        portionsInside: inside.reduce((sum, p) => sum + (p.quantity as number), 0),
      };
    });
    expect(listed.body.map((f: Record<string, unknown>) => ({ name: f.name, boxCount: f.boxCount, productsInside: f.productsInside, portionsInside: f.portionsInside }))).toEqual(
      expected,
    );
  });

  it('lists every product of the dump with its dates, box, slot, quantity, period, type and name', async () => {
    const api = client(server.url, DUMP_TOKEN);
    const me = (await api.get('/api/v1/me')).body;
    const listed = await api.get('/api/v1/products?status=all&limit=500');
    expect(listed.status).toBe(200);
    expect(listed.body.total).toBe(products.length);
    const map = await server.app.db.selectFrom('legacy_import_map').selectAll().where('kind', '=', 'product').execute();
    const newId = new Map(map.map((m) => [Number(m.legacy_id), m.new_id]));
    const byId = new Map(listed.body.items.map((p: { id: number }) => [p.id, p]));
    const freezerName = new Map(freezers.map((f) => [f.freezer_id, f.freezer_name]));
    for (const p of products) {
      const got = byId.get(newId.get(p.prod_id as number)!) as Record<string, unknown> | undefined;
      expect(got, `product ${p.prod_id}`).toBeDefined();
      const descr = descriptions.get(p.descr_id)!;
      expect(got, `product ${p.prod_id}`).toMatchObject({
        name: descr.product_name,
        description: descr.text_descr,
        freezerName: freezerName.get(p.freezer_id),
        typeName: typeNames.get(p.type_id),
        box: p.box_num,
        slot: p.prod_num,
        dateIn: p.date_in,
        dateOut: p.date_out,
        periodMonths: p.period,
        dueDate: addMonths(p.date_in as string, p.period as number),
        quantity: p.quantity,
        inside: p.date_out === null,
        addedBy: me.id,
        sourceProductId: null,
      });
    }
  });

  it('gives trends that match counts computed from the dump', async () => {
    const api = client(server.url, DUMP_TOKEN);
    const freq = new Map<string, number>();
    const latest = new Map<string, string | null>();
    for (const p of products) {
      const name = typeNames.get(p.type_id)!;
      freq.set(name, (freq.get(name) ?? 0) + 1);
      const out = p.date_out as string | null;
      const before = latest.get(name) ?? null;
      latest.set(name, out !== null && (before === null || out > before) ? out : before);
    }
    const general = await api.get('/api/v1/trends/general');
    expect(general.status).toBe(200);
    expect(Object.fromEntries(general.body.map((t: { nameEn: string; freq: number }) => [t.nameEn, t.freq]))).toEqual(Object.fromEntries(freq));
    const personal = await api.get('/api/v1/trends/personal');
    expect(personal.status).toBe(200);
    expect(Object.fromEntries(personal.body.map((t: { nameEn: string; freq: number; latest: string | null }) => [t.nameEn, [t.freq, t.latest]]))).toEqual(
      Object.fromEntries([...freq].map(([name, n]) => [name, [n, latest.get(name) ?? null]])),
    );
    // The most frequent type of the dump comes first in the general trend.
    const top = Math.max(...freq.values());
    expect(general.body[0].freq).toBe(top);
  });

  it('records one audit entry for the import, with counts and no secret', async () => {
    const entries = await server.app.db.selectFrom('audit_log').selectAll().where('action', '=', 'legacy.import').execute();
    expect(entries).toHaveLength(1);
    const details = JSON.parse(entries[0]!.details!);
    expect(details).toMatchObject({ source: 'dump', users: 2, freezers: 5, typesMatched: 43, typesCreated: 0, products: 48 });
    const everything = JSON.stringify(await server.app.db.selectFrom('audit_log').selectAll().execute());
    expect(everything).not.toContain(DUMP_TOKEN.slice(8));
    // Neither the old tokens nor long pieces of them are stored, only their SHA-256.
    const map = JSON.stringify(await server.app.db.selectFrom('legacy_import_map').selectAll().execute());
    const tokens = JSON.stringify(await server.app.db.selectFrom('api_tokens').selectAll().execute());
    for (const token of [DUMP_TOKEN, DUMP_TOKEN_TEST2]) {
      expect(map).not.toContain(token.slice(8));
      expect(tokens).not.toContain(token.slice(8));
    }
  });

  it('serves the imported data through the seed API too, when it is there', async (ctx) => {
    const check = await request(server.url, 'GET', `/check_token/${DUMP_TOKEN}`);
    if (check.status === 404) ctx.skip();
    expect(check.status).toBe(200);
    const listed = await request(server.url, 'GET', `/freezers/${DUMP_TOKEN}`);
    expect(listed.status).toBe(200);
    expect(listed.body.map((f: Record<string, unknown>) => [f.freezer_name, f.number_boxes])).toEqual(freezers.map((f) => [f.freezer_name, f.number_boxes]));
    const all = await request(server.url, 'GET', `/get_product/all/0/${DUMP_TOKEN}`);
    expect(all.status).toBe(200);
    const got = all.body
      .map((p: Record<string, unknown>) => [p.freezer_name, p.box_num, p.prod_num, p.date_formatted_in, p.date_formatted_out, p.quantity].join('|'))
      .sort();
    const freezerName = new Map(freezers.map((f) => [f.freezer_id, f.freezer_name]));
    const expected = products.map((p) => [freezerName.get(p.freezer_id), p.box_num, p.prod_num, p.date_in, p.date_out ?? '', p.quantity].join('|')).sort();
    expect(got).toEqual(expected);
  });
});

describe('running it again', () => {
  it('imports nothing the second time and says so', async () => {
    const before = await digest(server.app.db);
    const again = await importLegacy(server.app.db, DUMP);
    expect(again.alreadyImported).toBe(true);
    expect(again.users).toEqual({ imported: 0, alreadyImported: 2 });
    expect(again.freezers).toEqual({ imported: 0, alreadyImported: 5 });
    expect(again.types).toEqual({ matched: 0, created: 0, alreadyImported: 43 });
    expect(again.products).toEqual({ imported: 0, inside: 0, out: 0, alreadyImported: 48 });
    expect(again.fixes).toEqual([]);
    expect(await digest(server.app.db)).toBe(before);
  });

  it('imports only what is new in a later dump of the same database', async () => {
    const text = fs.readFileSync(DUMP, 'utf8').replace(
      "(48, '5b68dab9a6c606171473091280898d1c9e581159173d6ba267f3418a6573ae92', 48, 2, 12, '2017-07-05', NULL, 24, 3, 4, 4);",
      "(48, '5b68dab9a6c606171473091280898d1c9e581159173d6ba267f3418a6573ae92', 48, 2, 12, '2017-07-05', NULL, 24, 3, 4, 4),\n" +
        "(49, '5b68dab9a6c606171473091280898d1c9e581159173d6ba267f3418a6573ae92', 47, 5, 12, '2018-05-01', NULL, 6, 2, 1, 2);",
    );
    expect(text).toContain('(49, ');
    const later = await importLegacy(server.app.db, tempDump(text));
    expect(later.alreadyImported).toBe(false);
    expect(later.products).toEqual({ imported: 1, inside: 1, out: 0, alreadyImported: 48 });
    expect(later.users.imported + later.freezers.imported + later.types.created).toBe(0);
    const frigo5 = (await client(server.url, DUMP_TOKEN).get('/api/v1/freezers')).body.find((f: { name: string }) => f.name === 'frigo 5');
    expect(frigo5.productsInside).toBe(1);
  });
});

describe('what it cannot read', () => {
  const refused: Array<[string, () => string, RegExp]> = [
    ['a missing file', () => '/nonexistent/freezer.sql', /^no such file: \/nonexistent\/freezer\.sql$/],
    ['a directory', () => '/tmp', /is not a file/],
    ['a file that is not SQL', () => tempDump('{"hello": "world"}\n', 'x.json'), /not a dump of the original freezer-manager database: no table User/],
    ['a dump of another schema', () => tempDump("CREATE TABLE `t` (`a` int);\nINSERT INTO `t` (`a`) VALUES (1);\n"), /no table User.*\(it has t\)/],
    ['a dump with a table missing', () => tempDump(fs.readFileSync(DUMP, 'utf8').replace(/INSERT INTO `Product` [\s\S]*?\);\n/, '').replace(/CREATE TABLE `Product` [\s\S]*?;\n/, '')), /no table Product \(it has /],
    ['a truncated dump', () => tempDump(fs.readFileSync(DUMP, 'utf8').slice(0, 9000)), /cannot be read at line \d+: |no table /],
    ['a binary file', () => tempDump(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0x00, 0x00]).toString('latin1')), /not a text SQL dump/],
    ['a row with a non-integer id', () => tempDump(fs.readFileSync(DUMP, 'utf8').replace('(5, 3, \'frigo 5\')', "('five', 3, 'frigo 5')")), /Description_freezer, row 5: freezer_id is not an integer/],
    ['an unreachable MySQL server', () => 'mysql://root:hunter2@127.0.0.1:1/freezer', /^cannot connect to mysql:\/\/root@127\.0\.0\.1:1\/freezer: ECONNREFUSED/],
    ['a MySQL URL without a database', () => 'mysql://root@127.0.0.1:1', /names no database/],
    ['another kind of URL', () => 'postgres://localhost/freezer', /unsupported source postgres:\/\//],
  ];

  it.each(refused)('refuses %s clearly and changes nothing', async (_what, source, message) => {
    const before = await digest(server.app.db);
    const error = await importLegacy(server.app.db, source()).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(error).toBeInstanceOf(LegacyImportError);
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message).not.toContain('\n');
    expect((error as Error).message).not.toContain('hunter2');
    expect(await digest(server.app.db)).toBe(before);
  });

  it('imports all or nothing: a conflict on the last user rolls back the whole import', async () => {
    const other = await startServer();
    try {
      // Someone here already uses the e-mail of the dump's second user: the first one must not stay imported either.
      await signUp(other.url, { email: 'test@gmail.com' });
      const before = await digest(other.app.db);
      await expect(importLegacy(other.app.db, DUMP)).rejects.toThrow(/the e-mail test@gmail\.com of an original user already belongs to an account here/);
      expect(await digest(other.app.db)).toBe(before);
      expect((await client(other.url, DUMP_TOKEN_TEST2).get('/api/v1/me')).status).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('imports a dump of the schema with empty tables as nothing at all', async () => {
    const other = await startServer();
    try {
      const before = await digest(other.app.db);
      const empty = await importLegacy(other.app.db, tempDump(schemaOnly()));
      expect(empty.alreadyImported).toBe(false);
      expect(empty.products.imported + empty.users.imported).toBe(0);
      expect(await digest(other.app.db)).toBe(before);
    } finally {
      await other.close();
    }
  });
});
