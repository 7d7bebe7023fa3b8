/**
 * Browser tests of the account pages: register, log in and out, forgot/reset password through the
 * e-mailed link, the account page (language, password, API tokens and the "use the API" panel).
 */
import { describe, expect, it } from 'vitest';
import { client, request, uniqueEmail } from '../helpers.js';
import { expectAccessible } from './harness/axe.js';
import { useE2E } from './harness/browser.js';
import { openSession, settle, signUp } from './harness/flows.js';
import { latestMailTo, linkIn } from './harness/mail.js';

const PASSWORD = 'correct horse battery';

describe('account pages', () => {
  const e2e = useE2E();

  it('registers, logs out, is sent to log in for a private page, is refused a wrong password, logs in back to that page, stays logged in after a reload', async () => {
    const s = await e2e.open('register and log in');
    const { page } = s;
    const email = uniqueEmail('web-register');

    await page.goto(e2e.url('/register'));
    await page.getByRole('heading', { name: 'Create an account', level: 1 }).waitFor();
    await expectAccessible(page, 'register');
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await page.getByLabel('Password again').fill('something else');
    await page.getByText('The two passwords differ.').waitFor();
    expect(await page.getByRole('button', { name: 'Create the account' }).isDisabled()).toBe(true);
    await s.shot('passwords differ');
    await page.getByLabel('Password again').fill(PASSWORD);
    await page.getByRole('button', { name: 'Create the account' }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
    await settle(page);
    await s.shot('registered');

    // The same address again is refused with the server's reason.
    const again = await e2e.browser.newContext({ locale: 'en-US' });
    const other = await again.newPage();
    await other.goto(e2e.url('/register'));
    await other.getByLabel('E-mail').fill(email);
    await other.getByLabel('Password', { exact: true }).fill(PASSWORD);
    await other.getByLabel('Password again').fill(PASSWORD);
    await other.getByRole('button', { name: 'Create the account' }).click();
    const refusal = await other.getByRole('alert').textContent();
    expect(refusal).toMatch(/already/i);
    await again.close();

    // Log out: back to the login page; a private page asks to log in first.
    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Log in', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');
    expect((await s.context.request.get(e2e.url('/api/v1/sessions/current'))).status()).toBe(401);
    await page.goto(e2e.url('/account'));
    await page.getByRole('heading', { name: 'Log in', level: 1 }).waitFor();
    expect(new URL(page.url()).searchParams.get('next')).toBe('/account');
    await expectAccessible(page, 'login');

    // A wrong password: the server's detail.
    await page.getByLabel('E-mail').fill(email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('alert').filter({ hasText: 'The e-mail address or the password is wrong.' }).waitFor();
    await s.shot('wrong password');
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/account');

    // A reload keeps the session, and writes still carry the session's CSRF token (read back from the server).
    await page.reload();
    await page.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
    await page.getByRole('textbox', { name: 'Name' }).fill('after reload');
    await page.getByRole('button', { name: 'Create the token' }).click();
    await page.getByRole('heading', { name: 'Your new token' }).waitFor();
    await s.shot('write after reload');
    await s.close();
  }, 90_000);

  it('resets a forgotten password through the link of the e-mail', async () => {
    const account = await signUp(e2e.server.url);
    const s = await e2e.open('forgot and reset password');
    const { page } = s;

    await page.goto(e2e.url('/login'));
    await page.getByRole('link', { name: 'Forgot your password?' }).click();
    await page.getByRole('heading', { name: 'Forgot your password', level: 1 }).waitFor();
    await expectAccessible(page, 'forgot password');
    await page.getByLabel('E-mail').fill(account.email);
    await page.getByRole('button', { name: 'Send the link' }).click();
    await page.getByText(`If an account uses ${account.email}, a link to choose a new password is on its way.`, { exact: false }).waitFor();
    await s.shot('link sent');

    // The mail's link is PUBLIC_URL/reset-password#token=…: the server serves the app there.
    const link = new URL(linkIn(await latestMailTo(e2e.server.dataDir, account.email), e2e.server.config.publicUrl));
    expect(link.pathname).toBe('/reset-password');
    await page.goto(e2e.url(`${link.pathname}${link.hash}`));
    await page.getByRole('heading', { name: 'Choose a new password', level: 1 }).waitFor();
    await expectAccessible(page, 'reset password');
    const newPassword = 'a brand new password';
    await page.getByLabel('New password').fill(newPassword);
    await page.getByLabel('Password again').fill(newPassword);
    await s.shot('new password');
    await page.getByRole('button', { name: 'Set the password' }).click();
    await page.getByText('Your password is changed. Log in with it.').waitFor();
    expect(new URL(page.url()).pathname).toBe('/login');

    // The old password no longer opens a session; the new one does, in the browser.
    expect((await request(e2e.server.url, 'POST', '/api/v1/sessions', { body: { email: account.email, password: account.password } })).status).toBe(401);
    await page.getByLabel('E-mail').fill(account.email);
    await page.getByLabel('Password').fill(newPassword);
    await page.getByRole('button', { name: 'Log in' }).click();
    await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();

    // The link works once: used again, the server's refusal is shown.
    await page.goto(e2e.url(`${link.pathname}${link.hash}`));
    await page.getByLabel('New password').fill('yet another password');
    await page.getByLabel('Password again').fill('yet another password');
    await page.getByRole('button', { name: 'Set the password' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByRole('alert').textContent()).not.toBe('');
    await s.shot('link used twice');

    // A link without its token says so.
    await page.goto(e2e.url('/reset-password'));
    await page.getByText('This link is incomplete. Ask for a new one.').waitFor();
    await s.close();
  }, 90_000);

  it('account page: changes the password, creates a read-only token (shown once, copied), uses and revokes it, and switches the whole UI to French', async () => {
    const account = await signUp(e2e.server.url);
    const s = await e2e.open('account page');
    const { page, context } = s;
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: e2e.server.url });
    await openSession(context, e2e.server.url, account);
    await page.goto(e2e.url('/account'));
    await page.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
    await settle(page);
    await page.getByText(account.email).waitFor();
    await expectAccessible(page, 'account');
    await s.shot('account');

    // Password: a wrong current one is refused with the server's reason; then changed.
    const passwordForm = page.getByRole('region', { name: 'Change the password' });
    await passwordForm.getByLabel('Current password').fill('wrong password');
    await passwordForm.getByLabel('New password').fill('my second password');
    await passwordForm.getByLabel('Password again').fill('my second password');
    await passwordForm.getByRole('button', { name: 'Change the password' }).click();
    await passwordForm.getByRole('alert').filter({ hasText: 'The current password is wrong.' }).waitFor();
    await passwordForm.getByLabel('Current password').fill(account.password);
    await passwordForm.getByRole('button', { name: 'Change the password' }).click();
    await passwordForm.getByText('Password changed.').waitFor();
    expect((await request(e2e.server.url, 'POST', '/api/v1/sessions', { body: { email: account.email, password: 'my second password' } })).status).toBe(201);

    // A read-only token with an expiry date.
    const tokens = page.getByRole('region', { name: 'API tokens' });
    await tokens.getByRole('textbox', { name: 'Name' }).fill('kitchen pi');
    await tokens.getByLabel('Access').selectOption({ label: 'Read only' });
    const nextYear = `${new Date().getFullYear() + 1}-06-30`;
    await tokens.getByLabel('Expires on').fill(nextYear);
    await tokens.getByRole('button', { name: 'Create the token' }).click();
    const fresh = page.getByRole('region', { name: 'Your new token' });
    await fresh.waitFor();
    const secret = await fresh.getByRole('textbox').inputValue();
    expect(secret).toMatch(/^fm_[A-Za-z0-9_-]{43}$/);
    await fresh.getByRole('button', { name: 'Copy: Token' }).click();
    await fresh.getByText('Copied to the clipboard.').waitFor();
    // In the page (these tests have no DOM types): the clipboard holds the secret.
    expect(await page.evaluate(() => (globalThis as unknown as { navigator: { clipboard: { readText(): Promise<string> } } }).navigator.clipboard.readText())).toBe(secret);

    // The "use the API" panel: a curl example with the new token, and the docs.
    const panel = page.getByRole('region', { name: 'Use the API' });
    const curl = (await panel.getByRole('figure', { name: 'curl' }).textContent()) ?? '';
    expect(curl).toContain(`Authorization: Bearer ${secret}`);
    expect(curl).toContain(`${e2e.server.url}/api/v1/freezers`);
    expect(await panel.getByRole('link', { name: 'Open the API documentation' }).getAttribute('href')).toBe('/docs');
    await s.shot('token created');

    // It works, read-only; the list shows it without its secret.
    const api = client(e2e.server.url, secret);
    expect((await api.get('/api/v1/freezers')).status).toBe(200);
    expect((await api.post('/api/v1/freezers', { name: 'x', boxCount: 1 })).status).toBe(403);
    const item = tokens.getByRole('listitem').filter({ hasText: 'kitchen pi' });
    await item.getByText('Read only').waitFor();
    expect(await item.textContent()).toContain(secret.slice(0, 8));
    expect(await item.textContent()).not.toContain(secret);
    // Shown once: after a reload the secret is gone from the page.
    await page.reload();
    await page.getByRole('heading', { name: 'Account', level: 1 }).waitFor();
    await tokens.getByRole('listitem').filter({ hasText: 'kitchen pi' }).waitFor();
    expect(await page.content()).not.toContain(secret);

    // Revoke it: refused from then on.
    await tokens.getByRole('button', { name: 'Revoke the token kitchen pi' }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke' });
    await confirm.getByText('Revoke the token “kitchen pi”?').waitFor();
    await expectAccessible(page, 'revoke dialog');
    await s.shot('revoke dialog');
    await confirm.getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('Token “kitchen pi” revoked.').waitFor();
    // The list reloads after the notice: wait for the row to leave (it times out, failing the test, if it stays).
    await tokens.getByRole('listitem').filter({ hasText: 'kitchen pi' }).waitFor({ state: 'detached', timeout: 10_000 });
    expect(await tokens.getByRole('listitem').filter({ hasText: 'kitchen pi' }).count()).toBe(0);
    expect((await api.get('/api/v1/freezers')).status).toBe(401);

    // French: the whole interface and the server's messages.
    await page.getByLabel('Language').selectOption({ label: 'Français' });
    await page.getByRole('heading', { name: 'Compte', level: 1 }).waitFor();
    await page.getByRole('navigation', { name: 'Principale' }).getByRole('link', { name: 'Tableau de bord' }).waitFor();
    expect(await page.locator('html').getAttribute('lang')).toBe('fr');
    const motDePasse = page.getByRole('region', { name: 'Changer le mot de passe' });
    await motDePasse.getByLabel('Mot de passe actuel').fill('faux');
    await motDePasse.getByLabel('Nouveau mot de passe').fill('un troisième mot de passe');
    await motDePasse.getByLabel('Mot de passe (encore)').fill('un troisième mot de passe');
    await motDePasse.getByRole('button', { name: 'Changer le mot de passe' }).click();
    await motDePasse.getByRole('alert').filter({ hasText: 'Le mot de passe actuel est incorrect.' }).waitFor();
    expect((await account.api.get('/api/v1/me')).body.language).toBe('fr');
    await expectAccessible(page, 'account in French');
    await s.shot('account in french');
    // A reload keeps French (the account's setting).
    await page.reload();
    await page.getByRole('heading', { name: 'Compte', level: 1 }).waitFor();
    await s.close();
  }, 90_000);
});
