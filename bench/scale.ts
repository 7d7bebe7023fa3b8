/**
 * npm run bench:scale: the main read and write routes on 1 and 2 worker processes (`serve --workers N`)
 * and on SQLite vs PostgreSQL, the same dataset in each. Each configuration gets a fresh copy of the
 * dataset (SQLite: a file copy; PostgreSQL: a copy of the dataset's PostgreSQL database, see lib/postgres.ts),
 * runs the real CLI from the bench build, and is measured with autocannon.
 *
 *   --workers 1,2             worker counts (default 1,2)
 *   --databases sqlite,postgres
 *   --redis URL               also each configuration of more than one worker with REDIS_URL (the answer
 *                             cache, rate limits and jobs shared), under a key prefix of its own, removed after
 * plus the options of npm run bench (--users, --products, --duration, --warmup, --connections, --only,
 * --postgres-url …).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { DATABASE_FILE, readTokens } from './dataset.js';
import { parseArgs, USAGE } from './lib/args.js';
import { runLoad, type LoadResult } from './lib/load.js';
import { gitInfo, machineInfo } from './lib/machine.js';
import { BUILD_DIR } from './lib/paths.js';
import { postgresRunCopy, preparePostgresDataset } from './lib/postgres.js';
import { ensureDataset, runCopy, settle } from './lib/prepared.js';
import { rng } from './lib/random.js';
// The tests' helper: SCAN, then DEL in batches, never FLUSHALL on a server others may use.
import { dropPrefix } from '../test/redis-helpers.js';
import { machineLine, writeResults } from './lib/report.js';
import { createScenarios, type ScenarioContext } from './scenarios.js';

const say = (line: string) => console.log(line);
const CLI = path.resolve(BUILD_DIR, '..', 'src', 'cli', 'index.js');
const DEFAULT_SCENARIOS = ['list-inside', 'search', 'trends-personal', 'add-product', 'take-out'];
type Dialect = 'sqlite' | 'postgres';

interface ScaleOptions {
  workers: number[];
  databases: Dialect[];
  /** Also run the multi-worker configurations with this Redis. */
  redis?: string;
}

interface Config {
  database: Dialect;
  workers: number;
  redis: boolean;
}

const configLabel = (c: Config) => `${c.database}, ${c.workers} worker${c.workers > 1 ? 's' : ''}${c.redis ? ' + Redis' : ''}`;

