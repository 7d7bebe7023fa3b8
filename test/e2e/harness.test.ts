/** The browser harness itself: real server, real Chromium, screenshots, axe, page-error capture. */
import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { expectAccessible, runAxe } from './harness/axe.js';
import { PHONE, useE2E } from './harness/browser.js';

describe('browser harness', () => {
  const e2e = useE2E();

  it('serves the built web app to Chromium and screenshots each step', async () => {
    const s = await e2e.open('serves the app');
    const response = await s.page.goto(e2e.url('/'));
    expect(response?.status()).toBe(200);
    expect(response?.headers()['content-type']).toMatch(/text\/html/);
    // The page is the web app's index.html: it loads a module script built by vite.
    expect(await s.page.locator('script[type="module"]').count()).toBeGreaterThan(0);
    const file = await s.shot('home');
    expect(file).toMatch(/screenshots\/harness\/serves-the-app\/01-home\.png$/);
    expect(fs.readFileSync(file).subarray(1, 4).toString()).toBe('PNG');
    await s.close();
  });

  it('fails on serious accessibility violations and passes a clean page', async () => {
    const s = await e2e.open('axe');
    await s.page.setContent('<!doctype html><html><body><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="><input type="text"></body></html>');
    const violations = await runAxe(s.page);
    expect(violations.map((v) => v.id)).toEqual(expect.arrayContaining(['image-alt', 'label']));
    await expect(expectAccessible(s.page, 'a bad page')).rejects.toThrow(/image-alt/);
    await s.page.setContent(
      '<!doctype html><html lang="en"><head><title>ok</title></head><body><main><h1>Fine</h1><label>Name <input type="text"></label></main></body></html>',
    );
    await expectAccessible(s.page, 'a clean page');
    await s.close();
  });

  it('reports uncaught page errors when the session closes', async () => {
    const s = await e2e.open('page errors', PHONE);
    await s.page.setContent('<!doctype html><html lang="en"><body><script>setTimeout(() => { throw new Error("boom in the page") })</script></body></html>');
    await s.page.waitForFunction(() => true);
    await expect.poll(() => s.errors.length).toBe(1);
    expect(s.errors[0]).toMatch(/boom in the page/);
    await expect(s.close()).rejects.toThrow(/errors in the page/);
    expect(await s.page.evaluate(() => 1).catch(() => 'closed')).toBe('closed');
  });

  it('gives a phone-sized touch viewport', async () => {
    const s = await e2e.open('phone', PHONE);
    await s.page.setContent('<!doctype html><html lang="en"><head><meta name="viewport" content="width=device-width"></head><body></body></html>');
    expect(await s.page.evaluate(() => ({ w: (globalThis as unknown as { innerWidth: number }).innerWidth, touch: (globalThis as unknown as { navigator: { maxTouchPoints: number } }).navigator.maxTouchPoints > 0 }))).toEqual({ w: 390, touch: true });
    await s.close();
  });
});
