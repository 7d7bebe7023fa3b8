/** axe-core in the page: no serious or critical violation, or the test fails and prints them. */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { ROOT } from './build.js';

const AXE_SOURCE = fs.readFileSync(path.join(ROOT, 'node_modules', 'axe-core', 'axe.min.js'), 'utf8');

export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  helpUrl: string;
  nodes: Array<{ target: string[]; failureSummary?: string; html: string }>;
}

/** Runs axe on the page as it is now; returns every violation. */
export async function runAxe(page: Page): Promise<AxeViolation[]> {
  const present = await page.evaluate(() => typeof (globalThis as unknown as { axe?: unknown }).axe !== 'undefined');
  if (!present) await page.addScriptTag({ content: AXE_SOURCE });
  return page.evaluate(async () => {
    // In the page (this file has no DOM types): the page's document and the axe global injected above.
    const scope = globalThis as unknown as { document: unknown; axe: { run(context: unknown, options: object): Promise<{ violations: AxeViolation[] }> } };
    const result = await scope.axe.run(scope.document, { resultTypes: ['violations'], runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'] } });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      helpUrl: v.helpUrl,
      nodes: v.nodes.map((n) => ({ target: n.target.map(String), html: n.html.slice(0, 200), ...(n.failureSummary ? { failureSummary: n.failureSummary } : {}) })),
    }));
  });
}

export function formatViolations(violations: AxeViolation[]): string {
  return violations
    .map(
      (v) =>
        `[${v.impact}] ${v.id}: ${v.help} (${v.helpUrl})\n` +
        v.nodes
          .slice(0, 5)
          .map((n) => `    ${n.target.join(' ')}  ${n.html}\n      ${(n.failureSummary ?? '').replace(/\n/g, '\n      ')}`)
          .join('\n'),
    )
    .join('\n');
}

/** Fails when axe finds a serious or critical violation; prints the milder ones as a warning. */
export async function expectAccessible(page: Page, where: string): Promise<void> {
  const violations = await runAxe(page);
  const blocking = violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const minor = violations.filter((v) => !blocking.includes(v));
  if (minor.length) console.warn(`axe, ${where}: ${minor.length} minor finding(s)\n${formatViolations(minor)}`);
  if (blocking.length) throw new Error(`axe, ${where}: ${blocking.length} serious or critical violation(s)\n${formatViolations(blocking)}`);
}
