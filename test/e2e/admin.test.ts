/**
 * The admin panel in a real browser: an admin adds a product type that a user then picks for a product;
 * the type, now used, cannot be deleted (the reason is shown); statistics, users and the audit log;
 * a non-admin is refused.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { client } from '../helpers.js';
import { useE2E } from './harness/browser.js';
import { openSession, settle, signUp, type Account } from './harness/flows.js';

describe('admin panel', () => {
  const e2e = useE2E();
  let admin: Account;
  let user: Account;

  beforeAll(async () => {
    admin = await signUp(e2e.server.url); // the first account of an installation is its administrator
    user = await signUp(e2e.server.url);
  }, 120_000);

  it('an admin adds a type that a user then picks; a used type cannot be deleted', async () => {
    const a = await e2e.open('admin adds a type');
    await openSession(a.context, e2e.server.url, admin);
    await a.page.goto(e2e.url('/admin'));
    await settle(a.page);
    await a.shot('statistics');
    await a.page.getByRole('link', { name: 'Product types' }).click();
    await expect.poll(() => a.page.getByRole('link', { name: 'Product types' }).getAttribute('aria-current')).toBe('page');
    const form = a.page.getByRole('form', { name: 'Add a type' });
    await form.getByLabel('English name').fill('dumplings');
    await form.getByLabel('French name').fill('raviolis');
    await form.getByLabel('Default period (months)').fill('4');
    await a.shot('new type filled in');
    await form.getByRole('button', { name: 'Add' }).click();
    await a.page.getByRole('status').filter({ hasText: 'Type “dumplings” added.' }).waitFor();
    const row = a.page.getByRole('row', { name: /dumplings/ });
    await expect.poll(() => row.textContent()).toContain('raviolis');
    expect(await row.textContent()).toContain('4 months');
    await a.shot('type added');

    // Edit: the French name and the period.
    await a.page.getByRole('button', { name: 'Edit dumplings' }).click();
    const dialog = a.page.getByRole('dialog', { name: 'Edit “dumplings”' });
    await dialog.getByLabel('French name').fill('raviolis chinois');
    await dialog.getByLabel('Default period (months)').fill('3');
    await a.shot('editing the type');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await a.page.getByRole('status').filter({ hasText: 'Type “dumplings” saved.' }).waitFor();
    expect(await row.textContent()).toMatch(/raviolis chinois.*3 months/);
    // A refused edit shows the server's reason and changes nothing.
    await a.page.getByRole('button', { name: 'Edit dumplings' }).click();
    await dialog.getByLabel('English name').fill('soup');
    await dialog.getByRole('button', { name: 'Save' }).click();
    await dialog.getByRole('alert').waitFor();
    expect(await dialog.getByRole('alert').textContent()).toMatch(/already/i);
    await a.shot('rename refused');
    await dialog.getByRole('button', { name: 'Cancel' }).click();

    // The user picks the new type for a product: its default period (3 months) comes with it.
    const u = await e2e.open('user picks the new type');
    await openSession(u.context, e2e.server.url, user);
    const freezer = await client(e2e.server.url, user.token).post('/api/v1/freezers', { name: 'Cellar', boxCount: 2 });
    expect(freezer.status).toBe(201);
    await u.page.goto(e2e.url('/'));
    await settle(u.page);
    await u.page.getByRole('button', { name: 'Add a product' }).first().click();
    const add = u.page.getByRole('dialog', { name: 'Put a product in' });
    await add.getByLabel('Name').fill('Pork dumplings');
    await add.getByLabel('Type').selectOption({ label: 'dumplings' });
    await expect.poll(() => add.getByLabel('Keep for (months)').inputValue()).toBe('3');
    await u.shot('picking the new type');
    await add.getByRole('button', { name: 'Put it in' }).click();
    await u.page.getByRole('row', { name: /Pork dumplings/ }).waitFor();
    expect(await u.page.getByRole('row', { name: /Pork dumplings/ }).textContent()).toContain('dumplings');
    await u.shot('product of the new type');
    const products = (await client(e2e.server.url, user.token).get('/api/v1/products')).body.items as Array<{ name: string; typeName: string }>;
    expect(products.map((p) => [p.name, p.typeName])).toEqual([['Pork dumplings', 'dumplings']]);
    await u.close();

    // Now used: deleting it is refused, with the reason.
    await a.page.getByRole('button', { name: 'Delete dumplings' }).click();
    const confirm = a.page.getByRole('dialog', { name: 'Delete the type “dumplings”?' });
    await confirm.getByRole('button', { name: 'Delete' }).click();
    await confirm.getByRole('alert').waitFor();
    expect(await confirm.getByRole('alert').textContent()).toMatch(/used|product/i);
    await a.shot('delete refused');
    await confirm.getByRole('button', { name: 'Cancel' }).click();
    expect(await a.page.getByRole('row', { name: /dumplings/ }).count()).toBe(1);

    // An unused type goes.
    await form.getByLabel('English name').fill('unused thing');
    await form.getByLabel('French name').fill('chose inutile');
    await form.getByRole('button', { name: 'Add' }).click();
    await a.page.getByRole('button', { name: 'Delete unused thing' }).click();
    await a.page.getByRole('dialog', { name: 'Delete the type “unused thing”?' }).getByRole('button', { name: 'Delete' }).click();
    await a.page.getByRole('status').filter({ hasText: 'Type “unused thing” deleted.' }).waitFor();
    // The list reloads after the notice: poll until it has.
    await expect.poll(() => a.page.getByRole('row', { name: /unused thing/ }).count(), { timeout: 10_000 }).toBe(0);
    await a.shot('unused type deleted');
    await a.close();
  }, 120_000);

  it('statistics, users (disable, make admin) and the audit log with paging', async () => {
    const api = client(e2e.server.url, user.token);
    // Enough writes for two pages of the audit log.
    const freezer = (await api.post('/api/v1/freezers', { name: 'Audit me', boxCount: 1 })).body;
    for (let i = 0; i < 30; i += 1) expect((await api.patch(`/api/v1/freezers/${freezer.id}`, { name: `Audit me ${i}` })).status).toBe(200);

    const before = (await client(e2e.server.url, admin.token).get('/api/v1/admin/stats')).body;
    expect(before.freezers).toBeGreaterThan(0);
    const a = await e2e.open('users stats audit');
    await openSession(a.context, e2e.server.url, admin);
    await a.page.goto(e2e.url('/admin'));
    await settle(a.page);
    // Each figure: a term and its definition.
    const stat = (label: string) => a.page.getByRole('term').filter({ hasText: new RegExp(`^${label}$`) }).locator('xpath=following-sibling::dd').textContent();
    expect(await stat('Users')).toBe(String(before.users));
    expect(await stat('Freezers')).toBe(String(before.freezers));
    expect(await stat('Photos')).toBe('0');
    expect(await stat('Photo storage used')).toBe('0 B');
    await a.shot('statistics');

    await a.page.getByRole('link', { name: 'Users' }).click();
    const row = a.page.getByRole('row', { name: new RegExp(user.email.replace(/[.+]/g, '\\$&')) });
    await row.waitFor();
    expect(await row.textContent()).toMatch(/User.*Active/);
    await row.getByRole('button', { name: `Disable: ${user.email}` }).click();
    await a.page.getByRole('status').filter({ hasText: `${user.email} updated.` }).waitFor();
    await expect.poll(() => row.textContent()).toMatch(/Disabled/);
    expect((await api.get('/api/v1/me')).status).toBe(401);
    await row.getByRole('button', { name: `Enable: ${user.email}` }).click();
    await expect.poll(() => row.textContent()).toMatch(/Active/);
    expect((await api.get('/api/v1/me')).status).toBe(200);
    await row.getByRole('button', { name: `Make admin: ${user.email}` }).click();
    await expect.poll(() => row.textContent()).toMatch(/Administrator/);
    expect((await api.get('/api/v1/me')).body.role).toBe('admin');
    await row.getByRole('button', { name: `Remove admin: ${user.email}` }).click();
    await expect.poll(() => row.textContent()).toMatch(/User/);
    // The admin cannot disable their own account: the server's reason is shown.
    await a.page.getByRole('button', { name: `Disable: ${admin.email}` }).click();
    await a.page.getByRole('alert').waitFor();
    await a.shot('users');

    await a.page.getByRole('link', { name: 'Audit log' }).click();
    await a.page.getByRole('columnheader', { name: 'Address' }).waitFor();
    const pager = a.page.getByRole('navigation', { name: 'Pages' });
    const first = await pager.textContent();
    expect(first).toMatch(/Page 1 of [2-9]/);
    // Newest first: the last role change, by the admin, from the loopback address.
    const top = a.page.getByRole('row').nth(1);
    expect(await top.textContent()).toContain('admin.user-update');
    expect(await top.textContent()).toContain(admin.email);
    expect(await top.textContent()).toContain('127.0.0.1');
    await a.shot('audit page 1');
    await pager.getByRole('button', { name: 'Next' }).click();
    await expect.poll(() => pager.textContent()).toMatch(/Page 2 of/);
    expect(await a.page.getByRole('row', { name: /freezer\.update/ }).count()).toBeGreaterThan(0);
    await a.shot('audit page 2');
    await a.page.getByLabel('Action').fill('freezer.create');
    await a.page.getByRole('button', { name: 'Filter' }).click();
    await expect.poll(() => pager.textContent()).toMatch(/Page 1 of 1/);
    expect(await a.page.getByRole('row', { name: /freezer\.update/ }).count()).toBe(0);
    await a.close();
  }, 120_000);

  it('a user who is not an admin is told the panel is for administrators', async () => {
    const s = await e2e.open('not an admin');
    const other = await signUp(e2e.server.url);
    await openSession(s.context, e2e.server.url, other);
    await s.page.goto(e2e.url('/admin/types'));
    await s.page.getByRole('heading', { name: 'For administrators only' }).waitFor();
    expect(await s.page.getByRole('alert').textContent()).toMatch(/administrators/);
    expect(await s.page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Admin' }).count()).toBe(0);
    expect(await s.page.getByRole('form', { name: 'Add a type' }).count()).toBe(0);
    await s.shot('refused');
    await s.close();
  }, 120_000);
});
