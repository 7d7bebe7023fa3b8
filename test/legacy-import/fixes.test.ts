import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLegacy, type LegacyImportReport } from '../../src/features/legacy-import/legacy-import.service.js';
import { addMonths } from '../../src/lib/time.js';
import { client, startServer, type TestServer } from '../helpers.js';
import { digest, tempDump } from './legacy-helpers.js';

const ALICE = 'a'.repeat(64);
const BOB = 'b'.repeat(64);
const CAROL = 'c'.repeat(64);
const SHORT = 'tooshort';

/**
 * A small dump of the original schema, written the ways real dumps are: phpMyAdmin's column lists and
 * multi-row VALUES, mysqldump's INSERT without column names, backslash escapes, NULL, comments.
 * Each product breaks one rule the original did not enforce.
 */
const DUMP_TEXT = `-- a hand-made dump
SET SQL_MODE = "NO_AUTO_VALUE_ON_ZERO";
/*!40101 SET NAMES utf8mb4 */;
CREATE TABLE \`User\` (\`token\` varchar(128) NOT NULL, \`password\` varchar(64) NOT NULL, \`email\` varchar(64) NOT NULL, \`language\` varchar(32) NOT NULL, \`learning\` longtext NOT NULL, PRIMARY KEY (\`token\`)) ENGINE=InnoDB;
INSERT INTO \`User\` (\`token\`, \`password\`, \`email\`, \`language\`, \`learning\`) VALUES
('${ALICE}', 'Fmp1AD9qFPTIQ', ' Alice@Example.COM ', 'fr', '[0,0]'),
('${BOB}', '$1$abcdefgh$0123456789abcdefghij', 'bob', 'de', '[0,0]'),
('${CAROL}', 'zzc67tPhlJ/Y2', 'carol@example.com', 'en', '[0,0]'),
('${SHORT}', 'zzc67tPhlJ/Y2', 'dave@example.com', 'en', '[0,0]');
CREATE TABLE \`Description_type\` (
  \`type_id\` int(32) NOT NULL,
  \`type_name_en\` varchar(128) NOT NULL,
  \`type_name_fr\` varchar(128) NOT NULL
);
# mysqldump writes no column list: the CREATE TABLE above gives them
INSERT INTO \`Description_type\` VALUES (1,'soup','soupe'),(50,'Pizza dough','pâte à pizza'),(51,'red meat','viande rouge');
CREATE TABLE \`Description_freezer\` (\`freezer_id\` int(32) NOT NULL, \`number_boxes\` int(32) NOT NULL, \`freezer_name\` varchar(256) NOT NULL);
INSERT INTO \`Description_freezer\` (\`freezer_id\`, \`number_boxes\`, \`freezer_name\`) VALUES (10, 2, 'Garage'), (11, 0, 'Cave'), (12, 3, 'Orphan');
CREATE TABLE \`Description_product\` (\`descr_id\` int(32) NOT NULL, \`product_name\` varchar(256) NOT NULL, \`text_descr\` mediumtext NOT NULL);
INSERT INTO \`Description_product\` (\`descr_id\`, \`product_name\`, \`text_descr\`) VALUES
(1, 'Soupe', 'ligne 1\\nligne 2'),
(2, 'Magnum à l\\\\\\'amande', 'Magnum à l\\'amande'),
(3, 'Pâte', 'it''s "pizza"'),
(4, 'Steak', '');
CREATE TABLE \`Product_to_type\` (\`descr_id\` int(32) NOT NULL, \`type_id\` int(32) NOT NULL);
INSERT INTO \`Product_to_type\` (\`descr_id\`, \`type_id\`) VALUES (1, 1), (3, 50);
CREATE TABLE \`List_freezer\` (\`freezer_id\` int(32) NOT NULL, \`token\` varchar(128) NOT NULL);
INSERT INTO \`List_freezer\` (\`freezer_id\`, \`token\`) VALUES (10, '${ALICE}'), (11, '${CAROL}'), (11, 'unknown-token-xyz');
CREATE TABLE \`Product\` (\`prod_id\` int(32) NOT NULL, \`token\` varchar(128) NOT NULL, \`descr_id\` int(32) NOT NULL, \`freezer_id\` int(32) NOT NULL, \`type_id\` int(32) NOT NULL, \`date_in\` date NOT NULL, \`date_out\` date DEFAULT NULL, \`period\` int(32) NOT NULL, \`box_num\` int(32) NOT NULL, \`prod_num\` int(32) NOT NULL, \`quantity\` int(32) NOT NULL);
INSERT INTO \`Product\` (\`prod_id\`, \`token\`, \`descr_id\`, \`freezer_id\`, \`type_id\`, \`date_in\`, \`date_out\`, \`period\`, \`box_num\`, \`prod_num\`, \`quantity\`) VALUES
(1, '${ALICE}', 1, 10, 1, '2018-01-10', NULL, 3, 1, 1, 2),
(2, '${ALICE}', 2, 10, 1, '2018-01-11', NULL, 3, 1, 1, 1),
(3, '${ALICE}', 3, 10, 50, '2017-01-01', '2017-02-01', 4, 1, 1, 1),
(4, '${ALICE}', 3, 10, 50, '2018-02-01', NULL, 4, 5, 1, 1),
(5, '${ALICE}', 4, 10, 51, '2018-03-01', '2018-02-01', 6, 2, 7, 3),
(6, '${ALICE}', 3, 10, 99, '2018-03-02', NULL, 7, 2, 8, 1),
(7, '${ALICE}', 4, 10, 98, '2018-03-03', NULL, 5, 2, 9, 1),
(8, '${ALICE}', 4, 10, 51, '0000-00-00', '2018-04-04', 5, 2, 10, 1),
(9, '${ALICE}', 4, 10, 51, '2999-01-01', NULL, 5, 2, 11, 1),
(10, '${ALICE}', 4, 10, 51, '2018-03-05', NULL, 0, 2, 12, 0),
(11, '${ALICE}', 4, 77, 51, '2018-03-05', NULL, 5, 1, 1, 1),
(12, '${ALICE}', 42, 10, 51, '2018-03-06', NULL, 5, 2, 13, 1),
(13, '${CAROL}', 1, 11, 1, '2018-03-07', NULL, 3, 1, 1, 1),
(14, '${CAROL}', 1, 10, 1, '2018-03-08', NULL, 3, 2, 14, -2);
COMMIT;
`;

