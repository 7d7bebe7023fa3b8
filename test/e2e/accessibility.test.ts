/**
 * axe-core on every page of the web app: logged out, logged in as a user (with data to show and with
 * nothing yet), the admin panel, and in French. No serious or critical violation anywhere.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { client } from '../helpers.js';
import { expectAccessible } from './harness/axe.js';
import { PHONE, useE2E, type PageSession } from './harness/browser.js';
import { openSession, settle, signUp, stockAccount, type Account } from './harness/flows.js';
import { jpeg } from './harness/pictures.js';

describe('accessibility of every page', () => {
  const e2e = useE2E();
  let admin: Account;
  let user: Account;
  let newcomer: Account;
  let french: Account;
  let stock: Awaited<ReturnType<typeof stockAccount>>;

  beforeAll(async () => {
    admin = await signUp(e2e.server.url); // the first account is the administrator
    user = await signUp(e2e.server.url);
    newcomer = await signUp(e2e.server.url);
    french = await signUp(e2e.server.url, { language: 'fr' });
    const pictures = [(await jpeg('a.jpg', 1)).buffer, (await jpeg('b.jpg', 2)).buffer];
    stock = await stockAccount(e2e.server.url, user, pictures);
    await stockAccount(e2e.server.url, french, [(await jpeg('c.jpg', 3)).buffer]);
    expect((await client(e2e.server.url, admin.token).get('/api/v1/me')).body.role).toBe('admin');
  }, 120_000);

  async function check(s: PageSession, path: string, name: string) {
    await s.page.goto(e2e.url(path));
    await settle(s.page);
    await s.shot(name);
    await expectAccessible(s.page, `${name} (${path})`);
  }

  it('logged out: log in, register, forgot and reset password', async () => {
    const s = await e2e.open('logged out');
    for (const [path, name] of [
      ['/login', 'login'],
      ['/register', 'register'],
      ['/forgot-password', 'forgot password'],
      ['/reset-password?token=fmr_not-a-real-token', 'reset password'],
    ] as const) {
      await check(s, path, name);
    }
    await s.close();
  }, 120_000);

  it('a user with data: dashboard, a product with photos, photos, search, trends, account, admin refused', async () => {
    const s = await e2e.open('user pages');
    await openSession(s.context, e2e.server.url, user);
    await check(s, '/', 'dashboard');
    await check(s, `/products/${stock.soupId}`, 'product');
    await check(s, '/photos', 'photos');
    await check(s, '/photos?q=leek', 'photo search');
    await check(s, '/photos?q=nothing-matches-this', 'photo search without results');
    // The full view of a photo, in its dialog.
    await s.page.goto(e2e.url('/photos'));
    await settle(s.page);
    await s.page.getByRole('button', { name: /^View / }).first().click();
    await s.page.getByRole('dialog').waitFor();
    await s.page.getByRole('button', { name: 'Find similar photos' }).click();
    await s.page.getByRole('heading', { name: 'Similar photos' }).waitFor();
    await s.shot('photo dialog');
    await expectAccessible(s.page, 'photo dialog');
    await s.page.keyboard.press('Escape');
    await check(s, '/trends', 'trends');
    await check(s, '/account', 'account');
    await check(s, '/admin', 'admin refused');
    await s.close();
  }, 120_000);

  it('a new user with nothing yet: every empty state', async () => {
    const s = await e2e.open('empty states');
    await openSession(s.context, e2e.server.url, newcomer);
    for (const [path, name] of [
      ['/', 'dashboard empty'],
      ['/photos', 'photos empty'],
      ['/trends', 'trends empty'],
    ] as const) {
      await check(s, path, name);
    }
    await s.close();
  }, 120_000);

  it('the admin panel: statistics, types, users, audit log', async () => {
    const s = await e2e.open('admin pages');
    await openSession(s.context, e2e.server.url, admin);
    for (const [path, name] of [
      ['/admin', 'statistics'],
      ['/admin/types', 'types'],
      ['/admin/users', 'users'],
      ['/admin/audit', 'audit log'],
    ] as const) {
      await check(s, path, name);
    }
    // The same panel in French (the account's language).
    expect((await client(e2e.server.url, admin.token).patch('/api/v1/me', { language: 'fr' })).status).toBe(200);
    for (const [path, name] of [
      ['/admin', 'statistiques'],
      ['/admin/types', 'types de produits'],
      ['/admin/users', 'utilisateurs'],
      ['/admin/audit', 'journal'],
    ] as const) {
      await check(s, path, name);
    }
    await s.page.getByRole('heading', { name: 'Journal d’audit', level: 2 }).waitFor();
    await s.close();
  }, 120_000);

  it('in French, on a phone', async () => {
    const s = await e2e.open('french phone', { ...PHONE, locale: 'fr-FR' });
    await check(s, '/login', 'connexion');
    await openSession(s.context, e2e.server.url, french);
    for (const [path, name] of [
      ['/', 'tableau de bord'],
      ['/photos', 'photos'],
      ['/trends', 'tendances'],
      ['/account', 'compte'],
    ] as const) {
      await check(s, path, name);
    }
    expect(await s.page.evaluate(() => (globalThis as unknown as { document: { documentElement: { lang: string } } }).document.documentElement.lang)).toBe('fr');
    await s.close();
  }, 120_000);
});