/** Takes this script's own options out of argv; the rest goes to the common parser. */
function splitArgs(argv: string[]): { scale: ScaleOptions; rest: string[] } {
  const scale: ScaleOptions = { workers: [1, 2], databases: ['sqlite', 'postgres'] };
  const rest: string[] = [];
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    const value = argv[i + 1];
    if (arg === '--workers' || arg === '--databases' || arg === '--redis') {
      if (value === undefined) throw new Error(`${arg} needs a value`);
      i += 1;
      if (arg === '--workers') {
        scale.workers = value.split(',').map((w) => Number(w));
        if (scale.workers.some((w) => !Number.isInteger(w) || w < 1 || w > 64)) throw new Error(`--workers takes whole numbers from 1 to 64, got "${value}"`);
      } else if (arg === '--redis') {
        // Not echoed: a Redis URL may hold a password.
        if (!/^rediss?:\/\//.test(value)) throw new Error('--redis takes a redis:// or rediss:// URL');
        scale.redis = value;
      } else if (arg === '--databases') {
        const names = value.split(',');
        if (names.some((d) => d !== 'sqlite' && d !== 'postgres')) throw new Error(`--databases takes sqlite and/or postgres, got "${value}"`);
        scale.databases = names as Dialect[];
      }
    } else rest.push(arg);
  }
  return { scale, rest };
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

interface Server {
  url: string;
  stop(): Promise<void>;
}

/** `freezer-manager serve --workers N` from the bench build, on a port of its own; ready when /readyz answers. */
async function startServer(workers: number, env: Record<string, string>, logFile: string): Promise<Server> {
  const port = await freePort();
  const log = fs.openSync(logFile, 'a');
  const child: ChildProcess = spawn(process.execPath, [CLI, 'serve', '--workers', String(workers)], {
    env: { ...process.env, ...env, HOST: '127.0.0.1', PORT: String(port), RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_PER_DAY: '0', LOG_LEVEL: 'warn' },
    stdio: ['ignore', log, log],
  });
  fs.closeSync(log);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`the server exited with ${child.exitCode} (see ${logFile})`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the server did not start within 120 s (see ${logFile})`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  return {
    url,
    async stop() {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

interface Cell extends Config {
  scenario: string;
  kind: string;
  result: LoadResult;
}

const fmt = (value: number) => (value >= 100 ? Math.round(value).toLocaleString('en-US') : value.toFixed(value >= 10 ? 1 : 2));

function table(cells: Cell[], configs: Config[]): string {
  const scenarios = [...new Set(cells.map((c) => c.scenario))];
  const head = `| scenario | ${configs.map((c) => `${configLabel(c)}: req/s · p99 ms`).join(' | ')} |`;
  const rule = `|---|${configs.map(() => '--:').join('|')}|`;
  const rows = scenarios.map((scenario) => {
    const values = configs.map((config) => {
      const cell = cells.find((c) => c.scenario === scenario && c.database === config.database && c.workers === config.workers && c.redis === config.redis);
      if (!cell) return '—';
      return `${fmt(cell.result.okRps)} · ${fmt(cell.result.latency.p99)}${cell.result.errors ? ` (${cell.result.errors} errors)` : ''}`;
    });
    return `| ${scenario} | ${values.join(' | ')} |`;
  });
  return [head, rule, ...rows].join('\n');
}

async function main(): Promise<void> {
  const { scale, rest } = splitArgs(process.argv.slice(2));
  const options = parseArgs(rest);
  if (options.help) {
    console.log(`npm run bench:scale [-- --workers 1,2 --databases sqlite,postgres --redis redis://127.0.0.1:6379]\n\nand, from npm run bench:\n${USAGE}`);
    return;
  }
  const only = options.only.length ? options.only : DEFAULT_SCENARIOS;
  const machine = machineInfo();
  const takenAt = new Date().toISOString();
  const data = await ensureDataset(options, say);
  const tokens = readTokens(data.dir);
  const pristineFile = path.join(data.dir, DATABASE_FILE);
  const configs: Config[] = scale.databases.flatMap((database) =>
    scale.workers.flatMap((workers) => [{ database, workers, redis: false }, ...(scale.redis && workers > 1 ? [{ database, workers, redis: true }] : [])]),
  );
  const cells: Cell[] = [];
  say(`machine: ${machineLine(machine)}`);

  for (const config of configs) {
    const label = `${config.database}-${config.workers}w${config.redis ? '-redis' : ''}`;
    const runDir = runCopy(data.dir, `scale-${label}`);
    const env: Record<string, string> = { DATA_DIR: runDir };
    // A prefix of this run's own: answers another run left in the same Redis were computed on other data.
    const redisPrefix = `fm-bench-${process.pid}-${label}:`;
    if (config.redis && scale.redis) Object.assign(env, { REDIS_URL: scale.redis, REDIS_PREFIX: redisPrefix });
    if (config.database === 'postgres') {
      const key = path.basename(path.dirname(data.dir));
      await preparePostgresDataset({ adminUrl: options.postgresUrl, key, sqliteFile: pristineFile, generatedAt: data.manifest.createdAt, log: say });
      env.DATABASE_URL = await postgresRunCopy(options.postgresUrl, key);
    }
    const server = await startServer(config.workers, env, path.join(runDir, 'server.log'));
    say(`${label}: serving on ${server.url}`);
    try {
      // The take-out pool reads the products inside from the run's own database.
      const ctx: ScenarioContext = {
        url: server.url,
        tokens,
        databaseFile: path.join(runDir, DATABASE_FILE),
        ...(env.DATABASE_URL ? { databaseUrl: env.DATABASE_URL } : {}),
        random: rng(options.seed + 3),
      };
      const scenarios = createScenarios(ctx).filter((s) => only.includes(s.name));
      for (const scenario of scenarios) {
        const skip = scenario.prepare ? await scenario.prepare() : undefined;
        if (skip) {
          say(`  ${scenario.name}: skipped (${skip})`);
          continue;
        }
        const next = () => scenario.next();
        if (options.warmup > 0) await runLoad({ url: server.url, connections: options.connections, duration: options.warmup, next });
        await settle(server.url);
        const result = await runLoad({ url: server.url, connections: options.connections, duration: options.duration, next });
        await settle(server.url);
        cells.push({ ...config, scenario: scenario.name, kind: scenario.kind, result });
        say(`  ${scenario.name}: ${result.okRps} req/s, p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, errors ${result.errors}${result.errors ? ` ${JSON.stringify(result.statusCodes)}` : ''}`);
      }
    } finally {
      await server.stop();
      fs.rmSync(runDir, { recursive: true, force: true });
      if (config.redis && scale.redis) await dropPrefix(redisPrefix, scale.redis);
    }
  }

  const md = [
    `### Scale-out benchmark, ${takenAt.slice(0, 16).replace('T', ' ')} UTC (commit ${gitInfo().commit})`,
    '',
    `- Machine: ${machineLine(machine)}.`,
    `- Dataset: ${options.users.toLocaleString('en-US')} users, ${data.manifest.counts.products.toLocaleString('en-US')} product rows; ${options.connections} connections, ${options.duration} s measured after ${options.warmup} s of warm-up; autocannon runs on the same machine.`,
    '- Each configuration runs `freezer-manager serve --workers N` on a fresh copy of the dataset (PostgreSQL: the local server, a new database).',
    ...(scale.redis ? ['- "+ Redis": the same with `REDIS_URL` set (`--redis`), so the workers share the answer cache, the rate limits and the jobs.'] : []),
    '',
    table(cells, configs),
    '',
  ].join('\n');
  const files = writeResults(options.resultsDir, 'scale-latest', { schema: 1, takenAt, machine, options: { workers: scale.workers, databases: scale.databases, redis: scale.redis !== undefined, users: options.users, products: options.products, duration: options.duration, connections: options.connections }, cells }, md, takenAt);
  say('');
  say(md);
  say(`written: ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
