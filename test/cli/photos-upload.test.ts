import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { photosCommand } from '../../src/cli/photos-upload.js';
import { signUp, startServer, type TestServer } from '../helpers.js';
import { jpeg, png, webp } from '../photos/photo-helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const tmp = fs.mkdtempSync(path.join(process.env.FM_TEST_TMP_DIR ?? os.tmpdir(), 'fm-cli-photos-'));
let server: TestServer;

beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => {
  await server?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** Runs `freezer-manager ARGS` from the sources (stdout and stderr are pipes: no progress bar, "batch k/n" lines). */
function cli(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      path.join(root, 'node_modules/.bin/vite-node'),
      [path.join(root, 'src/cli/index.ts'), ...args],
      { cwd: root, env: { ...process.env, LOG_LEVEL: 'warn', ...env }, timeout: 30_000 },
      (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    );
  });
}

describe('freezer-manager photos upload', { timeout: 60_000 }, () => {
  it('uploads a folder in batches and sums up uploaded, duplicates and refused files; exit 1 for the refused one', async () => {
    const user = await signUp(server.url);
    const dir = path.join(tmp, 'holiday');
    fs.mkdirSync(path.join(dir, 'nested'), { recursive: true });
    const first = await jpeg(11);
    // By name order: a.jpg, b.png, crème.webp | d-again.jpg (same bytes as a.jpg, in another request) | notes.jpg
    fs.writeFileSync(path.join(dir, 'a.jpg'), first);
    fs.writeFileSync(path.join(dir, 'b.png'), await png(12));
    fs.writeFileSync(path.join(dir, 'crème.webp'), await webp(13));
    fs.writeFileSync(path.join(dir, 'd-again.jpg'), first);
    fs.writeFileSync(path.join(dir, 'notes.jpg'), 'leftover soup, 3 portions, not a picture at all\n'.repeat(4));
    // Never sent: a dot-file, a sub-folder's file, a file not named as an image.
    fs.writeFileSync(path.join(dir, '.hidden.jpg'), await jpeg(14));
    fs.writeFileSync(path.join(dir, 'nested', 'inner.jpg'), await jpeg(15));
    fs.writeFileSync(path.join(dir, 'readme.txt'), 'hello');

    // The token comes from the environment here, as the usage recommends (no token in the process list).
    const run = await cli(['photos', 'upload', dir, '--url', server.url, '--batch', '2', '--caption', 'Summer batch'], { FREEZER_MANAGER_TOKEN: user.token });
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toContain('Uploaded: 3\n');
    expect(run.stdout).toContain('Duplicates: 1\n');
    expect(run.stdout).toMatch(/ {2}d-again\.jpg: already there as photo \d+/);
    expect(run.stdout).toContain('Refused: 1\n');
    expect(run.stdout).toMatch(/ {2}notes\.jpg: .+ \(photo-unsupported-type\)/);
    expect(run.stdout).toContain('5 of 5 files answered');
    // Not a terminal: one line per batch instead of a progress bar.
    expect(run.stderr).toContain('batch 1/3: 2 uploaded, 0 duplicates, 0 refused');
    expect(run.stderr).toContain('batch 2/3: 1 uploaded, 1 duplicate, 0 refused');
    expect(run.stderr).toContain('batch 3/3: 0 uploaded, 0 duplicates, 1 refused');
    expect(run.stderr).toContain('readme.txt');
    expect(run.stderr).not.toContain('\r');
    expect(run.stdout + run.stderr).not.toContain(user.token);

    const list = await user.api.get('/api/v1/photos?limit=50');
    expect(list.status).toBe(200);
    expect(list.body.total).toBe(3);
    expect(list.body.items.map((p: { name: string }) => p.name).sort()).toEqual(['a.jpg', 'b.png', 'crème.webp']);
    for (const photo of list.body.items) expect(photo.caption).toBe('Summer batch');
  });

  it('stops at a failed request with the server’s problem (never the token), exit 1', async () => {
    const dir = path.join(tmp, 'one');
    fs.mkdirSync(dir);
    fs.writeFileSync(path.join(dir, 'x.jpg'), await jpeg(21));
    fs.writeFileSync(path.join(dir, 'y.jpg'), await jpeg(22));
    const badToken = 'fm_not-a-real-token-0123456789abcdef';
    const run = await cli(['photos', 'upload', dir, '--url', server.url, '--token', badToken, '--batch', '1']);
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/the account check failed: HTTP 401/);
    expect(run.stdout).toContain('Uploaded: 0\n');
    expect(run.stdout).toContain('Not uploaded: 2');
    expect(run.stdout + run.stderr).not.toContain(badToken);
  });

  it('refuses bad arguments with exit 2', async () => {
    const dir = path.join(tmp, 'args');
    fs.mkdirSync(dir);
    // Through the real command line (wiring and exit status) for two; in process for the rest (each CLI start costs ~1 s of CPU).
    const [noDir, missing] = await Promise.all([
      cli(['photos', 'upload', '--url', server.url, '--token', 'fm_x']),
      cli(['photos', 'upload', path.join(tmp, 'no-such-folder'), '--url', server.url, '--token', 'fm_x']),
    ]);
    expect(noDir.code, noDir.stderr).toBe(2);
    expect(noDir.stderr).toContain('DIR is missing');
    expect(noDir.stderr).toContain('Usage: freezer-manager photos upload DIR');
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr).toContain('no such folder');

    const run = async (args: string[]) => {
      let stderr = '';
      let stdout = '';
      const sink = (write: (s: string) => void) => ({ write: (chunk: string) => (write(String(chunk)), true) }) as unknown as NodeJS.WritableStream;
      const code = await photosCommand(args, { stdout: sink((s) => (stdout += s)), stderr: sink((s) => (stderr += s)) });
      return { code, stdout, stderr };
    };
    const cases: Array<[string[], string]> = [
      [['upload', dir, '--token', 'fm_x'], '--url is missing'],
      [['upload', dir, '--url', server.url], '--token (or FREEZER_MANAGER_TOKEN) is missing'],
      [['upload', path.join(root, 'package.json'), '--url', server.url, '--token', 'fm_x'], 'not a folder'],
      [['upload', dir, '--url', server.url, '--token', 'fm_x', '--batch', '0'], '--batch must be'],
      [['upload', dir, '--url', server.url, '--token', 'fm_x', '--product', 'soup'], '--product must be'],
      [['upload', dir, '--url', 'ftp://example.com', '--token', 'fm_x'], '--url must start with http'],
      [['upload', dir, 'other', '--url', server.url, '--token', 'fm_x'], 'one DIR only'],
      [['upload', dir, '--url', server.url, '--token', 'fm_x', '--frobnicate'], "Unknown option '--frobnicate'"],
      [['download', dir], 'unknown subcommand "download"'],
    ];
    for (const [args, message] of cases) {
      const result = await run(args);
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(message);
      expect(result.stderr).toContain('Usage: freezer-manager photos upload DIR');
      expect(result.stdout).toBe('');
    }
  });
});
