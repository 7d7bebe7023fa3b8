/**
 * The browser tests need the built web app (dist/web). It is built here when it is missing or older than
 * any file of web/ (or of the generated API client), once per run whatever the number of test workers:
 * a lock directory makes the other workers wait for the first one's build.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '../../..');
export const WEB_DIR = path.join(ROOT, 'web');
export const WEB_DIST = path.join(ROOT, 'dist', 'web');
export const VITE_CONFIG = path.join(WEB_DIR, 'vite.config.ts');

/** Newest modification time of the files under dir that go into the build (node_modules, dot-folders and notes skipped). */
function newestMtime(dir: string): number {
  let newest = 0;
  if (!fs.existsSync(dir)) return newest;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(full));
    else if (entry.isFile() && !entry.name.endsWith('.md')) newest = Math.max(newest, fs.statSync(full).mtimeMs);
  }
  return newest;
}

export function webBuildIsFresh(): boolean {
  const index = path.join(WEB_DIST, 'index.html');
  if (!fs.existsSync(index)) return false;
  return fs.statSync(index).mtimeMs >= newestMtime(WEB_DIR);
}

/** Runs `vite build` with the web app's config; returns what it printed. Throws when it fails. */
export function viteBuild(outDir = WEB_DIST): { stdout: string; stderr: string } {
  if (!fs.existsSync(VITE_CONFIG)) throw new Error(`no web app to build: ${path.relative(ROOT, VITE_CONFIG)} is missing`);
  const vite = path.join(ROOT, 'node_modules', '.bin', 'vite');
  const result = spawnSync(vite, ['build', '--config', VITE_CONFIG, '--outDir', outDir, '--emptyOutDir'], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1', FORCE_COLOR: '0' },
    maxBuffer: 64 * 1024 * 1024,
  });
  const stdout = result.stdout ?? '';
  const stderr = result.stderr ?? '';
  if (result.status !== 0) throw new Error(`vite build failed (exit ${result.status}${result.error ? `, ${result.error.message}` : ''}):\n${stdout}${stderr}`);
  return { stdout, stderr };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Builds dist/web unless it is up to date. Safe to call from every test file of every worker. */
export async function ensureWebBuilt(): Promise<void> {
  if (webBuildIsFresh()) return;
  const lock = path.join(ROOT, 'dist', '.web-build.lock');
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    try {
      fs.mkdirSync(lock);
      break;
    } catch {
      // Another worker builds; a lock older than 5 minutes is a leftover of a killed run.
      try {
        if (Date.now() - fs.statSync(lock).mtimeMs > 300_000) fs.rmSync(lock, { recursive: true, force: true });
      } catch {
        /* removed meanwhile */
      }
      await sleep(250);
    }
  }
  try {
    if (!webBuildIsFresh()) viteBuild();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}
