/**
 * Steps shared by the browser tests: accounts made over the API, a session opened in a browser context
 * without going through the login form (tests of the login form itself use the form), and waiting for a
 * page to finish loading.
 */
import type { BrowserContext, Page } from 'playwright-core';
import { expect } from 'vitest';
import { client, signUp } from '../../helpers.js';

export type Account = Awaited<ReturnType<typeof signUp>>;

/** Logs the context in with the account's password (the session cookie then rides on every page). */
export async function openSession(context: BrowserContext, base: string, account: { email: string; password: string }): Promise<void> {
  const response = await context.request.post(new URL('/api/v1/sessions', base).toString(), { data: { email: account.email, password: account.password } });
  expect(response.status(), await response.text()).toBe(201);
}

/** Waits until the page shows its heading and no loading indicator ("Loading…" / "Chargement…"). */
export async function settle(page: Page): Promise<void> {
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  await expect.poll(() => page.getByRole('status').filter({ hasText: /^(Loading…|Chargement…)$/ }).count(), { timeout: 10_000 }).toBe(0);
}

/** A freezer with a product inside, one taken out and a photo, over the API: pages have something to show. */
export async function stockAccount(base: string, account: Account, pictures: Buffer[] = []) {
  const api = client(base, account.token);
  const types = (await api.get('/api/v1/types')).body as Array<{ id: number; nameEn: string }>;
  const freezer = (await api.post('/api/v1/freezers', { name: 'Garage', boxCount: 3 })).body as { id: number };
  const soup = (await api.post('/api/v1/products', { name: 'Leek soup', typeId: types[0]!.id, freezerId: freezer.id, box: 1, quantity: 4 })).body as { id: number };
  const bread = (await api.post('/api/v1/products', { name: 'Rye bread', typeId: types[types.length - 1]!.id, freezerId: freezer.id, box: 2, quantity: 1 })).body as { id: number };
  expect((await api.post(`/api/v1/products/${bread.id}/take-out`)).status).toBe(200);
  const photoIds: number[] = [];
  for (const [i, data] of pictures.entries()) {
    const form = new FormData();
    form.append('product_id', String(soup.id));
    form.append('file', new Blob([data], { type: 'image/jpeg' }), `soup-${i}.jpg`);
    const response = await fetch(new URL('/api/v1/photos', base), { method: 'POST', headers: { authorization: `Bearer ${account.token}` }, body: form });
    expect(response.status).toBe(201);
    photoIds.push(((await response.json()) as Array<{ id: number }>)[0]!.id);
  }
  return { freezerId: freezer.id, soupId: soup.id, breadId: bread.id, photoIds };
}

export { signUp };
