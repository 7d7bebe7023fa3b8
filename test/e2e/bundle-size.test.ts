/**
 * The web app's build: no warning, and the JavaScript the first page loads (the entry script and every
 * modulepreload of index.html), gzip-compressed, stays under 200 KB. Built into a temporary folder, so
 * what is measured is what the current sources give.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { brotliDecompressSync, gunzipSync, gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { viteBuild } from './harness/build.js';

const BUDGET = 200 * 1024;

/** The scripts index.html makes the browser fetch before the first page shows. */
export function firstPageScripts(html: string): string[] {
  const urls = new Set<string>();
  for (const tag of html.match(/<script\b[^>]*>/g) ?? []) {
    const src = /\bsrc="([^"]+)"/.exec(tag)?.[1];
    if (src) urls.add(src);
  }
  for (const tag of html.match(/<link\b[^>]*>/g) ?? []) {
    if (!/\brel="modulepreload"/.test(tag)) continue;
    const href = /\bhref="([^"]+)"/.exec(tag)?.[1];
    if (href) urls.add(href);
  }
  return [...urls];
}

describe('web app build', () => {
  let outDir = '';
  let printed = { stdout: '', stderr: '' };

  beforeAll(() => {
    outDir = fs.mkdtempSync(path.join(process.env.FM_TEST_TMP_DIR ?? os.tmpdir(), 'fm-web-build-'));
    printed = viteBuild(outDir);
  }, 300_000);
  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

  it('emits no warning', () => {
    expect(printed.stderr.trim(), 'vite printed on stderr').toBe('');
    const warnings = printed.stdout.split('\n').filter((line) => /\(!\)|\bwarn(ing)?\b/i.test(line));
    expect(warnings).toEqual([]);
  });

  it('loads the first page with under 200 KB of compressed JavaScript', () => {
    const html = fs.readFileSync(path.join(outDir, 'index.html'), 'utf8');
    const scripts = firstPageScripts(html);
    expect(scripts.length).toBeGreaterThan(0);
    let total = 0;
    const sizes: string[] = [];
    for (const url of scripts) {
      expect(url, 'first-page scripts are served by the app itself').toMatch(/^\/[^/]/);
      const file = path.join(outDir, url.replace(/^\//, ''));
      const gzipped = gzipSync(fs.readFileSync(file), { level: 9 }).length;
      total += gzipped;
      sizes.push(`${url}: ${(gzipped / 1024).toFixed(1)} KB`);
    }
    console.log(`first page JavaScript, gzip: ${(total / 1024).toFixed(1)} KB\n  ${sizes.join('\n  ')}`);
    expect(total).toBeLessThan(BUDGET);
  });

  it('writes a brotli and a gzip copy of every script, style sheet and SVG of 1 KB and more, and of nothing else', () => {
    const assets = path.join(outDir, 'assets');
    const names = fs.readdirSync(assets);
    const originals = names.filter((name) => !/\.(br|gz)$/.test(name));
    let compressed = 0;
    for (const name of originals) {
      const bytes = fs.readFileSync(path.join(assets, name));
      const copies = /\.(js|css|svg)$/.test(name) && bytes.length >= 1024;
      expect(names.includes(`${name}.br`), `${name}.br`).toBe(copies);
      expect(names.includes(`${name}.gz`), `${name}.gz`).toBe(copies);
      if (!copies) continue;
      compressed += 1;
      expect(brotliDecompressSync(fs.readFileSync(path.join(assets, `${name}.br`))).equals(bytes), `${name}.br`).toBe(true);
      expect(gunzipSync(fs.readFileSync(path.join(assets, `${name}.gz`))).equals(bytes), `${name}.gz`).toBe(true);
    }
    expect(compressed, 'the entry script at least').toBeGreaterThan(0);
    expect(names.filter((name) => /\.(br|gz)$/.test(name))).toHaveLength(compressed * 2);
  });

  it('keeps Chart.js out of the first page (it loads with the trends page)', () => {
    const html = fs.readFileSync(path.join(outDir, 'index.html'), 'utf8');
    const firstPage = new Set(firstPageScripts(html).map((url) => path.basename(url)));
    // A message of Chart.js's own that survives minification.
    const marker = 'Canvas is already in use';
    const assets = path.join(outDir, 'assets');
    const chartChunks = fs.readdirSync(assets).filter((name) => name.endsWith('.js') && fs.readFileSync(path.join(assets, name), 'utf8').includes(marker));
    expect(chartChunks.length, 'a chunk holds Chart.js').toBeGreaterThan(0);
    for (const name of chartChunks) expect(firstPage.has(name), `${name} is loaded by the first page`).toBe(false);
  });
});
