/**
 * Photos in the browser beyond the main flow: drag-and-drop, a refusal per file in the user's language,
 * the timeline and its search, similar photos, delete, and what happens offline.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { client } from '../helpers.js';
import { useE2E } from './harness/browser.js';
import { openSession, settle, signUp, stockAccount, type Account } from './harness/flows.js';
import { jpeg, notAnImage, type FilePayload } from './harness/pictures.js';

/** The per-file size limit of this test server: the big picture below is over it, the others under. */
const MAX_FILE_BYTES = 200_000;

describe('photos', () => {
  const e2e = useE2E({ env: { PHOTO_MAX_FILE_BYTES: String(MAX_FILE_BYTES) } });
  let owner: Account;
  let stock: Awaited<ReturnType<typeof stockAccount>>;

  beforeAll(async () => {
    owner = await signUp(e2e.server.url, { language: 'fr' });
    stock = await stockAccount(e2e.server.url, owner);
  }, 60_000);

  /** Drops files on the drop zone the way a browser does: a drop event carrying a DataTransfer. */
  async function drop(page: import('playwright-core').Page, target: string, files: FilePayload[]) {
    const payload = files.map((f) => ({ name: f.name, type: f.mimeType, b64: f.buffer.toString('base64') }));
    const transfer = await page.evaluateHandle((items) => {
      const scope = globalThis as unknown as {
        DataTransfer: new () => { items: { add(file: unknown): void } };
        File: new (parts: unknown[], name: string, options: { type: string }) => unknown;
        atob(data: string): string;
      };
      const dt = new scope.DataTransfer();
      for (const item of items) {
        const binary = scope.atob(item.b64);
        const bytes = new Uint8Array(binary.length);
        for (let i = 0; i < binary.length; i += 1) bytes[i] = binary.charCodeAt(i);
        dt.items.add(new scope.File([bytes], item.name, { type: item.type }));
      }
      return dt;
    }, payload);
    await page.getByText(target).dispatchEvent('dragenter', { dataTransfer: transfer });
    await page.getByText(target).dispatchEvent('drop', { dataTransfer: transfer });
  }

  it('drag-and-drop: each file its own bar and answer, refusals explained in French', async () => {
    const s = await e2e.open('drag and drop in french');
    await openSession(s.context, e2e.server.url, owner);
    await s.page.goto(e2e.url(`/products/${stock.soupId}`));
    await settle(s.page);
    await s.page.getByText('Pas encore de photo de ce produit.').waitFor();
    await s.shot('product without photos');
    const big = await jpeg('grande.jpg', 7, 2400, 1800);
    expect(big.buffer.length).toBeGreaterThan(MAX_FILE_BYTES);
    const ok = await jpeg('bonne.jpg', 8);
    const same = await jpeg('bonne-petite.jpg', 8, 320, 240); // the same picture, smaller: "similar", not a duplicate
    const twice = { ...ok, name: 'bonne-encore.jpg' }; // the same bytes again: a duplicate
    await drop(s.page, 'Déposez des images ici, ou', [ok, big, notAnImage('liste.jpg'), same, twice]);
    await s.page.getByText('3 sur 5 envoyée(s)').waitFor({ timeout: 20_000 });
    await s.shot('dropped five files');
    const status = (name: string) => s.page.getByRole('listitem').filter({ hasText: name }).last().textContent();
    expect(await status('bonne.jpg')).toContain('Envoyée');
    expect(await status('bonne-encore.jpg')).toContain('Déjà là : vous aviez cette photo');
    expect(await status('grande.jpg')).toContain(`Refusée : Le fichier dépasse les ${MAX_FILE_BYTES} octets autorisés par fichier.`);
    expect(await status('liste.jpg')).toContain("Refusée : Ce fichier n'est pas une image acceptée ici");
    expect(await s.page.getByRole('alert').count()).toBe(2);
    // Two photos for the product (the duplicate is the first one again).
    await expect.poll(() => s.page.getByRole('button', { name: /^Voir bonne/ }).count()).toBe(2);
    const photos = (await client(e2e.server.url, owner.token).get(`/api/v1/products/${stock.soupId}/photos`)).body;
    expect(photos.items.map((p: { name: string }) => p.name).sort()).toEqual(['bonne-petite.jpg', 'bonne.jpg']);

    // Similar photos: the smaller copy of the same picture.
    await s.page.getByRole('button', { name: 'Voir bonne.jpg' }).click();
    const view = s.page.getByRole('dialog', { name: 'Photo : bonne.jpg' });
    await view.getByRole('button', { name: 'Chercher des photos semblables' }).click();
    const similar = view.getByRole('region', { name: 'Photos semblables' });
    await similar.getByRole('button', { name: 'Voir bonne-petite.jpg' }).waitFor();
    await s.shot('similar photos');
    // Following it shows that photo.
    await similar.getByRole('button', { name: 'Voir bonne-petite.jpg' }).click();
    await s.page.getByRole('dialog', { name: 'Photo : bonne-petite.jpg' }).waitFor();

    // Delete it, after a confirmation.
    const other = s.page.getByRole('dialog', { name: 'Photo : bonne-petite.jpg' });
    await other.getByRole('button', { name: 'Supprimer' }).click();
    await other.getByRole('group', { name: 'Supprimer définitivement cette photo ?' }).getByRole('button', { name: 'Supprimer' }).click();
    await expect.poll(() => s.page.getByRole('button', { name: /^Voir bonne/ }).count()).toBe(1);
    expect((await client(e2e.server.url, owner.token).get(`/api/v1/products/${stock.soupId}/photos`)).body.total).toBe(1);
    await s.shot('deleted one');
    await s.close();
  }, 120_000);

  it('the photos page: timeline, search by product name, no result', async () => {
    const s = await e2e.open('timeline and search');
    await openSession(s.context, e2e.server.url, owner);
    await s.page.goto(e2e.url('/photos'));
    await settle(s.page);
    await s.page.getByRole('button', { name: 'Voir bonne.jpg' }).waitFor();
    await s.page.getByRole('searchbox', { name: 'Chercher des photos' }).fill('leek');
    await s.page.getByRole('button', { name: 'Chercher', exact: true }).click();
    await s.page.getByRole('heading', { name: '1 photo(s) pour « leek »' }).waitFor();
    expect(new URL(s.page.url()).search).toBe('?q=leek');
    await s.shot('search');
    await s.page.getByRole('searchbox', { name: 'Chercher des photos' }).fill('zzzunknown');
    await s.page.getByRole('button', { name: 'Chercher', exact: true }).click();
    await s.page.getByText('Aucune photo ne correspond à « zzzunknown ».').waitFor();
    expect(await s.page.getByRole('button', { name: /^Voir / }).count()).toBe(0);
    await s.shot('no result');
    await s.page.getByRole('button', { name: 'Effacer' }).click();
    await s.page.getByRole('button', { name: 'Voir bonne.jpg' }).waitFor();
    await s.close();
  }, 120_000);

  it('offline: the banner shows, uploads wait for the connection, a failed request says the server cannot be reached', async () => {
    const s = await e2e.open('offline');
    const other = await signUp(e2e.server.url);
    await openSession(s.context, e2e.server.url, other);
    await s.page.goto(e2e.url('/photos'));
    await settle(s.page);
    await s.context.setOffline(true);
    await s.page.getByRole('status').filter({ hasText: 'You are offline' }).waitFor();
    expect(await s.page.getByRole('button', { name: 'Choose files' }).isDisabled()).toBe(true);
    expect(await s.page.getByRole('button', { name: 'Take a photo' }).isDisabled()).toBe(true);
    // A request made while offline fails with the app's own message.
    await s.page.getByRole('searchbox', { name: 'Search photos' }).fill('soup');
    await s.page.getByRole('button', { name: 'Search', exact: true }).click();
    await s.page.getByRole('alert').filter({ hasText: 'The server cannot be reached. Check the connection and try again.' }).waitFor();
    await s.shot('offline');
    await s.context.setOffline(false);
    await s.page.getByRole('button', { name: 'Try again' }).click();
    await s.page.getByText('No photo matches “soup”.').waitFor();
    expect(await s.page.getByRole('button', { name: 'Choose files' }).isDisabled()).toBe(false);
    await s.shot('back online');
    await s.close();
  }, 120_000);
});
