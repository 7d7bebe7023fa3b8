import cluster, { type Worker } from 'node:cluster';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { pino } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import { buildApp } from './app.js';
import type { Config } from './config.js';
import { migrateToLatest, openDatabase } from './db/database.js';
import { loggerOptions } from './plugins/logging.js';

/** Messages between the cluster's primary and its workers (node:cluster IPC). */
type ClusterMessage =
  | { type: 'freezer:shutdown' }
  | { type: 'freezer:metrics-request'; id: number }
  | { type: 'freezer:metrics-response'; id: number; text?: string; error?: string };

const isMessage = (value: unknown): value is ClusterMessage =>
  typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string' && (value as { type: string }).type.startsWith('freezer:');

/**
 * Starts the server. One worker (the default): this process serves. Several: this process becomes the
 * cluster's primary, which migrates the database once, forks the workers and watches them. Either way
 * SIGTERM/SIGINT stop gracefully: stop accepting, finish in-flight requests and running preview jobs,
 * close the database, exit 0.
 */
export async function serve(config: Config): Promise<void> {
  if (cluster.isWorker) return runWorker(config);
  if (config.workers > 1) return runPrimary(config);
  const app = await buildApp(config);
  const metricsListener = config.metrics.port !== undefined ? await listenForMetrics(config, app.log, () => app.metrics.text()) : undefined;
  onStopSignal(app.log, async () => {
    await closeServer(metricsListener);
    await app.close();
  });
  await app.listen({ port: config.port, host: config.host });
}

/** Runs `stop` once on the first SIGTERM or SIGINT (or `trigger`), then exits 0, or 1 when stopping failed. */
function onStopSignal(log: FastifyBaseLogger, stop: () => Promise<void>): (reason: string) => void {
  let stopping = false;
  const shutdown = (reason: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ reason }, 'shutting down');
    stop().then(
      () => process.exit(0),
      (err: unknown) => {
        log.error({ err }, 'error while shutting down');
        process.exit(1);
      },
    );
  };
  process.once('SIGTERM', () => shutdown('SIGTERM'));
  process.once('SIGINT', () => shutdown('SIGINT'));
  return shutdown;
}

/**
 * A listener of its own for GET /metrics (METRICS_PORT on METRICS_HOST, loopback by default), without a
 * token: whoever can reach that address may read the metrics.
 */
async function listenForMetrics(config: Config, log: FastifyBaseLogger, text: () => Promise<string>): Promise<http.Server> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found: this port serves only /metrics\n');
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD', 'content-type': 'text/plain; charset=utf-8' }).end('Method not allowed\n');
      return;
    }
    text().then(
      (body) => res.writeHead(200, { 'content-type': AggregatorRegistry.PROMETHEUS_CONTENT_TYPE, 'cache-control': 'no-store' }).end(req.method === 'HEAD' ? undefined : body),
      (err: unknown) => {
        log.error({ err }, 'metrics could not be collected');
        res.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' }).end('Metrics could not be collected\n');
      },
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.metrics.port, config.metrics.host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  log.info({ metricsAddress: `${address.address}:${address.port}` }, 'metrics listening');
  return server;
}

function closeServer(server: http.Server | undefined): Promise<void> {
  if (!server) return Promise.resolve();
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * A cluster worker: the whole app, without migrations (the primary ran them). /metrics asks the primary,
 * which gathers every worker's registry (prom-client's AggregatorRegistry) and sums them.
 */
async function runWorker(config: Config): Promise<void> {
  let nextId = 0;
  const waiting = new Map<number, { resolve: (text: string) => void; reject: (err: Error) => void }>();
  const clusterMetrics = () =>
    new Promise<string>((resolve, reject) => {
      const id = nextId++;
      waiting.set(id, { resolve, reject });
      process.send?.({ type: 'freezer:metrics-request', id } satisfies ClusterMessage);
    });
  const app: FastifyInstance = await buildApp(config, { migrate: false, metricsText: clusterMetrics });
  AggregatorRegistry.setRegistries([app.metrics.registry]);
  new AggregatorRegistry(); // installs the worker's answer to the primary's metrics requests
  const shutdown = onStopSignal(app.log, () => app.close());
  process.on('message', (message: unknown) => {
    if (!isMessage(message)) return;
    if (message.type === 'freezer:shutdown') shutdown('primary asked');
    if (message.type === 'freezer:metrics-response') {
      const pending = waiting.get(message.id);
      waiting.delete(message.id);
      if (message.text !== undefined) pending?.resolve(message.text);
      else pending?.reject(new Error(message.error ?? 'no metrics'));
    }
  });
  // The primary went away (killed): do not linger as an orphan.
  process.once('disconnect', () => shutdown('primary gone'));
  await app.listen({ port: config.port, host: config.host });
}

