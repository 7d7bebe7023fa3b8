import fs from 'node:fs';
import path from 'node:path';
import { DATABASE_FILE, existingDataset, generateDataset, type Manifest } from '../dataset.js';
import type { BenchOptions } from './args.js';

/** The dataset of these options: reused when one with the same size, seed and schema exists, else generated. */
export async function ensureDataset(options: BenchOptions, say: (line: string) => void): Promise<{ dir: string; manifest: Manifest; reused: boolean }> {
  const dir = path.join(options.dataDir, `${options.users}u-${options.products}p-s${options.seed}`, 'pristine');
  const spec = { users: options.users, products: options.products, seed: options.seed };
  const existing = options.regenerate ? undefined : await existingDataset(dir, spec);
  if (existing) {
    say(`dataset: reusing ${dir} (generated in ${existing.seconds} s)`);
    return { dir, manifest: existing, reused: true };
  }
  say(`dataset: generating ${options.users.toLocaleString('en-US')} users × ${options.products.toLocaleString('en-US')} products into ${dir}`);
  const manifest = await generateDataset({ dataDir: dir, ...spec, log: say });
  say(`dataset: done in ${manifest.seconds} s (${manifest.counts.inside.toLocaleString('en-US')} products inside)`);
  return { dir, manifest, reused: false };
}

/** A fresh copy of the pristine database for one run (named `name` beside it): writes never change the cached dataset. */
export function runCopy(pristineDir: string, name = 'run'): string {
  const runDir = path.join(path.dirname(pristineDir), name);
  fs.rmSync(runDir, { recursive: true, force: true });
  fs.mkdirSync(runDir, { recursive: true });
  fs.copyFileSync(path.join(pristineDir, DATABASE_FILE), path.join(runDir, DATABASE_FILE));
  return runDir;
}

/**
 * Requests still in flight when a load stops keep the server busy for a while (32 general trends or
 * logins are seconds of work): wait until it has drained them, so the next measurement does not queue
 * behind them. /readyz runs `select 1` through the same database connection, behind every query
 * already waiting for it; two quick answers in a row mean the backlog is gone.
 */
export async function settle(url: string): Promise<void> {
  const deadline = Date.now() + 120_000;
  let quick = 0;
  while (quick < 2 && Date.now() < deadline) {
    const t = performance.now();
    try {
      const response = await fetch(`${url}/readyz`);
      await response.arrayBuffer();
    } catch {
      // the next try tells
    }
    quick = performance.now() - t < 50 ? quick + 1 : 0;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
