/** The main flow on a phone: a 390×844 touch screen with a mobile viewport (see main-flow.steps.ts). */
import { describe, it } from 'vitest';
import { PHONE, useE2E } from './harness/browser.js';
import { mainFlow } from './main-flow.steps.js';

describe('main flow, phone', () => {
  const e2e = useE2E();
  it('the same flow fits and works on a phone-sized touch screen', async () => {
    const s = await e2e.open('main flow on a phone', PHONE);
    await mainFlow(e2e, s);
    // Nothing is wider than the screen.
    const overflow = await s.page.evaluate(() => {
      const d = (globalThis as unknown as { document: { documentElement: { scrollWidth: number; clientWidth: number } } }).document.documentElement;
      return d.scrollWidth - d.clientWidth;
    });
    if (overflow > 0) throw new Error(`the page is ${overflow}px wider than the phone's screen`);
    await s.close();
  }, 180_000);
});