/** How a worker is started: the same CLI, `serve`; from the TypeScript sources (tests), through vite-node again. */
function workerCommand(): { exec: string; args: string[] } {
  const args = process.argv.slice(2);
  if (import.meta.url.endsWith('.ts')) return { exec: process.argv[1]!, args: [fileURLToPath(new URL('./cli/index.ts', import.meta.url)), ...args] };
  return { exec: process.argv[1]!, args };
}

/** Restart delay after `failures` quick deaths in a row: 0.5 s, 1 s, 2 s… up to 30 s. */
export function restartDelay(failures: number): number {
  return Math.min(30_000, 500 * 2 ** Math.max(0, failures - 1));
}

/** A worker that lived at least this long before dying is not counted as failing quickly. */
const STABLE_MS = 30_000;

async function runPrimary(config: Config): Promise<void> {
  const log = pino({ ...loggerOptions(config.logLevel), base: { pid: process.pid, role: 'primary' } }) as unknown as FastifyBaseLogger;
  if (!config.redis && (config.rateLimitPerMinute > 0 || config.rateLimitPerDay > 0)) {
    log.warn({ workers: config.workers }, 'no REDIS_URL: each worker counts the rate limits on its own, so a client may get up to workers x the limit; the response cache is off');
  }
  // Migrations once, before any worker opens the database.
  const db = openDatabase(config.database);
  try {
    const applied = await migrateToLatest(db);
    if (applied.length) log.info({ applied }, 'migrations applied');
  } finally {
    await db.destroy();
  }

  cluster.setupPrimary({ ...workerCommand(), silent: false });
  const aggregator = new AggregatorRegistry();
  const startedAt = new Map<number, number>();
  let stopping = false;
  let quickFailures = 0;
  const restarts = new Set<NodeJS.Timeout>();
  let failedExit = false;

  const fork = (): Worker => {
    const worker = cluster.fork();
    startedAt.set(worker.id, Date.now());
    return worker;
  };

  let allGone: (() => void) | undefined;
  cluster.on('exit', (worker, code, signal) => {
    const lived = Date.now() - (startedAt.get(worker.id) ?? Date.now());
    const wasServing = serving.delete(worker.id);
    startedAt.delete(worker.id);
    if (stopping) {
      // A worker still starting was killed (it had accepted nothing); one serving must have stopped cleanly.
      if (wasServing && code !== 0) failedExit = true;
      log.info({ workerPid: worker.process.pid, code, signal }, 'worker stopped');
      if (Object.keys(cluster.workers ?? {}).length === 0) allGone?.();
      return;
    }
    quickFailures = lived < STABLE_MS ? quickFailures + 1 : 1;
    const delay = restartDelay(quickFailures);
    log.error({ workerPid: worker.process.pid, code, signal, restartInMs: delay }, 'worker died; starting another');
    const timer = setTimeout(() => {
      restarts.delete(timer);
      if (!stopping) fork();
    }, delay);
    restarts.add(timer);
  });
  const serving = new Set<number>();
  cluster.on('listening', (worker, address) => serving.add(worker.id) && log.info({ workerPid: worker.process.pid, port: address.port }, 'worker listening'));
  cluster.on('message', (worker, message: unknown) => {
    if (!isMessage(message) || message.type !== 'freezer:metrics-request') return;
    aggregator.clusterMetrics().then(
      (text) => worker.isConnected() && worker.send({ type: 'freezer:metrics-response', id: message.id, text } satisfies ClusterMessage),
      (err: unknown) => {
        log.error({ err }, 'cluster metrics could not be collected');
        if (worker.isConnected()) worker.send({ type: 'freezer:metrics-response', id: message.id, error: String(err) } satisfies ClusterMessage);
      },
    );
  });

  const metricsListener = config.metrics.port !== undefined ? await listenForMetrics(config, log, () => aggregator.clusterMetrics()) : undefined;

  onStopSignal(log, async () => {
    stopping = true;
    for (const timer of restarts) clearTimeout(timer);
    restarts.clear();
    const gone = new Promise<void>((resolve) => {
      allGone = resolve;
    });
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => w !== undefined);
    if (workers.length === 0) allGone?.();
    for (const worker of workers) {
      // A serving worker finishes its requests; one still starting has none and may not listen for messages yet.
      if (serving.has(worker.id) && worker.isConnected()) worker.send({ type: 'freezer:shutdown' } satisfies ClusterMessage);
      else worker.process.kill('SIGKILL');
    }
    await gone;
    await closeServer(metricsListener);
    if (failedExit) throw new Error('a worker did not stop cleanly');
  });

  log.info({ workers: config.workers }, 'starting workers');
  for (let i = 0; i < config.workers; i += 1) fork();
}
