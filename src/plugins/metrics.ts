import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from 'prom-client';
import { sendProblem } from './errors.js';

/** Connections of a database pool, for the pool gauges (PostgreSQL's pg.Pool: totalCount, idleCount, waitingCount). */
export interface PoolStats {
  total: number;
  idle: number;
  waiting: number;
}

export interface MetricsSources {
  /** Photos whose previews are queued or being made (in process, or in the shared BullMQ queue). */
  previewQueueDepth: () => number | Promise<number>;
  /**
   * The preview queue is one queue shared by every process (BullMQ on Redis): in a cluster, the workers'
   * readings are the same queue, so they are not summed (max) as in-process queues are.
   */
  previewQueueShared?: boolean;
  /**
   * The database pool, when there is one. Without it (SQLite: one connection, no pool) the pool gauges are
   * not registered at all rather than reporting made-up numbers.
   */
  poolStats?: () => PoolStats;
}

/** The label of a request whose URL matched no route: raw URLs never become labels (seed-API URLs carry tokens). */
export const UNMATCHED_ROUTE = 'unmatched';

/**
 * Whether a cached answer was served: routes with a cache say so in X-Cache (hit|miss). Metrics read the
 * outcome here only, so another cache implementation needs only to keep that header (or to change this).
 */
export function cacheOutcome(reply: FastifyReply): 'hit' | 'miss' | undefined {
  const value = reply.getHeader('x-cache');
  return value === 'hit' || value === 'miss' ? value : undefined;
}

export interface AppMetrics {
  registry: Registry;
  /** This process's metrics in the Prometheus text format. */
  text(): Promise<string>;
  contentType: string;
}

/**
 * The application's metrics in a registry of its own (several apps may live in one process in tests):
 * requests and latency by method, route template and status class; cache hits and misses; the preview
 * queue; the database pool when there is one; Node's process metrics.
 */
export function createMetrics(sources: MetricsSources, options: { processMetrics: boolean } = { processMetrics: true }): AppMetrics {
  const registry = new Registry();
  // Node's process metrics (event-loop monitor, GC observer): only where they will be read.
  if (options.processMetrics) collectDefaultMetrics({ register: registry });
  new Gauge({
    name: 'freezer_photo_preview_queue_depth',
    help: 'Photos whose previews are queued or being made',
    registers: [registry],
    aggregator: sources.previewQueueShared ? 'max' : 'sum',
    async collect() {
      try {
        this.set(await sources.previewQueueDepth());
      } catch {
        this.set(Number.NaN); // the queue cannot be read (Redis down): unknown, and the rest of the scrape still works
      }
    },
  });
  const pool = sources.poolStats;
  if (pool) {
    const gauge = (name: string, help: string, pick: (s: PoolStats) => number) =>
      new Gauge({
        name,
        help,
        registers: [registry],
        collect() {
          this.set(pick(pool()));
        },
      });
    gauge('freezer_db_pool_connections', 'Connections the database pool holds', (s) => s.total);
    gauge('freezer_db_pool_idle_connections', 'Idle connections of the database pool', (s) => s.idle);
    gauge('freezer_db_pool_waiting_requests', 'Queries waiting for a connection of the database pool', (s) => s.waiting);
  }
  return { registry, text: () => registry.metrics(), contentType: registry.contentType };
}

function sha256(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}

/** Constant-time comparison of "Bearer <token>" with the configured token (both hashed: equal lengths). */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '')?.[1] ?? '';
  return timingSafeEqual(sha256(presented), sha256(token));
}

/**
 * Counts every request (onResponse, so the status is final) and, with a token, serves GET /metrics behind
 * it. `text` is what the route answers: this process's metrics, or the whole cluster's in a worker.
 */
export function registerMetrics(app: FastifyInstance, metrics: AppMetrics, options: { token: string | undefined; text?: () => Promise<string> }): void {
  const labelNames = ['method', 'route', 'status_class'] as const;
  const requests = new Counter({ name: 'freezer_http_requests_total', help: 'HTTP requests answered', labelNames, registers: [metrics.registry] });
  const duration = new Histogram({
    name: 'freezer_http_request_duration_seconds',
    help: 'Time to answer HTTP requests',
    labelNames,
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [metrics.registry],
  });
  const cache = new Counter({
    name: 'freezer_cache_lookups_total',
    help: 'Answers served from a cache (hit) or computed (miss), by route',
    labelNames: ['route', 'result'] as const,
    registers: [metrics.registry],
  });

  app.addHook('onResponse', async (request: FastifyRequest, reply: FastifyReply) => {
    const route = request.routeOptions.url ?? UNMATCHED_ROUTE;
    const labels = { method: request.method, route, status_class: `${Math.floor(reply.statusCode / 100)}xx` };
    requests.inc(labels);
    duration.observe(labels, reply.elapsedTime / 1000);
    const outcome = cacheOutcome(reply);
    if (outcome) cache.inc({ route, result: outcome });
  });

  const token = options.token;
  if (!token) return;
  const text = options.text ?? metrics.text;
  app.get('/metrics', { schema: { hide: true } }, async (request, reply) => {
    if (!bearerMatches(request.headers.authorization, token)) {
      reply.header('www-authenticate', 'Bearer realm="metrics"');
      return sendProblem(request, reply, 401, 'metrics-token-invalid');
    }
    const body = await text();
    return reply.header('cache-control', 'no-store').type(metrics.contentType).send(body);
  });
}
