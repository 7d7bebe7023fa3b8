/**
 * The main flow of the web app, as a household goes through it, shared by the desktop run
 * (main-flow.test.ts) and the phone run (phone.test.ts): register → create a freezer → add two products →
 * upload three photos with progress → take one out → see it in the history and in the trends chart →
 * switch to French and see French labels and French type names → log out. A screenshot of every step.
 */
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { uniqueEmail } from '../helpers.js';
import type { E2E, PageSession } from './harness/browser.js';
import { settle } from './harness/flows.js';
import { jpeg } from './harness/pictures.js';

/** Upload speed while the photos go up, so that the progress bars have time to move (bytes/s). */
const SLOW_UPLOAD = 400 * 1024;

/** Follows a link of the main navigation (the same on a phone: the header wraps, nothing hides). */
async function goTo(page: Page, name: string | RegExp) {
  await page.getByRole('navigation', { name: /^(Main|Principale)$/ }).getByRole('link', { name }).click();
  await settle(page);
}

export async function mainFlow(e2e: E2E, s: PageSession): Promise<void> {
  const { page } = s;
  const email = uniqueEmail('flow');
  const password = 'a freezer full of soup';

  // Register.
  await page.goto(e2e.url('/'));
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await s.shot('login page');
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByRole('heading', { name: 'Create an account' }).waitFor();
  await page.getByLabel('E-mail').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByLabel('Password again').fill(password);
  await s.shot('register filled in');
  await page.getByRole('button', { name: 'Create the account' }).click();
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
  await settle(page);
  await page.getByRole('heading', { name: 'Create your first freezer' }).waitFor();
  await s.shot('first run');

  // Create a freezer.
  await page.getByLabel('Name').fill('Kitchen');
  await page.getByLabel('Number of boxes').fill('4');
  await page.getByRole('button', { name: 'Create the freezer' }).click();
  await page.getByText('Freezer “Kitchen” created.').waitFor();
  await s.shot('freezer created');

  // Add two products: the type's period comes pre-filled, the slot is the box's next free one.
  const addProduct = async (name: string, type: string, box: string, portions: string, period: string) => {
    await page.getByRole('button', { name: 'Add a product' }).first().click();
    const dialog = page.getByRole('dialog', { name: 'Put a product in' });
    await dialog.getByLabel('Name').fill(name);
    await dialog.getByLabel('Type').selectOption({ label: type });
    await expect.poll(() => dialog.getByLabel('Keep for (months)').inputValue()).toBe(period);
    await dialog.getByLabel('Box').selectOption(box);
    await dialog.getByLabel('Portions').fill(portions);
    await s.shot(`adding ${name}`);
    await dialog.getByRole('button', { name: 'Put it in' }).click();
    await page.getByText(`“${name}” put in Kitchen, box ${box}, slot 1.`).waitFor();
  };
  // The type list as the server has it (through the browser's session).
  const types = (await (await s.context.request.get(e2e.url('/api/v1/types'))).json()) as Array<{ nameEn: string; nameFr: string; periodMonths: number }>;
  const soup = types.find((t) => t.nameEn === 'soup')!;
  const curry = types.find((t) => t.nameEn === 'homemade prepared dish (meat)')!;
  await addProduct('Leek soup', soup.nameEn, '1', '4', String(soup.periodMonths));
  await addProduct('Chicken curry', curry.nameEn, '2', '2', String(curry.periodMonths));
  const products = page.getByRole('table', { name: 'Products' });
  await products.getByRole('row', { name: /Leek soup/ }).waitFor();
  await products.getByRole('row', { name: /Chicken curry/ }).waitFor();
  await s.shot('two products inside');

  // Upload three photos of the soup, watching the progress bars move (the upload is slowed down).
  await products.getByRole('row', { name: /Leek soup/ }).getByRole('link', { name: /Leek soup/ }).first().click();
  await page.getByRole('heading', { name: 'Photos of this product' }).waitFor();
  await settle(page);
  const cdp = await s.context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 20, downloadThroughput: -1, uploadThroughput: SLOW_UPLOAD });
  const files = [await jpeg('soup-pot.jpg', 11, 1600, 1200), await jpeg('soup-bag.jpg', 12, 1600, 1200), await jpeg('soup-label.jpg', 13, 1600, 1200)];
  const chooser = page.waitForEvent('filechooser');
  await page.getByRole('button', { name: 'Choose files' }).click();
  await (await chooser).setFiles(files);
  // A bar part-way: the browser reports the bytes sent as they go.
  await page.getByText(/^Uploading, ([1-9]|[1-9][0-9]) %$/).first().waitFor({ timeout: 20_000 });
  await s.shot('uploading with progress');
  await page.getByText('3 of 3 uploaded').waitFor({ timeout: 30_000 });
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
  for (const file of files) {
    const bar = page.getByRole('progressbar', { name: `Upload of ${file.name}` });
    expect(await bar.getAttribute('value')).toBe('100');
  }
  expect(await page.getByText('Uploaded', { exact: true }).count()).toBe(3);
  await expect.poll(() => page.getByRole('button', { name: /^View soup-/ }).count()).toBe(3);
  await s.shot('three photos uploaded');

  // Open one, make it the cover.
  await page.getByRole('button', { name: 'View soup-bag.jpg' }).click();
  const view = page.getByRole('dialog', { name: 'Photo: soup-bag.jpg' });
  await view.getByRole('img', { name: 'soup-bag.jpg' }).waitFor();
  await view.getByRole('button', { name: 'Set as cover' }).click();
  await view.getByText('Cover photo chosen.').waitFor();
  await s.shot('photo full view, cover chosen');
  await page.keyboard.press('Escape');
  // The cover comes first in the product's gallery.
  await expect.poll(() => page.getByRole('button', { name: /^View soup-/ }).first().getAttribute('aria-label')).toBe('View soup-bag.jpg');

  // Take the curry out.
  await goTo(page, 'Dashboard');
  await products.getByRole('button', { name: 'Take out Chicken curry' }).click();
  const takeOut = page.getByRole('dialog', { name: 'Take out “Chicken curry”' });
  await s.shot('taking out');
  await takeOut.getByRole('button', { name: 'Take out' }).click();
  await page.getByText('Took out 2 of “Chicken curry”.').waitFor();
  await expect.poll(() => products.getByRole('row', { name: /Chicken curry/ }).count()).toBe(0);
  await s.shot('taken out');

  // The history.
  await page.getByLabel('Show').selectOption({ label: 'Taken out' });
  await products.getByRole('row', { name: /Chicken curry/ }).waitFor();
  expect(await products.getByRole('row', { name: /Leek soup/ }).count()).toBe(0);
  await s.shot('history');

  // The trends chart: the curry's type is in the personal tendency, its two portions in this month's consumption.
  await goTo(page, 'Trends');
  const personal = page.getByRole('img', { name: /^Your tendency: / });
  await personal.waitFor();
  expect(await personal.getAttribute('aria-label')).toContain(`${curry.nameEn} 1`);
  const consumption = await page.getByRole('img', { name: /^Consumption over time: / }).getAttribute('aria-label');
  const thisMonth = new Intl.DateTimeFormat('en-GB', { month: 'short', year: 'numeric', timeZone: 'UTC' }).format(new Date());
  expect(consumption).toContain(`${thisMonth} 2`);
  await s.shot('trends');

  // French: the account's language.
  await goTo(page, 'Account');
  await page.getByLabel('Language').selectOption({ label: 'Français' });
  await page.getByRole('navigation', { name: 'Principale' }).getByRole('link', { name: 'Tableau de bord' }).waitFor();
  await s.shot('account in french');
  await goTo(page, 'Tableau de bord');
  const produits = page.getByRole('table', { name: 'Produits' });
  await produits.getByRole('row', { name: /Leek soup/ }).waitFor();
  expect(await produits.getByRole('row', { name: /Leek soup/ }).textContent()).toContain(soup.nameFr);
  await page.getByRole('heading', { name: 'Tableau de bord', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Ajouter un produit' }).first().waitFor();
  await produits.getByRole('columnheader', { name: /Nom/ }).waitFor();
  await s.shot('dashboard in french');
  await goTo(page, 'Tendances');
  const tendance = await page.getByRole('img', { name: /^Votre tendance : / }).getAttribute('aria-label');
  expect(tendance).toContain(`${curry.nameFr} 1`);
  await s.shot('trends in french');

  // Log out.
  await page.getByRole('button', { name: 'Se déconnecter' }).click();
  await page.getByRole('heading', { name: 'Connexion' }).waitFor();
  await s.shot('logged out');
  await page.goto(e2e.url('/trends'));
  await page.getByRole('heading', { name: 'Connexion' }).waitFor();
  expect(new URL(page.url()).pathname).toBe('/login');
}
