/**
 * Browser tests of the dashboard: freezers (first-run guide, add, rename, resize, delete and the
 * server's refusals), products (add with the next free slot and the type's period pre-filled, edit, move,
 * take out some or all, undo, filters, sorting, overdue highlight), French, and the error and offline states.
 */
import type { Locator, Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { daysFromToday } from '../helpers.js';
import { expectAccessible } from './harness/axe.js';
import { useE2E } from './harness/browser.js';
import { openSession, settle, signUp, type Account } from './harness/flows.js';

type ProductType = { id: number; nameEn: string; nameFr: string; periodMonths: number };

async function typesOf(account: Account): Promise<ProductType[]> {
  return (await account.api.get('/api/v1/types')).body as ProductType[];
}

function typeNamed(types: ProductType[], nameEn: string): ProductType {
  const type = types.find((t) => t.nameEn === nameEn);
  if (!type) throw new Error(`no type ${nameEn}`);
  return type;
}

/** The product names of the table's rows, in order. */
async function rowNames(table: Locator): Promise<string[]> {
  return table.locator('tbody tr').evaluateAll((rows) => rows.map((row) => (row as unknown as { querySelector(s: string): { textContent: string } }).querySelector('a').textContent));
}

async function background(cell: Locator): Promise<string> {
  return cell.evaluate((el) => (globalThis as unknown as { getComputedStyle(e: unknown): { backgroundColor: string } }).getComputedStyle(el).backgroundColor);
}

async function waitForRows(table: Locator, names: string[]): Promise<void> {
  await expect.poll(async () => (await rowNames(table)).sort(), { timeout: 10_000 }).toEqual([...names].sort());
}

async function openDashboard(page: Page, url: string): Promise<void> {
  await page.goto(url);
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
  await settle(page);
}

describe('dashboard', () => {
  const e2e = useE2E();

  it('freezers: first-run guide, add, rename, change the number of boxes, delete; the server refuses to shrink below a used box or to delete a freezer with a history', async () => {
    const account = await signUp(e2e.server.url);
    const s = await e2e.open('freezers');
    const { page } = s;
    await openSession(s.context, e2e.server.url, account);
    await openDashboard(page, e2e.url('/'));

    await page.getByRole('heading', { name: 'Create your first freezer' }).waitFor();
    await expectAccessible(page, 'first run');
    await s.shot('first run');
    await page.getByLabel('Name').fill('Garage');
    await page.getByLabel('Number of boxes').fill('3');
    await page.getByRole('button', { name: 'Create the freezer' }).click();
    await page.getByText('Freezer “Garage” created.').waitFor();
    const garage = page.getByRole('article', { name: 'Garage' });
    await garage.getByText('3 boxes · 0 products inside').waitFor();
    for (const box of ['Box 1', 'Box 2', 'Box 3']) await garage.getByText(box, { exact: true }).waitFor();
    expect(await garage.getByText('Box 4', { exact: true }).count()).toBe(0);
    // The first-product guide, now that there is a freezer.
    await page.getByRole('heading', { name: 'Nothing in the freezers yet' }).waitFor();
    await s.shot('first freezer');

    // A second freezer, renamed and given more boxes, then deleted.
    await page.getByRole('button', { name: 'Add a freezer' }).click();
    const add = page.getByRole('dialog', { name: 'Add a freezer' });
    await add.getByLabel('Name').fill('Cellar');
    await add.getByLabel('Number of boxes').fill('2');
    await expectAccessible(page, 'add freezer dialog');
    await add.getByRole('button', { name: 'Create the freezer' }).click();
    await page.getByText('Freezer “Cellar” created.').waitFor();
    await page.getByRole('button', { name: 'Change the freezer Cellar' }).click();
    const edit = page.getByRole('dialog', { name: 'Change the freezer “Cellar”' });
    expect(await edit.getByLabel('Name').inputValue()).toBe('Cellar');
    await edit.getByLabel('Name').fill('Cellar chest');
    await edit.getByLabel('Number of boxes').fill('5');
    await edit.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Freezer “Cellar chest” saved.').waitFor();
    await page.getByRole('article', { name: 'Cellar chest' }).getByText('5 boxes · 0 products inside').waitFor();
    await page.getByRole('article', { name: 'Cellar chest' }).getByText('Box 5', { exact: true }).waitFor();
    await s.shot('renamed and resized');
    await page.getByRole('button', { name: 'Delete the freezer Cellar chest' }).click();
    const del = page.getByRole('dialog', { name: 'Delete the freezer “Cellar chest”?' });
    await del.getByRole('button', { name: 'Delete' }).click();
    await page.getByText('Freezer “Cellar chest” deleted.').waitFor();
    // The list reloads after the notice: poll until it has.
    await expect.poll(() => page.getByRole('article', { name: 'Cellar chest' }).count(), { timeout: 10_000 }).toBe(0);
    expect(((await account.api.get('/api/v1/freezers')).body as unknown[]).length).toBe(1);

    // A product in box 3 (over the API), taken out: the freezer now has a history.
    const freezers = (await account.api.get('/api/v1/freezers')).body as Array<{ id: number }>;
    const types = await typesOf(account);
    const put = await account.api.post('/api/v1/products', { name: 'Fish pie', typeId: typeNamed(types, 'fish').id, freezerId: freezers[0]!.id, box: 3, quantity: 2 });
    expect(put.status).toBe(201);
    await page.reload();
    await settle(page);
    await page.getByRole('button', { name: 'Change the freezer Garage' }).click();
    const shrink = page.getByRole('dialog', { name: 'Change the freezer “Garage”' });
    await shrink.getByLabel('Number of boxes').fill('2');
    await shrink.getByRole('button', { name: 'Save' }).click();
    await shrink.getByRole('alert').filter({ hasText: 'Box 3 still holds products; the freezer needs at least 3 boxes.' }).waitFor();
    await s.shot('shrink refused');
    await shrink.getByRole('button', { name: 'Cancel' }).click();
    expect(await page.getByRole('dialog').count()).toBe(0);

    await page.getByRole('button', { name: 'Delete the freezer Garage' }).click();
    const refuse = page.getByRole('dialog', { name: 'Delete the freezer “Garage”?' });
    await refuse.getByRole('button', { name: 'Delete' }).click();
    await refuse.getByRole('alert').filter({ hasText: 'This freezer holds or has held products (1); it cannot be deleted.' }).waitFor();
    await expectAccessible(page, 'delete refused');
    await s.shot('delete refused');
    // Escape closes the dialog; nothing was deleted.
    await page.keyboard.press('Escape');
    expect(await page.getByRole('dialog').count()).toBe(0);
    expect(((await account.api.get('/api/v1/freezers')).body as unknown[]).length).toBe(1);
    await s.close();
  }, 120_000);

  it('products: overdue rows highlighted, due within 30 days, add with the next free slot and the type’s period, sort, filter, take out some and undo, take out all, history, move, slot refusal, edit, French', async () => {
    const account = await signUp(e2e.server.url);
    const types = await typesOf(account);
    const soup = typeNamed(types, 'soup');
    const bread = typeNamed(types, 'bread');
    const stew = typeNamed(types, 'homemade prepared dish (meat)');
    const ice = typeNamed(types, 'ice-cream');
    const garage = (await account.api.post('/api/v1/freezers', { name: 'Garage', boxCount: 3 })).body as { id: number };
    const cellar = (await account.api.post('/api/v1/freezers', { name: 'Cellar', boxCount: 2 })).body as { id: number };
    const put = async (body: Record<string, unknown>) => {
      const response = await account.api.post('/api/v1/products', body);
      expect(response.status, response.text).toBe(201);
    };
    await put({ name: 'Leek soup', typeId: soup.id, freezerId: garage.id, box: 1, quantity: 4 });
    await put({ name: 'Old stew', typeId: stew.id, freezerId: garage.id, box: 1, quantity: 1, dateIn: daysFromToday(-800), periodMonths: 1 });
    await put({ name: 'Baguettes', typeId: bread.id, freezerId: garage.id, box: 2, quantity: 2, dateIn: daysFromToday(-15), periodMonths: 1 });
    await put({ name: 'Frozen peas', typeId: soup.id, freezerId: cellar.id, box: 1, quantity: 3 });

    const s = await e2e.open('products');
    const { page } = s;
    await openSession(s.context, e2e.server.url, account);
    await openDashboard(page, e2e.url('/'));
    const table = page.getByRole('table', { name: 'Products' });
    await waitForRows(table, ['Leek soup', 'Old stew', 'Baguettes', 'Frozen peas']);
    await expectAccessible(page, 'dashboard with products');

    // Overdue: orange row, said in words too; in the drawing, its slot as well. Due soon: a badge.
    const old = table.getByRole('row', { name: /Old stew/ });
    await old.getByText('Overdue').waitFor();
    expect(await background(old.getByRole('cell').first())).toBe('rgb(255, 226, 191)');
    expect(await background(table.getByRole('row', { name: /Leek soup/ }).getByRole('cell').first())).not.toBe('rgb(255, 226, 191)');
    await table.getByRole('row', { name: /Baguettes/ }).getByText('Due soon').waitFor();
    await page.getByRole('article', { name: 'Garage' }).getByRole('link', { name: 'Slot 2: Old stew (overdue)' }).waitFor();
    await page.getByRole('article', { name: 'Garage' }).getByRole('link', { name: 'Slot 1: Leek soup' }).waitFor();
    await s.shot('overdue highlighted');

    // Add a product in box 1 from the drawing: the box's next free slot (3) and the type's period come pre-filled.
    await page.getByRole('button', { name: 'Add a product (Garage, Box 1)' }).click();
    const add = page.getByRole('dialog', { name: 'Put a product in' });
    expect(await add.getByLabel('Freezer').inputValue()).toBe(String(garage.id));
    expect(await add.getByLabel('Box').inputValue()).toBe('1');
    await expect.poll(() => add.getByLabel('Slot').inputValue()).toBe('3');
    await add.getByLabel('Box').selectOption('2');
    await expect.poll(() => add.getByLabel('Slot').inputValue()).toBe('2');
    await add.getByLabel('Box').selectOption('1');
    await expect.poll(() => add.getByLabel('Slot').inputValue()).toBe('3');
    await add.getByLabel('Name').fill('Vanilla ice');
    await add.getByLabel('Type').selectOption({ label: ice.nameEn });
    expect(await add.getByLabel('Keep for (months)').inputValue()).toBe(String(ice.periodMonths));
    await add.getByLabel('Portions').fill('6');
    await expectAccessible(page, 'add product dialog');
    await s.shot('add product');
    await add.getByRole('button', { name: 'Put it in' }).click();
    await page.getByText('“Vanilla ice” put in Garage, box 1, slot 3.').waitFor();
    await page.getByRole('article', { name: 'Garage' }).getByRole('link', { name: 'Slot 3: Vanilla ice' }).waitFor();
    await waitForRows(table, ['Leek soup', 'Old stew', 'Baguettes', 'Frozen peas', 'Vanilla ice']);

    // Sort by name, both ways.
    await table.getByRole('button', { name: 'Sort by Name' }).click();
    await expect.poll(() => rowNames(table)).toEqual(['Baguettes', 'Frozen peas', 'Leek soup', 'Old stew', 'Vanilla ice']);
    expect(await table.getByRole('columnheader', { name: /Name/ }).getAttribute('aria-sort')).toBe('ascending');
    await table.getByRole('button', { name: 'Sort by Name' }).click();
    await expect.poll(() => rowNames(table)).toEqual(['Vanilla ice', 'Old stew', 'Leek soup', 'Frozen peas', 'Baguettes']);
    expect(await table.getByRole('columnheader', { name: /Name/ }).getAttribute('aria-sort')).toBe('descending');

    // Filters: text, type, freezer, due within 30 days, overdue only.
    await page.getByLabel('Search').fill('stew');
    await waitForRows(table, ['Old stew']);
    await page.getByLabel('Search').fill('');
    await page.getByLabel('Type', { exact: true }).selectOption({ label: soup.nameEn });
    await waitForRows(table, ['Leek soup', 'Frozen peas']);
    await page.getByLabel('Freezer', { exact: true }).selectOption({ label: 'Cellar' });
    await waitForRows(table, ['Frozen peas']);
    await s.shot('filtered by type and freezer');
    await page.getByLabel('Type', { exact: true }).selectOption({ label: 'All types' });
    await page.getByLabel('Freezer', { exact: true }).selectOption({ label: 'All freezers' });
    await page.getByLabel('Due within 30 days').check();
    await waitForRows(table, ['Baguettes']);
    await page.getByLabel('Due within 30 days').uncheck();
    await page.getByLabel('Overdue only').check();
    await waitForRows(table, ['Old stew']);
    await page.getByLabel('Overdue only').uncheck();
    await waitForRows(table, ['Leek soup', 'Old stew', 'Baguettes', 'Frozen peas', 'Vanilla ice']);

    // Take some portions out, then undo.
    const vanilla = () => table.getByRole('row', { name: /Vanilla ice/ });
    await vanilla().getByRole('button', { name: 'Take out Vanilla ice' }).click();
    const takeOut = page.getByRole('dialog', { name: 'Take out “Vanilla ice”' });
    await takeOut.getByLabel('Some portions').check();
    await takeOut.getByLabel('Portions to take out').fill('2');
    await s.shot('take out some');
    await takeOut.getByRole('button', { name: 'Take out' }).click();
    await page.getByText('Took out 2 of “Vanilla ice”.').waitFor();
    await expect.poll(() => vanilla().getByRole('cell').nth(3).textContent()).toBe('4');
    await s.shot('some taken out');
    await page.getByRole('button', { name: 'Undo' }).click();
    await page.getByText('Take-out of “Vanilla ice” undone.').waitFor();
    await expect.poll(() => vanilla().getByRole('cell').nth(3).textContent()).toBe('6');
    expect(((await account.api.get('/api/v1/products?status=outside')).body as { total: number }).total).toBe(0);

    // Take the soup out entirely: gone from the list, in the history.
    await table.getByRole('row', { name: /Leek soup/ }).getByRole('button', { name: 'Take out Leek soup' }).click();
    const all = page.getByRole('dialog', { name: 'Take out “Leek soup”' });
    expect(await all.getByLabel('All 4 portions').isChecked()).toBe(true);
    await all.getByRole('button', { name: 'Take out' }).click();
    await page.getByText('Took out 4 of “Leek soup”.').waitFor();
    await waitForRows(table, ['Old stew', 'Baguettes', 'Frozen peas', 'Vanilla ice']);
    await page.getByLabel('Show').selectOption({ label: 'Taken out' });
    await waitForRows(table, ['Leek soup']);
    await table.getByRole('row', { name: /Leek soup/ }).getByText('Out', { exact: true }).waitFor();
    await s.shot('history');
    await page.getByLabel('Show').selectOption({ label: 'All' });
    await waitForRows(table, ['Leek soup', 'Old stew', 'Baguettes', 'Frozen peas', 'Vanilla ice']);
    await page.getByLabel('Show').selectOption({ label: 'Inside' });

    // Move: the chosen box's next free slot comes pre-filled; a used slot is refused with the server's reason.
    await table.getByRole('row', { name: /Vanilla ice/ }).getByRole('button', { name: 'Move Vanilla ice' }).click();
    const moveIce = page.getByRole('dialog', { name: 'Move “Vanilla ice”' });
    await moveIce.getByLabel('Slot').fill('2');
    await moveIce.getByRole('button', { name: 'Move' }).click();
    await moveIce.getByRole('alert').filter({ hasText: 'Slot 2 of box 1 is already used by another product inside.' }).waitFor();
    await s.shot('slot refused');
    await moveIce.getByRole('button', { name: 'Cancel' }).click();
    await table.getByRole('row', { name: /Old stew/ }).getByRole('button', { name: 'Move Old stew' }).click();
    const move = page.getByRole('dialog', { name: 'Move “Old stew”' });
    await move.getByLabel('Freezer').selectOption({ label: 'Cellar' });
    await expect.poll(() => move.getByLabel('Slot').inputValue()).toBe('2');
    await move.getByRole('button', { name: 'Move' }).click();
    await page.getByText('“Old stew” moved to Cellar, box 1, slot 2.').waitFor();
    await page.getByRole('article', { name: 'Cellar' }).getByRole('link', { name: 'Slot 2: Old stew (overdue)' }).waitFor();

    // The product's page: details, edit, its photos.
    await table.getByRole('link', { name: 'Baguettes' }).click();
    await page.getByRole('heading', { name: /^Baguettes/, level: 1 }).waitFor();
    await settle(page);
    await page.getByRole('heading', { name: 'Photos of this product' }).waitFor();
    await expectAccessible(page, 'product page');
    await page.getByRole('button', { name: 'Edit' }).click();
    await page.getByLabel('Name').fill('Baguette tradition');
    await page.getByLabel('Portions').fill('3');
    await s.shot('editing');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByText('Saved.').waitFor();
    await page.getByRole('heading', { name: /^Baguette tradition/, level: 1 }).waitFor();
    const row = (await account.api.get('/api/v1/products?q=tradition')).body as { items: Array<{ quantity: number; name: string }> };
    expect(row.items.map((p) => [p.name, p.quantity])).toEqual([['Baguette tradition', 3]]);
    await s.shot('edited');

    // French: labels, type names and the overdue badge follow the account's language.
    expect((await account.api.patch('/api/v1/me', { language: 'fr' })).status).toBe(200);
    await page.goto(e2e.url('/'));
    await page.getByRole('heading', { name: 'Tableau de bord', level: 1 }).waitFor();
    await settle(page);
    const produits = page.getByRole('table', { name: 'Produits' });
    await produits.getByRole('row', { name: /Vanilla ice/ }).getByText(ice.nameFr, { exact: true }).waitFor();
    await produits.getByRole('row', { name: /Old stew/ }).getByText('Dépassé').waitFor();
    await produits.getByRole('columnheader', { name: /À manger avant/ }).waitFor();
    await page.getByRole('article', { name: 'Garage' }).getByText('Tiroir 1', { exact: true }).waitFor();
    await expectAccessible(page, 'dashboard in French');
    await s.shot('french');
    await s.close();
  }, 180_000);

  it('shows the server’s problem for a missing product, a clear message for a bad address, and the offline state', async () => {
    const account = await signUp(e2e.server.url);
    const s = await e2e.open('errors and offline');
    const { page, context } = s;
    await openSession(context, e2e.server.url, account);

    await page.goto(e2e.url('/products/999999'));
    await page.getByRole('alert').filter({ hasText: 'No such product.' }).waitFor();
    await page.getByRole('button', { name: 'Try again' }).waitFor();
    await s.shot('missing product');
    await page.goto(e2e.url('/products/not-a-number'));
    await page.getByText('This address names no product.').waitFor();

    await openDashboard(page, e2e.url('/'));
    await context.setOffline(true);
    await page.getByRole('status').filter({ hasText: /^You are offline\./ }).waitFor();
    await page.getByLabel('Name').fill('Garage');
    await page.getByRole('button', { name: 'Create the freezer' }).click();
    await page.getByRole('alert').filter({ hasText: 'The server cannot be reached. Check the connection and try again.' }).waitFor();
    await expectAccessible(page, 'offline');
    await s.shot('offline');
    await context.setOffline(false);
    await expect.poll(() => page.getByText(/^You are offline\./).count()).toBe(0);
    await page.getByRole('button', { name: 'Create the freezer' }).click();
    await page.getByText('Freezer “Garage” created.').waitFor();
    await s.shot('back online');
    await s.close();
  }, 90_000);
});
