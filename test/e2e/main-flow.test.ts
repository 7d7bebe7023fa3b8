/** The main flow in a desktop browser (see main-flow.steps.ts). */
import { describe, it } from 'vitest';
import { useE2E } from './harness/browser.js';
import { mainFlow } from './main-flow.steps.js';

describe('main flow, desktop', () => {
  const e2e = useE2E();
  it('register, freezer, two products, three photos, take-out, history, trends, French, log out', async () => {
    const s = await e2e.open('main flow', { viewport: { width: 1280, height: 900 } });
    await mainFlow(e2e, s);
    await s.close();
  }, 180_000);
});
