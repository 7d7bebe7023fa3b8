import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { SUITE_LOG_DIR } from '../helpers.js';

export const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

export { freePort } from '../helpers.js';

export interface ServerProcess {
  process: ChildProcess;
  url: string;
  /** Every JSON log line printed so far, parsed. */
  logs: Array<Record<string, any>>;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Waits until some log line satisfies `match` (fails after timeoutMs). */
  waitForLog(match: (line: Record<string, any>) => boolean, what: string, timeoutMs?: number): Promise<Record<string, any>>;
}

/**
 * `freezer-manager serve ARGS` from the sources, in its own process, with info logs collected (and also written
 * to the suite's log directory, which the global teardown searches for tokens).
 */
export function spawnServer(args: string[], env: Record<string, string>): ServerProcess {
  const proc = spawn(path.join(root, 'node_modules/.bin/vite-node'), [path.join(root, 'src/cli/index.ts'), 'serve', ...args], {
    cwd: root,
    env: { ...process.env, LOG_LEVEL: 'info', RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_PER_DAY: '0', HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Array<Record<string, any>> = [];
  const waiters = new Set<() => void>();
  fs.mkdirSync(SUITE_LOG_DIR, { recursive: true });
  const logFile = path.join(SUITE_LOG_DIR, `${process.pid}-serve-${proc.pid}.log`);
  let partial = '';
  proc.stdout!.setEncoding('utf8');
  proc.stdout!.on('data', (chunk: string) => {
    fs.appendFileSync(logFile, chunk);
    partial += chunk;
    const lines = partial.split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        logs.push(JSON.parse(line));
      } catch {
        logs.push({ text: line });
      }
    }
    for (const wake of waiters) wake();
  });
  let stderr = '';
  proc.stderr!.setEncoding('utf8');
  proc.stderr!.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  return {
    process: proc,
    url: `http://127.0.0.1:${env.PORT}`,
    logs,
    exited,
    waitForLog(match, what, timeoutMs = 180_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = logs.find(match);
          if (found) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(found);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`timed out waiting for ${what}; stderr: ${stderr.slice(-2000)}`));
        }, timeoutMs);
        waiters.add(check);
        check();
      });
    },
  };
}

/** A GET on a new connection (no keep-alive), so that the cluster hands each request to a worker in turn. */
export function getOnNewConnection(url: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.setTimeout(20_000, () => req.destroy(new Error('no answer within 20 s')));
    req.on('error', reject);
  });
}

/** The value of one sample line, e.g. sample(text, 'freezer_http_requests_total', {route: '/healthz'}). */
export function sample(text: string, name: string, labels: Record<string, string>): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const labelText = line.slice(name.length).split('} ')[0] ?? '';
    if (Object.entries(labels).every(([k, v]) => labelText.includes(`${k}="${v}"`))) return Number(line.split(' ').pop());
  }
  return undefined;
}

/** The promise's value, or a clear failure naming what did not happen within ms (instead of a silent hang). */
export function within<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms waiting for ${what}`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