let server: TestServer;
let report: LegacyImportReport;
let file: string;

beforeAll(async () => {
  server = await startServer();
  file = tempDump(DUMP_TEXT);
  report = await importLegacy(server.app.db, file);
});
afterAll(async () => server.close());

async function productsOf(token: string): Promise<Map<number, Record<string, any>>> {
  const listed = await client(server.url, token).get('/api/v1/products?status=all&limit=500');
  expect(listed.status).toBe(200);
  const map = await server.app.db.selectFrom('legacy_import_map').selectAll().where('kind', '=', 'product').execute();
  const legacyOf = new Map(map.map((m) => [m.new_id, Number(m.legacy_id)]));
  return new Map(listed.body.items.map((p: { id: number }) => [legacyOf.get(p.id)!, p]));
}

describe('what the import fixes, and reports', () => {
  it('counts what it imported', () => {
    expect(report.users).toEqual({ imported: 4, alreadyImported: 0 });
    // 'Orphan' has neither an owner nor products of a known user.
    expect(report.freezers).toEqual({ imported: 2, alreadyImported: 0 });
    // 'other' is created for the products whose type is unknown.
    expect(report.types).toEqual({ matched: 2, created: 2, alreadyImported: 0 });
    expect(report.products).toEqual({ imported: 13, inside: 10, out: 3, alreadyImported: 0 });
  });

  it.each([
    ['an invalid e-mail', 'user "bob": not a valid e-mail address; imported as bob@legacy.invalid'],
    ['an unknown language', 'user "bob": language "de" is not en or fr; set to en'],
    ['a password that is not DES crypt', 'user "bob": the password is not a DES crypt hash; the user must reset it (password reset by e-mail)'],
    ['a token too short to keep', 'user "dave@example.com": the original token is too short or has blanks to be safe as an API token; not kept (the user creates a new one)'],
    ['a type matched by its French name', 'type 51 "red meat": no type has this English name here; matched by its French name "viande rouge"'],
    ['an owner who does not exist', 'freezer 11 "Cave": List_freezer names an owner who is not in the User table (token unknown-…); left out'],
    ['a box count of 0', 'freezer 11 "Cave": 0 boxes is out of 1..1000; set to 1'],
    ['a freezer without an owner', 'freezer 12 "Orphan": no owner in List_freezer and no product of a known user; not imported'],
    ['a slot collision inside a box', 'product 2: slot 1 of box 1 of freezer "Garage" is taken by another product inside; given the next free slot, 2'],
    ['a box above the count', 'product 4: box 5 is outside freezer "Garage"\'s 2 boxes; moved to box 2'],
    ['a date_out before date_in', 'product 5: date_out 2018-02-01 is before date_in 2018-03-01; set to 2018-03-01'],
    ['an unknown type with a described type', 'product 6: unknown type 99; given the type of its description (type 50)'],
    ['an unknown type without one', 'product 7: unknown type 98; given the type "other"'],
    ['a zero date_in', 'product 8: date_in "0000-00-00" is not a date; set to 2018-04-04'],
    ['a period of 0', "product 10: period 0 months; set to its type's 9"],
    ['a quantity of 0', 'product 10: quantity 0 is out of 1..10000; set to 1'],
    ['an unknown freezer', 'product 11: its freezer 77 does not exist (or was not imported); not imported'],
    ['an unknown description', 'product 12: its description 42 does not exist; named "product 12"'],
    ['a negative quantity', 'product 14: quantity -2 is out of 1..10000; set to 1'],
    ['a product of a non-member', 'product 14: its user was not a member of freezer "Garage"; added as a member so the product stays visible to them'],
  ])('reports %s', (_what, fix) => {
    expect(report.fixes).toContain(fix);
  });

  it('reports a date in the future', () => {
    expect(report.fixes.some((f) => /^product 9: date_in 2999-01-01 is in the future; set to \d{4}-\d{2}-\d{2}$/.test(f))).toBe(true);
    expect(report.fixes).toHaveLength(21);
  });

  it('stores the users with lower-cased, fixed e-mails and their languages', async () => {
    const alice = await client(server.url, ALICE).get('/api/v1/me');
    expect(alice.body).toMatchObject({ email: 'alice@example.com', language: 'fr' });
    const bob = await client(server.url, BOB).get('/api/v1/me');
    expect(bob.body).toMatchObject({ email: 'bob@legacy.invalid', language: 'en' });
    expect((await client(server.url, SHORT).get('/api/v1/me')).status).toBe(401);
    const dave = await server.app.db.selectFrom('users').selectAll().where('email', '=', 'dave@example.com').executeTakeFirst();
    expect(dave?.password_hash).toBe('legacy-des-crypt:zzc67tPhlJ/Y2');
  });

  it('reads strings with their escapes as MySQL does', async () => {
    const products = await productsOf(ALICE);
    expect(products.get(1)).toMatchObject({ name: 'Soupe', description: 'ligne 1\nligne 2' });
    expect(products.get(2)).toMatchObject({ name: "Magnum à l\\'amande", description: "Magnum à l'amande" });
    expect(products.get(4)).toMatchObject({ name: 'Pâte', description: 'it\'s "pizza"' });
  });

  it('places each product where the rules allow, as reported', async () => {
    const products = await productsOf(ALICE);
    const where = (id: number) => {
      const p = products.get(id)!;
      return [p.freezerName, p.box, p.slot, p.dateIn, p.dateOut, p.periodMonths, p.quantity];
    };
    expect(where(1)).toEqual(['Garage', 1, 1, '2018-01-10', null, 3, 2]);
    expect(where(2)).toEqual(['Garage', 1, 2, '2018-01-11', null, 3, 1]);
    expect(where(3)).toEqual(['Garage', 1, 1, '2017-01-01', '2017-02-01', 4, 1]);
    expect(where(4)).toEqual(['Garage', 2, 1, '2018-02-01', null, 4, 1]);
    expect(where(5)).toEqual(['Garage', 2, 7, '2018-03-01', '2018-03-01', 6, 3]);
    expect(where(8)).toEqual(['Garage', 2, 10, '2018-04-04', '2018-04-04', 5, 1]);
    expect(products.get(9)!.dateIn).toBe(new Date().toISOString().slice(0, 10));
    expect(where(10)).toEqual(['Garage', 2, 12, '2018-03-05', null, 9, 1]);
    expect(products.get(10)!.dueDate).toBe(addMonths('2018-03-05', 9));
    expect(products.get(12)!.name).toBe('product 12');
    expect(products.get(14)!.quantity).toBe(1);
    expect(products.has(11)).toBe(false);
    // Every product inside has its own slot in its box.
    const inside = [...products.values()].filter((p) => p.inside).map((p) => `${p.freezerId}/${p.box}/${p.slot}`);
    expect(new Set(inside).size).toBe(inside.length);
  });

  it('matches, falls back and creates types as reported', async () => {
    const products = await productsOf(ALICE);
    expect(products.get(1)!.typeName).toBe('soupe');
    expect(products.get(5)!.typeName).toBe('viande rouge');
    expect(products.get(6)!.typeName).toBe('pâte à pizza');
    expect(products.get(7)!.typeName).toBe('autre');
    const types = (await client(server.url, ALICE).get('/api/v1/types')).body as Array<{ nameEn: string; nameFr: string; periodMonths: number }>;
    // A created type takes the most common period of its original products (4, 4, 7: 4).
    expect(types.find((t) => t.nameEn === 'Pizza dough')).toMatchObject({ nameFr: 'pâte à pizza', periodMonths: 4 });
    expect(types.find((t) => t.nameEn === 'other')).toMatchObject({ nameFr: 'autre', periodMonths: 3 });
    expect(types.filter((t) => t.nameFr === 'viande rouge')).toHaveLength(1);
  });

  it("gives the freezers their owners, and a product's user who was not a member becomes one", async () => {
    const alice = (await client(server.url, ALICE).get('/api/v1/freezers')).body.map((f: { name: string }) => f.name);
    expect(alice).toEqual(['Garage']);
    const carol = (await client(server.url, CAROL).get('/api/v1/freezers')).body.map((f: { name: string; boxCount: number }) => [f.name, f.boxCount]);
    expect(carol).toEqual([
      ['Garage', 2],
      ['Cave', 1],
    ]);
    const members = await server.app.db.selectFrom('freezer_members').innerJoin('freezers', 'freezers.id', 'freezer_members.freezer_id').select(['freezers.name', 'role']).orderBy('freezers.name').orderBy('role').execute();
    expect(members.map((m) => `${m.name}:${m.role}`)).toEqual(['Cave:owner', 'Garage:member', 'Garage:owner']);
  });

  it('imports nothing twice, fixes included', async () => {
    // The tokens' last uses by the requests above are written behind them: written first, so the digests compare the import alone.
    await server.app.services.auth.flush();
    const before = await digest(server.app.db);
    const again = await importLegacy(server.app.db, file);
    expect(again.alreadyImported).toBe(true);
    // Only what is still left out is reported again.
    expect(again.fixes).toEqual([
      'freezer 12 "Orphan": no owner in List_freezer and no product of a known user; not imported',
      'product 11: its freezer 77 does not exist (or was not imported); not imported',
    ]);
    expect(await digest(server.app.db)).toBe(before);
  });
});
