import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WEB_APP_ROUTES } from '../../src/app.js';
import { latestMailTo, linkIn } from '../e2e/harness/mail.js';
import { rawGet, startServer, type TestServer } from '../helpers.js';

const INDEX = '<!doctype html><html><head><script type="module" src="/assets/index-abc123.js"></script></head><body><div id="root"></div></body></html>';

const LARGE_ASSET = 'trends-def456.js';
const LARGE_SCRIPT = Buffer.from(Array.from({ length: 200 }, (_, i) => `export const chart${i} = () => "a chart of what was eaten, ${i}";`).join('\n'));

/** A stand-in for dist/web with the shape Vite writes: index.html, hashed assets, a root file from public/. */
function fakeBuild(): string {
  const dir = fs.mkdtempSync(path.join(process.env.FM_TEST_TMP_DIR ?? os.tmpdir(), 'fm-web-'));
  fs.mkdirSync(path.join(dir, 'assets'));
  fs.writeFileSync(path.join(dir, 'index.html'), INDEX);
  fs.writeFileSync(path.join(dir, 'assets', 'index-abc123.js'), 'console.log("app");');
  fs.writeFileSync(path.join(dir, 'assets', 'index-abc123.css'), 'body{margin:0}');
  fs.writeFileSync(path.join(dir, 'favicon.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  // A chunk of the size that gets compressed copies, and the copies the build writes next to it.
  fs.writeFileSync(path.join(dir, 'assets', LARGE_ASSET), LARGE_SCRIPT);
  fs.writeFileSync(path.join(dir, 'assets', `${LARGE_ASSET}.br`), brotliCompressSync(LARGE_SCRIPT));
  fs.writeFileSync(path.join(dir, 'assets', `${LARGE_ASSET}.gz`), gzipSync(LARGE_SCRIPT));
  return dir;
}

describe('serving the web app', () => {
  let server: TestServer;
  let webDir: string;

  beforeAll(async () => {
    webDir = fakeBuild();
    server = await startServer({ WEB_DIR: webDir });
  });
  afterAll(async () => {
    await server.close();
    fs.rmSync(webDir, { recursive: true, force: true });
  });

  it('answers index.html at / and at every client route, revalidated on each load', async () => {
    for (const url of ['/', '/login', '/register', '/forgot-password', '/reset-password', '/account', '/products/12', '/photos', '/photos/search', '/trends', '/admin', '/admin/users', '/login?next=%2Faccount']) {
      const response = await fetch(server.url + url);
      expect(response.status, url).toBe(200);
      expect(response.headers.get('content-type'), url).toMatch(/^text\/html/);
      expect(response.headers.get('cache-control'), url).toBe('no-cache');
      expect(await response.text(), url).toBe(INDEX);
    }
    const head = await fetch(`${server.url}/account`, { method: 'HEAD' });
    expect(head.status).toBe(200);
  });

  it('serves the password-reset link of the e-mails (PUBLIC_URL/reset-password#token=…) with the app', async () => {
    const email = `reset-${Date.now()}@example.com`;
    await fetch(`${server.url}/api/v1/users`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email, password: 'correct horse battery' }) });
    const asked = await fetch(`${server.url}/api/v1/password-resets`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ email }) });
    expect(asked.status).toBe(202);
    const link = new URL(linkIn(await latestMailTo(server.dataDir, email), server.config.publicUrl));
    expect(link.hash).toMatch(/^#token=/);
    const pathOnly = link.pathname;
    expect(pathOnly).toBe('/reset-password');
    const response = await fetch(server.url + pathOnly);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(INDEX);
  });

  it('serves hashed assets for a year and root files revalidated', async () => {
    const js = await fetch(`${server.url}/assets/index-abc123.js`);
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toMatch(/javascript/);
    expect(js.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await js.text()).toBe('console.log("app");');
    const css = await fetch(`${server.url}/assets/index-abc123.css`);
    expect(css.headers.get('content-type')).toMatch(/^text\/css/);
    const icon = await fetch(`${server.url}/favicon.svg`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('cache-control')).toBe('no-cache');
  });

  it('sends the build’s brotli or gzip copy of an asset to a browser that takes it, the file itself to others', async () => {
    const url = `/assets/${LARGE_ASSET}`;
    const cases: Array<[string | undefined, string | undefined, (bytes: Buffer) => Buffer]> = [
      ['gzip, deflate, br, zstd', 'br', brotliDecompressSync],
      ['gzip, deflate', 'gzip', gunzipSync],
      [undefined, undefined, (bytes) => bytes],
      ['identity', undefined, (bytes) => bytes],
    ];
    for (const [acceptEncoding, coding, decode] of cases) {
      const answer = await rawGet(server.url, url, acceptEncoding === undefined ? {} : { 'accept-encoding': acceptEncoding });
      expect(answer.status, acceptEncoding).toBe(200);
      expect(answer.headers['content-encoding'], acceptEncoding).toBe(coding);
      expect(answer.headers['content-type'], acceptEncoding).toMatch(/javascript/);
      expect(answer.headers['cache-control'], acceptEncoding).toBe('public, max-age=31536000, immutable');
      expect(answer.headers.vary, acceptEncoding).toMatch(/accept-encoding/i);
      expect(decode(answer.bytes).equals(LARGE_SCRIPT), acceptEncoding).toBe(true);
      if (coding) expect(answer.bytes.length, acceptEncoding).toBeLessThan(LARGE_SCRIPT.length / 4);
    }
    // The copies are not paths of their own.
    for (const copy of [`${url}.br`, `${url}.gz`]) expect((await rawGet(server.url, copy, {})).status, copy).toBe(404);
    // A file without copies goes as it is, whatever the browser takes.
    const small = await rawGet(server.url, '/assets/index-abc123.js', { 'accept-encoding': 'gzip, br' });
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(small.bytes.toString('utf8')).toBe('console.log("app");');
  });

  it('never answers the app for the API, the docs, the seed API, the probes or a missing file', async () => {
    const apiMissing = await fetch(`${server.url}/api/v1/no-such-route`);
    expect(apiMissing.status).toBe(404);
    expect(apiMissing.headers.get('content-type')).toMatch(/^application\/problem\+json/);
    const apiAuth = await fetch(`${server.url}/api/v1/freezers`);
    expect(apiAuth.status).toBe(401);
    const openapi = await fetch(`${server.url}/openapi.json`);
    expect(openapi.headers.get('content-type')).toMatch(/^application\/json/);
    const docs = await fetch(`${server.url}/docs`);
    expect(await docs.text()).not.toBe(INDEX);
    const health = await fetch(`${server.url}/healthz`);
    expect(await health.json()).toEqual({ status: 'ok' });
    const seed = await fetch(`${server.url}/freezers/not-a-token`);
    expect(seed.headers.get('content-type')).toMatch(/json/);
    expect(await seed.text()).not.toBe(INDEX);
    for (const url of ['/assets/missing-123.js', '/no-such-page', '/products', '/login/extra']) {
      const response = await fetch(server.url + url);
      expect(response.status, url).toBe(404);
      expect(response.headers.get('content-type'), url).toMatch(/^application\/problem\+json/);
    }
    const post = await fetch(`${server.url}/login`, { method: 'POST' });
    expect(post.status).toBe(405);
  });

  it('sends a Content-Security-Policy that allows the app’s own scripts only (no inline script)', async () => {
    const response = await fetch(`${server.url}/`);
    const csp = response.headers.get('content-security-policy') ?? '';
    const directive = (name: string) => csp.split(';').map((d) => d.trim()).find((d) => d.startsWith(`${name} `)) ?? '';
    expect(directive('script-src')).toBe("script-src 'self'");
    expect(directive('default-src')).toBe("default-src 'self'");
    expect(directive('img-src')).toContain('blob:');
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('the server’s list of client routes matches the app’s router (web/src/App.tsx)', () => {
    const app = fs.readFileSync(new URL('../../web/src/App.tsx', import.meta.url), 'utf8');
    const clientPaths = [...app.matchAll(/\{ path: '([^']+)', page:/g)].map((m) => m[1]!.replace(/:\w+/g, '*').replace(/\/\*\/\*$/, '/*'));
    expect(clientPaths.length).toBeGreaterThan(5);
    expect([...new Set(clientPaths)].sort()).toEqual([...WEB_APP_ROUTES].sort());
  });
});

describe('without a built web app', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer({ WEB_DIR: path.join(os.tmpdir(), `fm-no-web-${process.pid}-${Date.now()}`) });
  });
  afterAll(async () => server.close());

  it('/ keeps the small page that points to the API, and client routes are 404', async () => {
    const home = await fetch(`${server.url}/`);
    expect(home.status).toBe(200);
    const text = await home.text();
    expect(text).toContain('href="/docs"');
    expect(text).toContain('Freezer Manager');
    const login = await fetch(`${server.url}/login`);
    expect(login.status).toBe(404);
  });
});
