/**
 * Browser tests: a real test server serving the built web app, Debian's Chromium driven by playwright-core,
 * one browser per test file and a fresh context (cookies, storage) per page session.
 *
 *   const e2e = useE2E();                       // in a describe or at the top of a test file
 *   it('registers', async () => {
 *     const s = await e2e.open('register');     // a new context and page, screenshots under test-results/
 *     await s.page.goto(e2e.url('/'));
 *     await s.shot('home');                     // test-results/screenshots/<file>/<test>/01-home.png
 *     await expectAccessible(s.page, 'home');
 *     await s.close();                          // fails the test if the page threw
 *   });
 */
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type BrowserContextOptions, type Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import { startServer, type TestServer } from '../../helpers.js';
import { ensureWebBuilt, ROOT } from './build.js';

export const CHROMIUM = '/usr/bin/chromium';
/** Every step's screenshot goes under this folder (gitignored; CI keeps it as an artifact). */
export const SCREENSHOT_DIR = path.join(ROOT, 'test-results', 'screenshots');

const LAUNCH_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--disable-dev-shm-usage',
];

/** A phone: the size of an iPhone 12–15, touch, mobile viewport rules. */
export const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
  userAgent:
    'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/156.0.0.0 Mobile Safari/537.36',
};

export function slug(text: string): string {
  return (
    text
      .normalize('NFKD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 80) || 'step'
  );
}

export interface PageSession {
  context: BrowserContext;
  page: Page;
  /** Where this session's screenshots go. */
  dir: string;
  /** A full-page screenshot named after the step, numbered in order. */
  shot(step: string): Promise<string>;
  /** Uncaught errors and console errors of the page so far. */
  errors: string[];
  /** Closes the context; fails when the page threw an uncaught error. */
  close(): Promise<void>;
}

export interface E2E {
  readonly server: TestServer;
  readonly browser: Browser;
  /** An absolute address on the test server. */
  url(pathname?: string): string;
  /** A new browser context and page; `name` names the screenshot folder (the test's name). */
  open(name: string, options?: BrowserContextOptions): Promise<PageSession>;
}

export interface E2EOptions {
  /** Extra environment for the test server (config variables). */
  env?: Record<string, string>;
  /** The screenshot folder of this file; defaults to the test file's name. */
  folder?: string;
}

function callerFile(): string {
  const stack = new Error().stack ?? '';
  const match = stack
    .split('\n')
    .map((line) => /\((?:file:\/\/)?(\/[^)]+?\.test\.ts):\d+:\d+\)|at (?:file:\/\/)?(\/\S+?\.test\.ts):\d+:\d+/.exec(line))
    .find((m) => m);
  const file = match?.[1] ?? match?.[2];
  return file ? path.basename(file).replace(/\.test\.ts$/, '') : 'e2e';
}

/** Registers beforeAll/afterAll: one server and one browser for the whole test file. */
export function useE2E(options: E2EOptions = {}): E2E {
  const folder = options.folder ?? callerFile();
  let server: TestServer | undefined;
  let browser: Browser | undefined;
  const sessions = new Set<PageSession>();

  beforeAll(async () => {
    if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does it)`);
    await ensureWebBuilt();
    server = await startServer(options.env);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: LAUNCH_ARGS });
  }, 300_000);

  // A failed test leaves a screenshot of each page still open, and what the pages threw, for the artifacts.
  afterEach(async (context) => {
    if (context.task.result?.state !== 'fail') return;
    for (const session of sessions) {
      await session.page.screenshot({ path: path.join(session.dir, 'failure.png'), fullPage: true }).catch(() => undefined);
      if (session.errors.length) fs.writeFileSync(path.join(session.dir, 'failure-page-errors.txt'), `${session.errors.join('\n')}\n`);
    }
  });

  afterAll(async () => {
    for (const session of sessions) await session.context.close().catch(() => undefined);
    await browser?.close();
    await server?.close();
  });

  const e2e: E2E = {
    get server() {
      if (!server) throw new Error('the e2e server is not started (use it inside a test)');
      return server;
    },
    get browser() {
      if (!browser) throw new Error('the browser is not started (use it inside a test)');
      return browser;
    },
    url(pathname = '/') {
      return new URL(pathname, e2e.server.url).toString();
    },
    async open(name, contextOptions = {}) {
      // bypassCSP lets the accessibility check inject axe-core; the app's own code runs under the real policy otherwise.
      const context = await e2e.browser.newContext({ locale: 'en-US', bypassCSP: true, ...contextOptions });
      context.setDefaultTimeout(10_000);
      const page = await context.newPage();
      const dir = path.join(SCREENSHOT_DIR, folder, slug(name));
      fs.rmSync(dir, { recursive: true, force: true });
      fs.mkdirSync(dir, { recursive: true });
      const errors: string[] = [];
      page.on('pageerror', (error) => errors.push(`uncaught: ${error.message}`));
      page.on('console', (message) => {
        // A refused request is reported by the browser as a console error; the app shows those itself.
        if (message.type() === 'error' && !/Failed to load resource/.test(message.text())) errors.push(`console: ${message.text()}`);
      });
      let step = 0;
      const session: PageSession = {
        context,
        page,
        dir,
        errors,
        async shot(stepName) {
          step += 1;
          const file = path.join(dir, `${String(step).padStart(2, '0')}-${slug(stepName)}.png`);
          await page.screenshot({ path: file, fullPage: true });
          return file;
        },
        async close() {
          sessions.delete(session);
          await context.close();
          expect(errors, 'errors in the page').toEqual([]);
        },
      };
      sessions.add(session);
      return session;
    },
  };
  return e2e;
}
