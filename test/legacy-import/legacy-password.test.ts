import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { importLegacy } from '../../src/features/legacy-import/legacy-import.service.js';
import { hashPassword, isLegacyHash, legacyDesHash, verifyPassword } from '../../src/lib/secrets.js';
import { client, expectProblem, request, startServer, type TestServer } from '../helpers.js';
import { tempDump } from './legacy-helpers.js';

// Made once with glibc's crypt(3), as PHP's crypt() did: python3 -c "import crypt; print(crypt.crypt('Secret12', 'Fm'))"
const SECRET12 = 'Fmp1AD9qFPTIQ';
// python3 -c "import crypt; print(crypt.crypt('motdepas', 'zz'))"
const MOTDEPAS = 'zzc67tPhlJ/Y2';

const TOKEN_A = `a1${'0'.repeat(62)}`;
const TOKEN_B = `b2${'0'.repeat(62)}`;

const DUMP_TEXT = `
CREATE TABLE \`User\` (\`token\` varchar(128), \`password\` varchar(64), \`email\` varchar(64), \`language\` varchar(32), \`learning\` longtext);
INSERT INTO \`User\` (\`token\`, \`password\`, \`email\`, \`language\`, \`learning\`) VALUES
('${TOKEN_A}', '${SECRET12}', 'legacy@example.com', 'en', '[0,0]'),
('${TOKEN_B}', '${MOTDEPAS}', 'Changer@Example.com', 'fr', '[0,0]');
CREATE TABLE \`Description_type\` (\`type_id\` int, \`type_name_en\` varchar(128), \`type_name_fr\` varchar(128));
CREATE TABLE \`Description_freezer\` (\`freezer_id\` int, \`number_boxes\` int, \`freezer_name\` varchar(256));
CREATE TABLE \`Description_product\` (\`descr_id\` int, \`product_name\` varchar(256), \`text_descr\` mediumtext);
CREATE TABLE \`Product_to_type\` (\`descr_id\` int, \`type_id\` int);
CREATE TABLE \`List_freezer\` (\`freezer_id\` int, \`token\` varchar(128));
CREATE TABLE \`Product\` (\`prod_id\` int, \`token\` varchar(128), \`descr_id\` int, \`freezer_id\` int, \`type_id\` int, \`date_in\` date, \`date_out\` date, \`period\` int, \`box_num\` int, \`prod_num\` int, \`quantity\` int);
`;

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
  const report = await importLegacy(server.app.db, tempDump(DUMP_TEXT));
  expect(report.users.imported).toBe(2);
  expect(report.fixes).toEqual([]);
});
afterAll(async () => server.close());

const storedHash = async (email: string) => (await server.app.db.selectFrom('users').select('password_hash').where('email', '=', email).executeTakeFirstOrThrow()).password_hash;
const login = (email: string, password: string) => request(server.url, 'POST', '/api/v1/sessions', { body: { email, password } });

describe('legacy DES-crypt hashes', () => {
  it('verifies only the right password, and never throws on a malformed or foreign hash', async () => {
    const stored = legacyDesHash(SECRET12)!;
    expect(stored).toBe(`legacy-des-crypt:${SECRET12}`);
    expect(isLegacyHash(stored)).toBe(true);
    expect(await verifyPassword(stored, 'Secret12')).toBe(true);
    for (const wrong of ['Secret13', 'secret12', 'Secret1', '', 'Secret1\u0000', ' Secret12']) {
      expect(await verifyPassword(stored, wrong), JSON.stringify(wrong)).toBe(false);
    }
    for (const hash of ['legacy-des-crypt:', 'legacy-des-crypt:short', `legacy-des-crypt:${SECRET12}x`, 'legacy-des-crypt:$1$abc$defghijk', 'legacy-unusable', 'legacy-whatever', '', 'garbage', '$argon2id$v=19$broken', SECRET12]) {
      await expect(verifyPassword(hash, 'Secret12'), hash).resolves.toBe(false);
    }
    expect(legacyDesHash('$1$abcdefgh$0123')).toBeUndefined();
    expect(isLegacyHash(await hashPassword('Secret12'))).toBe(false);
  });
});

describe('logging in with a password from the original system', () => {
  it('refuses a wrong password (401) and keeps the legacy hash', async () => {
    expectProblem(await login('legacy@example.com', 'Secret13'), 401);
    expectProblem(await login('legacy@example.com', 'not the password at all'), 401);
    expect(await storedHash('legacy@example.com')).toBe(`legacy-des-crypt:${SECRET12}`);
  });

  it('accepts the right one once (201), then keeps it as argon2id', async () => {
    const first = await login('legacy@example.com', 'Secret12');
    expect(first.status).toBe(201);
    expect(first.body.user.email).toBe('legacy@example.com');
    const upgraded = await storedHash('legacy@example.com');
    expect(upgraded.startsWith('$argon2id$')).toBe(true);
    expect(await verifyPassword(upgraded, 'Secret12')).toBe(true);

    // The new hash goes on working, and still refuses a wrong password.
    expect((await login('legacy@example.com', 'Secret12')).status).toBe(201);
    expectProblem(await login('legacy@example.com', 'Secret13'), 401);
    expect(await storedHash('legacy@example.com')).toBe(upgraded);

    const audit = await server.app.db.selectFrom('audit_log').select(['action', 'details']).where('action', '=', 'user.password-upgrade').execute();
    expect(audit).toHaveLength(1);
  });

  it('accepts the legacy password as the current one to change it', async () => {
    const api = client(server.url, TOKEN_B);
    expectProblem(await api.put('/api/v1/me/password', { currentPassword: 'motdepaX', newPassword: 'a brand new password' }), 400);
    const changed = await api.put('/api/v1/me/password', { currentPassword: 'motdepas', newPassword: 'a brand new password' });
    expect(changed.status).toBe(204);
    expect((await storedHash('changer@example.com')).startsWith('$argon2id$')).toBe(true);
    expectProblem(await login('changer@example.com', 'motdepas'), 401);
    expect((await login('Changer@example.com', 'a brand new password')).status).toBe(201);
  });
});
