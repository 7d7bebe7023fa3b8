import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, expectProblem, request, signUp, startServer, type TestServer } from '../helpers.js';
import { png, upload } from '../photos/photo-helpers.js';

/** Product types (everybody reads them, administrators change them), the admin routes, and the rate limit. */

const PROBLEM = (key: string) => `urn:freezer-manager:problem:${key}`;
const sha256 = (text: string) => createHash('sha256').update(text, 'utf8').digest('hex');

type Account = Awaited<ReturnType<typeof signUp>>;

describe('product types and account administration', () => {
  let server: TestServer;
  let admin: Account;
  let user: Account;
  let french: Account;

  beforeAll(async () => {
    server = await startServer();
    admin = await signUp(server.url); // the first account: administrator
    user = await signUp(server.url);
    french = await signUp(server.url, { language: 'fr' });
    expect([admin.user.role, user.user.role, french.user.role]).toEqual(['admin', 'user', 'user']);
  });
  afterAll(async () => server?.close());

  /** A freezer of the given account with one box per product it will hold. */
  async function freezerOf(account: Account, boxes = 3): Promise<number> {
    const res = await account.api.post('/api/v1/freezers', { name: 'Freezer', boxCount: boxes });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  describe('GET /types', () => {
    it('lists the 43 default types, ids 1 to 43, named in the caller’s language', async () => {
      const en = await user.api.get('/api/v1/types');
      expect(en.status).toBe(200);
      expect(en.body.map((t: { id: number }) => t.id)).toEqual(Array.from({ length: 43 }, (_, i) => i + 1));
      const byId = new Map(en.body.map((t: { id: number }) => [t.id, t]));
      expect(byId.get(1)).toEqual({ id: 1, name: 'soup', nameEn: 'soup', nameFr: 'soupe', periodMonths: 3 });
      expect(byId.get(24)).toEqual({ id: 24, name: 'ice-cream', nameEn: 'ice-cream', nameFr: 'glace', periodMonths: 2 });
      expect(byId.get(43)).toEqual({ id: 43, name: 'vegetable', nameEn: 'vegetable', nameFr: 'légume', periodMonths: 12 });

      const fr = await french.api.get('/api/v1/types');
      expect(fr.body).toHaveLength(43);
      const frById = new Map(fr.body.map((t: { id: number; name: string }) => [t.id, t.name]));
      expect([frById.get(1), frById.get(24), frById.get(43)]).toEqual(['soupe', 'glace', 'légume']);
      // same data otherwise
      expect(fr.body.map(({ name: _n, ...rest }: { name: string }) => rest)).toEqual(en.body.map(({ name: _n, ...rest }: { name: string }) => rest));

      expect((await french.api.get('/api/v1/types/43')).body).toEqual({ id: 43, name: 'légume', nameEn: 'vegetable', nameFr: 'légume', periodMonths: 12 });
      expect((await user.api.get('/api/v1/types/24')).body.name).toBe('ice-cream');
      expect(expectProblem(await user.api.get('/api/v1/types/999'), 404).type).toBe(PROBLEM('type-not-found'));
    });

    it('follows a change of the caller’s language', async () => {
      const other = await signUp(server.url);
      expect((await other.api.get('/api/v1/types/1')).body.name).toBe('soup');
      expect((await other.api.patch('/api/v1/me', { language: 'fr' })).status).toBe(200);
      expect((await other.api.get('/api/v1/types/1')).body.name).toBe('soupe');
    });

    it('needs credentials', async () => {
      expect(expectProblem(await client(server.url).get('/api/v1/types'), 401).type).toBe(PROBLEM('auth-required'));
    });
  });

  describe('changing types', () => {
    it('a non-administrator gets 403 on POST, PATCH and DELETE, even with a malformed body, and nothing changes', async () => {
      const before = (await admin.api.get('/api/v1/types')).body;
      for (const account of [user, french]) {
        const refused = [
          await account.api.post('/api/v1/types', { nameEn: 'sneaky', nameFr: 'sournois', periodMonths: 3 }),
          await account.api.patch('/api/v1/types/1', { nameEn: 'hacked soup' }),
          await account.api.patch('/api/v1/types/1', { periodMonths: 120 }),
          await account.api.delete('/api/v1/types/42'),
          await account.api.delete('/api/v1/types/1'),
          // authorisation comes before the body is read
          await request(server.url, 'POST', '/api/v1/types', { token: account.token, raw: '{"nameEn":' }),
        ];
        for (const res of refused) expect(expectProblem(res, 403).type).toBe(PROBLEM('admin-only'));
      }
      // in the caller's language
      const fr = await french.api.post('/api/v1/types', { nameEn: 'x', nameFr: 'y', periodMonths: 1 });
      expect(expectProblem(fr, 403).detail).toBe('Seuls les administrateurs peuvent faire cela.');
      // an administrator's read-only token cannot write either
      const read = await admin.api.post('/api/v1/tokens', { name: 'admin read', scope: 'read' });
      const readApi = client(server.url, read.body.secret);
      expect(expectProblem(await readApi.post('/api/v1/types', { nameEn: 'x', nameFr: 'y', periodMonths: 1 }), 403).type).toBe(PROBLEM('read-only-token'));
      expect((await admin.api.get('/api/v1/types')).body).toEqual(before);
    });

    it('the administrator adds a type (201) and edits its names and period', async () => {
      const created = await admin.api.post('/api/v1/types', { nameEn: '  dumplings ', nameFr: 'raviolis', periodMonths: 2 });
      expect(created.status).toBe(201);
      expect(created.body).toEqual({ id: 44, name: 'dumplings', nameEn: 'dumplings', nameFr: 'raviolis', periodMonths: 2 });
      const list = (await user.api.get('/api/v1/types')).body;
      expect(list).toHaveLength(44);
      expect(list[43]).toEqual(created.body);
      expect((await french.api.get('/api/v1/types/44')).body.name).toBe('raviolis');

      const renamed = await admin.api.patch('/api/v1/types/44', { nameFr: 'quenelles' });
      expect(renamed.status).toBe(200);
      expect(renamed.body).toEqual({ id: 44, name: 'dumplings', nameEn: 'dumplings', nameFr: 'quenelles', periodMonths: 2 });
      const both = await admin.api.patch('/api/v1/types/44', { nameEn: 'gnocchi', periodMonths: 5 });
      expect(both.body).toEqual({ id: 44, name: 'gnocchi', nameEn: 'gnocchi', nameFr: 'quenelles', periodMonths: 5 });
      expect((await french.api.get('/api/v1/types/44')).body).toEqual({ id: 44, name: 'quenelles', nameEn: 'gnocchi', nameFr: 'quenelles', periodMonths: 5 });

      // the new default period applies to products of the type
      const freezer = await freezerOf(user);
      const product = await user.api.post('/api/v1/products', { name: 'Gnocchi', typeId: 44, freezerId: freezer, box: 1, quantity: 1, dateIn: '2026-01-31' });
      expect(product.status).toBe(201);
      expect(product.body).toMatchObject({ typeId: 44, typeName: 'gnocchi', periodMonths: 5 });

      // search finds the product by its type's names as they are now, in either language
      const found = async (q: string) => (await user.api.get(`/api/v1/products?q=${encodeURIComponent(q)}&status=all`)).body.items.map((p: any) => p.id);
      expect(await found('QUENELLES')).toEqual([product.body.id]);
      expect(await found('raviolis')).toEqual([]);
      expect((await admin.api.patch('/api/v1/types/44', { nameFr: 'Pâtes FRAÎCHES' })).status).toBe(200);
      expect(await found('quenelles')).toEqual([]);
      expect(await found('pâtes fraîches')).toEqual([product.body.id]);
      expect(await found('GNOCCHI')).toEqual([product.body.id]);
      // and a type of the same name in another case is the same name
      expect((await admin.api.post('/api/v1/types', { nameEn: 'Other', nameFr: 'PÂTES fraîches', periodMonths: 2 })).status).toBe(409);
    });

    it('refuses invalid types with 400 and unknown ids with 404', async () => {
      for (const body of [
        { nameEn: 'a', nameFr: 'b', periodMonths: 0 },
        { nameEn: 'a', nameFr: 'b', periodMonths: 121 },
        { nameEn: '   ', nameFr: 'b', periodMonths: 1 },
        { nameEn: 'a', nameFr: 'b' },
        { nameEn: 'a\u0000', nameFr: 'b', periodMonths: 1 },
        { nameEn: 'a\nb', nameFr: 'b', periodMonths: 1 },
        { nameEn: 'x'.repeat(129), nameFr: 'b', periodMonths: 1 },
      ]) {
        expect(expectProblem(await admin.api.post('/api/v1/types', body), 400).type, JSON.stringify(body)).toBe(PROBLEM('validation-failed'));
      }
      expect(expectProblem(await admin.api.patch('/api/v1/types/44', {}), 400).type).toBe(PROBLEM('validation-failed'));
      expect(expectProblem(await admin.api.patch('/api/v1/types/9999', { periodMonths: 3 }), 404).type).toBe(PROBLEM('type-not-found'));
      expect(expectProblem(await admin.api.delete('/api/v1/types/9999'), 404).type).toBe(PROBLEM('type-not-found'));
      expect((await user.api.get('/api/v1/types')).body).toHaveLength(44);
    });

    it('a name another type has (English or French, after trimming) is a 409 and changes nothing', async () => {
      const before = (await admin.api.get('/api/v1/types')).body;
      for (const body of [
        { nameEn: 'soup', nameFr: 'nouvelle soupe', periodMonths: 3 },
        { nameEn: 'new ice', nameFr: 'glace', periodMonths: 3 },
        { nameEn: ' gnocchi  ', nameFr: 'autre', periodMonths: 3 },
        { nameEn: 'SOUP', nameFr: 'encore une soupe', periodMonths: 3 },
        { nameEn: 'Légumes variés', nameFr: 'LÉGUME', periodMonths: 3 },
      ]) {
        expect(expectProblem(await admin.api.post('/api/v1/types', body), 409).type).toBe(PROBLEM('type-name-taken'));
      }
      expect(expectProblem(await admin.api.patch('/api/v1/types/44', { nameEn: 'ice-cream' }), 409).type).toBe(PROBLEM('type-name-taken'));
      expect(expectProblem(await admin.api.patch('/api/v1/types/44', { nameFr: 'soupe', periodMonths: 9 }), 409).type).toBe(PROBLEM('type-name-taken'));
      expect(expectProblem(await admin.api.patch('/api/v1/types/44', { nameEn: 'Ice-Cream' }), 409).type).toBe(PROBLEM('type-name-taken'));
      expect((await admin.api.get('/api/v1/types')).body).toEqual(before);
      // changing only the case of its own name is no conflict either
      expect((await admin.api.patch('/api/v1/types/44', { nameEn: 'Gnocchi' })).status).toBe(200);
      // renaming a type to its own name is no conflict
      expect((await admin.api.patch('/api/v1/types/44', { nameEn: 'gnocchi' })).status).toBe(200);
    });

    it('deletes an unused type (204) but not one a product uses, inside or in the history (409)', async () => {
      const make = async (nameEn: string) => {
        const res = await admin.api.post('/api/v1/types', { nameEn, nameFr: `${nameEn} (fr)`, periodMonths: 1 });
        expect(res.status).toBe(201);
        return res.body.id as number;
      };
      const unused = await make('unused type');
      const inside = await make('type inside');
      const history = await make('type in history');
      const partial = await make('type in partial history');
      const freezer = await freezerOf(user);
      const p1 = await user.api.post('/api/v1/products', { name: 'kept', typeId: inside, freezerId: freezer, box: 1, quantity: 1 });
      const p2 = await user.api.post('/api/v1/products', { name: 'eaten', typeId: history, freezerId: freezer, box: 2, quantity: 2 });
      expect((await user.api.post(`/api/v1/products/${p2.body.id}/take-out`)).status).toBe(200);
      const p3 = await user.api.post('/api/v1/products', { name: 'half eaten', typeId: partial, freezerId: freezer, box: 3, quantity: 2 });
      const half = await user.api.post(`/api/v1/products/${p3.body.id}/take-out`, { portions: 1 });
      expect(half.status).toBe(200);
      // the product left inside moves to another type: only the history row still uses `partial`
      expect((await user.api.patch(`/api/v1/products/${p3.body.id}`, { typeId: 1 })).status).toBe(200);
      expect((await user.api.get(`/api/v1/products/${half.body.takenOut.id}`)).body.typeId).toBe(partial);

      expect((await admin.api.delete(`/api/v1/types/${unused}`)).status).toBe(204);
      expect(expectProblem(await admin.api.get(`/api/v1/types/${unused}`), 404).type).toBe(PROBLEM('type-not-found'));
      expect(expectProblem(await admin.api.delete(`/api/v1/types/${unused}`), 404).type).toBe(PROBLEM('type-not-found'));

      for (const id of [inside, history, partial]) {
        const res = await admin.api.delete(`/api/v1/types/${id}`);
        expect(expectProblem(res, 409).type).toBe(PROBLEM('type-in-use'));
        expect((await admin.api.get(`/api/v1/types/${id}`)).status).toBe(200);
      }
      // a default type in use is protected the same way
      expect(expectProblem(await admin.api.delete('/api/v1/types/1'), 409).type).toBe(PROBLEM('type-in-use'));
      expect((await user.api.get(`/api/v1/products/${p1.body.id}`)).body.typeId).toBe(inside);

      // once the last product of a type is deleted, the type can go
      expect((await user.api.delete(`/api/v1/products/${p1.body.id}`)).status).toBe(204);
      expect((await admin.api.delete(`/api/v1/types/${inside}`)).status).toBe(204);
      const ids = (await user.api.get('/api/v1/types')).body.map((t: { id: number }) => t.id);
      expect(ids).not.toContain(unused);
      expect(ids).not.toContain(inside);
      expect(ids).toEqual(expect.arrayContaining([history, partial, 44, 1, 43]));
    });
  });

  describe('admin routes', () => {
    it('GET /admin/users pages through accounts and filters on the e-mail address', async () => {
      const stamp = Date.now();
      const tagged = [`findme-a-${stamp}@example.com`, `FindMe-b-${stamp}@example.com`, `someone-findme-${stamp}@example.org`];
      for (const email of tagged) await signUp(server.url, { email });

      const all = await admin.api.get('/api/v1/admin/users?limit=500');
      expect(all.status).toBe(200);
      const total = all.body.total as number;
      expect(total).toBe(all.body.items.length);
      expect(total).toBeGreaterThanOrEqual(7);
      expect(all.body.items[0]).toEqual({ id: admin.user.id, email: admin.email, language: 'en', role: 'admin', disabled: false, createdAt: expect.any(String) });
      const ids = all.body.items.map((u: { id: number }) => u.id);
      expect(ids).toEqual([...ids].sort((a, b) => a - b));
      expect(all.text).not.toMatch(/password|\$argon2/i);

      const page1 = await admin.api.get('/api/v1/admin/users?limit=2');
      expect(page1.body).toMatchObject({ total, limit: 2, offset: 0 });
      expect(page1.body.items.map((u: { id: number }) => u.id)).toEqual(ids.slice(0, 2));
      const page2 = await admin.api.get('/api/v1/admin/users?limit=2&offset=2');
      expect(page2.body).toMatchObject({ total, limit: 2, offset: 2 });
      expect(page2.body.items.map((u: { id: number }) => u.id)).toEqual(ids.slice(2, 4));
      expect((await admin.api.get(`/api/v1/admin/users?offset=${total}`)).body).toMatchObject({ items: [], total });
      expect((await admin.api.get('/api/v1/admin/users')).body.limit).toBe(50);

      const emails = (q: string) => admin.api.get(`/api/v1/admin/users?q=${encodeURIComponent(q)}`).then((r) => r.body.items.map((u: { email: string }) => u.email));
      const lower = tagged.map((e) => e.toLowerCase());
      expect(await emails('findme')).toEqual(lower);
      expect(await emails('FINDME')).toEqual(lower);
      expect(await emails(`findme-a-${stamp}`)).toEqual([lower[0]]);
      expect(await emails('example.org')).toEqual([lower[2]]);
      expect(await emails('%')).toEqual([]);
      expect(await emails('_')).toEqual([]);
      expect(await emails('nobody-has-this')).toEqual([]);
      const filteredPage = await admin.api.get('/api/v1/admin/users?q=findme&limit=1&offset=1');
      expect(filteredPage.body).toMatchObject({ total: 3, items: [{ email: lower[1] }] });
    });

    it('disabling an account makes its tokens answer 401; enabling it again restores them', async () => {
      const target = await signUp(server.url);
      const second = await target.api.post('/api/v1/tokens', { name: 'second', scope: 'read' });
      const secondApi = client(server.url, second.body.secret);
      expect((await target.api.get('/api/v1/me')).status).toBe(200);

      const disabled = await admin.api.patch(`/api/v1/admin/users/${target.user.id}`, { disabled: true });
      expect(disabled.status).toBe(200);
      expect(disabled.body).toMatchObject({ id: target.user.id, email: target.email, disabled: true, role: 'user' });
      for (const api of [target.api, secondApi]) expect(expectProblem(await api.get('/api/v1/me'), 401).type).toBe(PROBLEM('account-disabled'));
      expect(expectProblem(await target.api.post('/api/v1/freezers', { name: 'x', boxCount: 1 }), 401).type).toBe(PROBLEM('account-disabled'));
      const login = await client(server.url).post('/api/v1/sessions', { email: target.email, password: target.password });
      expect(expectProblem(login, 401).type).toBe(PROBLEM('account-disabled'));
      const listed = (await admin.api.get(`/api/v1/admin/users?q=${encodeURIComponent(target.email)}`)).body.items;
      expect(listed).toEqual([expect.objectContaining({ id: target.user.id, disabled: true })]);
      // disabling twice is harmless
      expect((await admin.api.patch(`/api/v1/admin/users/${target.user.id}`, { disabled: true })).body.disabled).toBe(true);

      const enabled = await admin.api.patch(`/api/v1/admin/users/${target.user.id}`, { disabled: false });
      expect(enabled.status).toBe(200);
      expect(enabled.body.disabled).toBe(false);
      expect((await target.api.get('/api/v1/me')).status).toBe(200);
      expect((await secondApi.get('/api/v1/me')).status).toBe(200);
      expect((await client(server.url).post('/api/v1/sessions', { email: target.email, password: target.password })).status).toBe(201);
    });

    it('promoting an account to administrator opens the admin routes to it; demoting closes them', async () => {
      expect(expectProblem(await user.api.get('/api/v1/admin/stats'), 403).type).toBe(PROBLEM('admin-only'));
      const promoted = await admin.api.patch(`/api/v1/admin/users/${user.user.id}`, { role: 'admin' });
      expect(promoted.status).toBe(200);
      expect(promoted.body).toMatchObject({ id: user.user.id, role: 'admin', disabled: false });
      expect((await user.api.get('/api/v1/admin/stats')).status).toBe(200);
      expect((await user.api.get('/api/v1/admin/users')).status).toBe(200);
      const made = await user.api.post('/api/v1/types', { nameEn: 'promoted type', nameFr: 'type promu', periodMonths: 1 });
      expect(made.status).toBe(201);
      expect((await user.api.delete(`/api/v1/types/${made.body.id}`)).status).toBe(204);

      const demoted = await admin.api.patch(`/api/v1/admin/users/${user.user.id}`, { role: 'user' });
      expect(demoted.body.role).toBe('user');
      expect(expectProblem(await user.api.get('/api/v1/admin/stats'), 403).type).toBe(PROBLEM('admin-only'));
      expect(expectProblem(await admin.api.patch('/api/v1/admin/users/999999', { role: 'admin' }), 404).type).toBe(PROBLEM('user-not-found'));
    });

    it('the last active administrator cannot be demoted or disabled, and nobody disables themself (409)', async () => {
      const roles = async () =>
        (await admin.api.get('/api/v1/admin/users?limit=500')).body.items.map((u: { id: number; role: string; disabled: boolean }) => `${u.id}:${u.role}:${u.disabled}`);
      const before = await roles();
      const self = `/api/v1/admin/users/${admin.user.id}`;
      expect(expectProblem(await admin.api.patch(self, { role: 'user' }), 409).type).toBe(PROBLEM('last-admin'));
      const selfDisable = expectProblem(await admin.api.patch(self, { disabled: true }), 409);
      expect(selfDisable.type).toBe(PROBLEM('self-disable'));
      expect(selfDisable.errors?.[0]?.field).toBe('disabled');
      expect(expectProblem(await admin.api.patch(self, { disabled: true, role: 'user' }), 409).status).toBe(409);
      expect(await roles()).toEqual(before);
      expect((await admin.api.get('/api/v1/admin/stats')).status).toBe(200);

      // A second administrator who is disabled does not count as active.
      const other = `/api/v1/admin/users/${french.user.id}`;
      expect((await admin.api.patch(other, { role: 'admin' })).status).toBe(200);
      expect((await admin.api.patch(other, { disabled: true })).status).toBe(200);
      expect(expectProblem(await admin.api.patch(self, { role: 'user' }), 409).type).toBe(PROBLEM('last-admin'));
      expect((await admin.api.patch(other, { disabled: false })).status).toBe(200);

      // With two active administrators, one may step down; the other is then the last one.
      const down = await admin.api.patch(self, { role: 'user' });
      expect(down.status).toBe(200);
      expect(down.body.role).toBe('user');
      expect(expectProblem(await admin.api.get('/api/v1/admin/users'), 403).type).toBe(PROBLEM('admin-only'));
      expect(expectProblem(await french.api.patch(other, { role: 'user' }), 409).type).toBe(PROBLEM('last-admin'));
      expect(expectProblem(await french.api.patch(other, { disabled: true }), 409).type).toBe(PROBLEM('self-disable'));
      // nor can the last administrator be disabled or demoted by the (now) former one
      expect(expectProblem(await admin.api.patch(other, { disabled: true }), 403).type).toBe(PROBLEM('admin-only'));

      // restore: the first account is an administrator again, the French user is not
      expect((await french.api.patch(self, { role: 'admin' })).status).toBe(200);
      expect((await admin.api.patch(other, { role: 'user' })).status).toBe(200);
      expect(await roles()).toEqual(before);
    });

    it('a non-administrator gets 403 on every /admin route (taken from the OpenAPI document)', async () => {
      const doc = (await client(server.url).get('/openapi.json')).body;
      const routes: Array<{ method: string; path: string }> = [];
      for (const [p, ops] of Object.entries<Record<string, unknown>>(doc.paths)) {
        if (!p.startsWith('/api/v1/admin')) continue;
        for (const method of Object.keys(ops)) if (['get', 'post', 'put', 'patch', 'delete'].includes(method)) routes.push({ method: method.toUpperCase(), path: p });
      }
      expect(routes.map((r) => `${r.method} ${r.path}`).sort()).toEqual(
        expect.arrayContaining(['GET /api/v1/admin/audit', 'GET /api/v1/admin/stats', 'GET /api/v1/admin/users', 'PATCH /api/v1/admin/users/{id}']),
      );
      const stateBefore = (await admin.api.get('/api/v1/admin/users?limit=500')).body;
      for (const account of [user, french]) {
        for (const { method, path: p } of routes) {
          const url = p.replace('{id}', String(account.user.id));
          const options = method === 'PATCH' ? { body: { role: 'admin' } } : {};
          const res = await request(server.url, method, url, { token: account.token, ...options });
          expect(expectProblem(res, 403).type, `${method} ${url}`).toBe(PROBLEM('admin-only'));
        }
        // and on a malformed body, before it is read
        expect(expectProblem(await request(server.url, 'PATCH', `/api/v1/admin/users/${account.user.id}`, { token: account.token, raw: '{' }), 403).status).toBe(403);
      }
      expect((await admin.api.get('/api/v1/admin/users?limit=500')).body).toEqual(stateBefore);
    });
  });
});

describe('statistics and the audit log on a known dataset', () => {
  let server: TestServer;
  let root: Account;
  let u1: Account;
  let u2: Account;
  const secrets: string[] = [];
  const ids = { f1: 0, f2: 0, f3: 0, p1: 0, p2: 0, p3: 0, p4: 0, history: 0, type: 0 };

  async function waitForResetToken(dataDir: string): Promise<string> {
    const outbox = path.join(dataDir, 'outbox');
    for (let i = 0; i < 100; i++) {
      const files = fs.existsSync(outbox) ? fs.readdirSync(outbox).filter((f) => f.endsWith('.eml')) : [];
      if (files.length) {
        const text = fs.readFileSync(path.join(outbox, files[0]!), 'utf8').replace(/=\r?\n/g, '').replace(/=3D/g, '=');
        const match = /token=(fmr_[A-Za-z0-9_-]+)/.exec(text);
        if (match) return match[1]!;
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    throw new Error('no reset mail in the outbox');
  }

  beforeAll(async () => {
    server = await startServer();
    root = await signUp(server.url, { password: 'root password 0' });
    u1 = await signUp(server.url, { password: 'first user password 1' });
    u2 = await signUp(server.url, { password: 'second user password 2' });
    secrets.push(root.password, u1.password, u2.password, root.token, u1.token, u2.token);

    const f = async (account: Account, name: string, boxCount: number) => (await account.api.post('/api/v1/freezers', { name, boxCount })).body.id as number;
    ids.f1 = await f(u1, 'U1 kitchen', 3);
    ids.f2 = await f(u1, 'U1 garage', 1);
    ids.f3 = await f(u2, 'U2 cellar', 2);
    const p = async (account: Account, freezerId: number, box: number, quantity: number) => {
      const res = await account.api.post('/api/v1/products', { name: 'thing', typeId: 1, freezerId, box, quantity });
      expect(res.status).toBe(201);
      return res.body.id as number;
    };
    ids.p1 = await p(u1, ids.f1, 1, 2);
    ids.p2 = await p(u1, ids.f1, 2, 3);
    const partial = await u1.api.post(`/api/v1/products/${ids.p2}/take-out`, { portions: 1 });
    ids.history = partial.body.takenOut.id;
    ids.p3 = await p(u1, ids.f2, 1, 1);
    expect((await u1.api.post(`/api/v1/products/${ids.p3}/take-out`)).status).toBe(200);
    ids.p4 = await p(u2, ids.f3, 1, 5);

    const token = await u1.api.post('/api/v1/tokens', { name: 'pi', scope: 'write' });
    secrets.push(token.body.secret);
    const login = await client(server.url).post('/api/v1/sessions', { email: u1.email, password: u1.password });
    expect(login.status).toBe(201);
    const cookie = /fm_session=([^;]+)/.exec(login.headers.get('set-cookie') ?? '')?.[1];
    expect(cookie).toBeTruthy();
    secrets.push(cookie!, login.body.csrfToken);
    expect((await u1.api.put('/api/v1/me/password', { currentPassword: u1.password, newPassword: 'first user password 1b' })).status).toBe(204);
    secrets.push('first user password 1b');
    expect((await client(server.url).post('/api/v1/password-resets', { email: u2.email })).status).toBe(202);
    const resetToken = await waitForResetToken(server.dataDir);
    secrets.push(resetToken);
    expect((await client(server.url).post('/api/v1/password-resets/confirm', { token: resetToken, password: 'second user password 2b' })).status).toBe(204);
    secrets.push('second user password 2b');

    const type = await root.api.post('/api/v1/types', { nameEn: 'audited type', nameFr: 'type audité', periodMonths: 2 });
    ids.type = type.body.id;
    expect((await root.api.patch(`/api/v1/admin/users/${u2.user.id}`, { disabled: true })).status).toBe(200);
  });
  afterAll(async () => server?.close());

  it('GET /admin/stats counts users, freezers, products inside and out, portions, and the average per user', async () => {
    const stats = await root.api.get('/api/v1/admin/stats');
    expect(stats.status).toBe(200);
    // products: p1, p2, the history row of p2's partial take-out, p3 (out), p4 -> 5; inside: p1, p2, p4
    expect(stats.body).toEqual({
      users: 3,
      activeUsers: 2,
      disabledUsers: 1,
      freezers: 3,
      products: 5,
      productsInside: 3,
      productsOut: 2,
      portionsInside: 2 + 2 + 5,
      averageProductsPerUser: 1.67,
      photos: 0,
      photoBytes: 0,
    });
    // live numbers
    expect((await u1.api.delete(`/api/v1/products/${ids.p1}`)).status).toBe(204);
    const after = (await root.api.get('/api/v1/admin/stats')).body;
    expect(after).toMatchObject({ products: 4, productsInside: 2, productsOut: 2, portionsInside: 7, averageProductsPerUser: 1.33 });
    // photos and the storage their files take
    const pictures = [await png(1), await png(2)];
    const uploaded = await upload(server.url, u1.token, [
      { filename: 'a.png', data: pictures[0]! },
      { filename: 'b.png', data: pictures[1]! },
    ]);
    expect(uploaded.status).toBe(201);
    expect((await root.api.get('/api/v1/admin/stats')).body).toMatchObject({ photos: 2, photoBytes: pictures[0]!.length + pictures[1]!.length });
    expect((await u1.api.delete(`/api/v1/photos/${uploaded.body[0].id}`)).status).toBe(204);
    expect((await root.api.get('/api/v1/admin/stats')).body).toMatchObject({ photos: 1, photoBytes: pictures[1]!.length });
    expect((await root.api.patch(`/api/v1/admin/users/${u2.user.id}`, { disabled: false })).status).toBe(200);
    expect((await root.api.get('/api/v1/admin/stats')).body).toMatchObject({ users: 3, activeUsers: 3, disabledUsers: 0 });
    expect((await root.api.patch(`/api/v1/admin/users/${u2.user.id}`, { disabled: true })).status).toBe(200);
  });

  it('GET /admin/audit lists the writes newest first, with who, what, which object and from where', async () => {
    const res = await root.api.get('/api/v1/admin/audit?limit=500');
    expect(res.status).toBe(200);
    const items = res.body.items as Array<{ id: number; userId: number | null; userEmail: string | null; action: string; objectType: string; objectId: string | null; ip: string | null; createdAt: string }>;
    expect(res.body.total).toBe(items.length);
    const itemIds = items.map((i) => i.id);
    expect(itemIds).toEqual([...itemIds].sort((a, b) => b - a));
    const times = items.map((i) => i.createdAt);
    expect(times).toEqual([...times].sort().reverse());
    // the last write of the dataset comes first
    expect(items[0]).toMatchObject({ userId: root.user.id, action: 'admin.user-update', objectType: 'user', objectId: String(u2.user.id) });
    for (const item of items) expect(item.ip).toBe('127.0.0.1');

    const of = (action: string) => items.filter((i) => i.action === action);
    expect(of('user.register').map((i) => i.userId).sort()).toEqual([root.user.id, u1.user.id, u2.user.id].sort());
    expect(of('freezer.create').map((i) => [i.userId, i.objectType, i.objectId])).toEqual([
      [u2.user.id, 'freezer', String(ids.f3)],
      [u1.user.id, 'freezer', String(ids.f2)],
      [u1.user.id, 'freezer', String(ids.f1)],
    ]);
    expect(of('product.take-out').map((i) => [i.userId, i.objectType, i.objectId])).toEqual([
      [u1.user.id, 'product', String(ids.p3)],
      [u1.user.id, 'product', String(ids.p2)],
    ]);
    expect(of('type.create')).toEqual([expect.objectContaining({ userId: root.user.id, userEmail: root.email, objectType: 'type', objectId: String(ids.type) })]);
    expect(of('product.create')).toHaveLength(4);
    expect(of('token.create')).toEqual([expect.objectContaining({ userId: u1.user.id, objectType: 'token' })]);
    expect(of('user.password-change')).toEqual([expect.objectContaining({ userId: u1.user.id })]);
    expect(of('password-reset.confirm')).toEqual([expect.objectContaining({ userId: u2.user.id })]);
  });

  it('the audit log never holds a password, a token, a session or reset secret, or their hashes', async () => {
    const db = server.app.db;
    const stored = [
      ...(await sql<{ v: string }>`select password_hash as v from users`.execute(db)).rows,
      ...(await sql<{ v: string }>`select token_hash as v from api_tokens`.execute(db)).rows,
      ...(await sql<{ v: string }>`select token_hash as v from sessions`.execute(db)).rows,
      ...(await sql<{ v: string }>`select token_hash as v from password_resets`.execute(db)).rows,
    ].map((r) => r.v);
    expect(secrets.length).toBeGreaterThanOrEqual(12);
    const forbidden = [...secrets, ...secrets.map(sha256), ...stored];
    let offset = 0;
    let seen = 0;
    for (;;) {
      const page = await root.api.get(`/api/v1/admin/audit?limit=500&offset=${offset}`);
      expect(page.status).toBe(200);
      for (const secret of forbidden) expect(page.text.includes(secret), 'a secret in the audit log').toBe(false);
      expect(page.text).not.toMatch(/\$argon2|fm_[A-Za-z0-9_-]{20}|fms_|fmr_/);
      seen += page.body.items.length;
      if (page.body.items.length < 500) break;
      offset += 500;
    }
    expect(seen).toBeGreaterThanOrEqual(19);
  });

  it('filters on action, user and object type, pages, and records neither reads nor refused writes', async () => {
    const all = (await root.api.get('/api/v1/admin/audit?limit=500')).body.items as Array<{ id: number; userId: number; action: string; objectType: string }>;
    const byAction = await root.api.get('/api/v1/admin/audit?action=freezer.create');
    expect(byAction.body.total).toBe(3);
    expect(byAction.body.items.every((i: { action: string }) => i.action === 'freezer.create')).toBe(true);

    const byUser = await root.api.get(`/api/v1/admin/audit?userId=${u1.user.id}&limit=500`);
    expect(byUser.body.items.map((i: { id: number }) => i.id)).toEqual(all.filter((i) => i.userId === u1.user.id).map((i) => i.id));
    expect(byUser.body.total).toBeGreaterThanOrEqual(8);

    const both = await root.api.get(`/api/v1/admin/audit?userId=${u1.user.id}&action=product.take-out`);
    expect(both.body.total).toBe(2);
    expect((await root.api.get(`/api/v1/admin/audit?userId=${root.user.id}&action=freezer.create`)).body).toMatchObject({ items: [], total: 0 });
    const types = await root.api.get('/api/v1/admin/audit?objectType=type');
    expect(types.body.items.map((i: { action: string }) => i.action)).toEqual(['type.create']);

    const page = await root.api.get('/api/v1/admin/audit?limit=2&offset=1');
    expect(page.body).toMatchObject({ limit: 2, offset: 1, total: all.length });
    expect(page.body.items.map((i: { id: number }) => i.id)).toEqual(all.slice(1, 3).map((i) => i.id));

    expect(expectProblem(await root.api.get('/api/v1/admin/audit?userId=0'), 400).type).toBe(PROBLEM('validation-failed'));
    expect(expectProblem(await root.api.get('/api/v1/admin/audit?limit=501'), 400).type).toBe(PROBLEM('validation-failed'));

    const count = async () => (await root.api.get('/api/v1/admin/audit?limit=1')).body.total as number;
    const before = await count();
    await u1.api.get('/api/v1/freezers');
    await u1.api.get(`/api/v1/products/${ids.p2}`);
    expect(expectProblem(await u1.api.patch(`/api/v1/freezers/${ids.f3}`, { name: 'not mine' }), 404).status).toBe(404);
    expect(expectProblem(await u1.api.delete(`/api/v1/freezers/${ids.f1}`), 409).status).toBe(409);
    expect(expectProblem(await root.api.post('/api/v1/types', { nameEn: 'soup', nameFr: 'x', periodMonths: 1 }), 409).status).toBe(409);
    expect(await count()).toBe(before);
    // a write is recorded at once
    expect((await u1.api.patch(`/api/v1/freezers/${ids.f2}`, { name: 'U1 shed' })).status).toBe(200);
    const latest = (await root.api.get('/api/v1/admin/audit?limit=1')).body;
    expect(latest.total).toBe(before + 1);
    expect(latest.items[0]).toMatchObject({ userId: u1.user.id, action: 'freezer.update', objectType: 'freezer', objectId: String(ids.f2), ip: '127.0.0.1' });
  });

  it('non-administrators get 403 on the statistics and the audit log', async () => {
    for (const url of ['/api/v1/admin/stats', '/api/v1/admin/audit', '/api/v1/admin/users']) {
      expect(expectProblem(await u1.api.get(url), 403).type).toBe(PROBLEM('admin-only'));
    }
  });
});

describe('rate limit', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ RATE_LIMIT_PER_MINUTE: '5' });
  });
  afterAll(async () => server?.close());

  it('answers the 6th API request of the minute from one address with 429 problem+json and Retry-After; /healthz is not limited', async () => {
    const anonymous = client(server.url);
    const account = await signUp(server.url); // 1
    const first = [
      await anonymous.get('/api/v1/types'), // 2
      await anonymous.post('/api/v1/users', { email: 'not an e-mail', password: 'x' }), // 3
      await account.api.get('/api/v1/me'), // 4
      await account.api.get('/api/v1/freezers'), // 5
    ];
    expect(first.map((r) => r.status)).toEqual([401, 400, 200, 200]);

    const limited = await account.api.get('/api/v1/freezers'); // 6
    const problem = expectProblem(limited, 429);
    expect(problem.type).toBe(PROBLEM('rate-limited'));
    const retryAfter = Number(limited.headers.get('retry-after'));
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(problem.detail).toContain(String(retryAfter));
    // every route and every caller from that address, public or not
    expect(expectProblem(await anonymous.post('/api/v1/users', { email: 'late@example.com', password: 'correct horse battery' }), 429).status).toBe(429);
    expect(expectProblem(await anonymous.get('/api/v1/types'), 429).status).toBe(429);

    for (let i = 0; i < 10; i++) expect((await anonymous.get('/healthz')).status).toBe(200);
    expect((await anonymous.get('/readyz')).status).toBe(200);
  });
});
