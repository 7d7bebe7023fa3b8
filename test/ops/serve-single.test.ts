import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { freePort, getOnNewConnection, root, sample, spawnServer, type ServerProcess } from './process-helpers.js';

const dataDir = fs.mkdtempSync(path.join(process.env.FM_TEST_TMP_DIR ?? os.tmpdir(), 'fm-single-'));
let server: ServerProcess | undefined;
afterAll(() => {
  if (server && server.process.exitCode === null) server.process.kill('SIGKILL');
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('serve with one worker', { timeout: 120_000 }, () => {
  it('runs without a cluster, serves /metrics on METRICS_PORT only, and exits 0 on SIGTERM', async () => {
    const port = await freePort();
    const metricsPort = await freePort();
    server = spawnServer([], { DATA_DIR: dataDir, PORT: String(port), METRICS_PORT: String(metricsPort) });
    const s = server;
    await s.waitForLog((l) => l.msg === 'metrics listening', 'the metrics listener');
    await s.waitForLog((l) => typeof l.msg === 'string' && l.msg.startsWith('Server listening'), 'the server');
    expect(s.logs.some((l) => l.msg === 'starting workers' || l.role === 'primary')).toBe(false);
    expect(s.logs.find((l) => l.msg === 'metrics listening')?.metricsAddress).toBe(`127.0.0.1:${metricsPort}`);
    for (let i = 0; i < 3; i += 1) expect((await getOnNewConnection(`${s.url}/healthz`)).status).toBe(200);
    // No token configured: /metrics does not exist on the main port.
    expect((await getOnNewConnection(`${s.url}/metrics`)).status).toBe(404);
    const metrics = await getOnNewConnection(`http://127.0.0.1:${metricsPort}/metrics`);
    expect(metrics.status).toBe(200);
    expect(sample(metrics.body, 'freezer_http_requests_total', { route: '/healthz', status_class: '2xx' })).toBe(3);
    expect(sample(metrics.body, 'freezer_http_requests_total', { route: 'unmatched', status_class: '4xx' })).toBe(1);
    expect((await getOnNewConnection(`http://127.0.0.1:${metricsPort}/other`)).status).toBe(404);
    s.process.kill('SIGTERM');
    expect(await s.exited).toBe(0);
    await expect(getOnNewConnection(`http://127.0.0.1:${metricsPort}/metrics`)).rejects.toThrow(/ECONNREFUSED/);
  });

  it('refuses a bad --workers or WORKERS', async () => {
    expect(loadConfig({}).workers).toBe(1);
    expect(loadConfig({ WORKERS: '4' }).workers).toBe(4);
    expect(() => loadConfig({ WORKERS: '0' })).toThrow(new ConfigError('WORKERS must be between 1 and 64, got 0'));
    expect(() => loadConfig({ WORKERS: 'many' })).toThrow(/WORKERS must be a whole number/);
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(path.join(root, 'node_modules/.bin/vite-node'), [path.join(root, 'src/cli/index.ts'), 'serve', '--workers', 'two'], { cwd: root, env: { ...process.env, DATA_DIR: dataDir }, timeout: 60_000 }, (error, _o, stderr) =>
        resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
      );
    });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--workers must be a whole number from 1 to 64');
  });
});
