import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig, ConfigError } from '../../src/config.js';
import { bearerMatches, createMetrics } from '../../src/plugins/metrics.js';
import { expectProblem, request, signUp, startServer, type TestServer } from '../helpers.js';
import { jpeg, upload } from '../photos/photo-helpers.js';
import { sample } from './process-helpers.js';

const TOKEN = 'metrics-secret-0123456789abcdef';

describe('GET /metrics behind METRICS_TOKEN', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ METRICS_TOKEN: TOKEN });
  });
  afterAll(() => server.close());

  const metrics = (authorization?: string) => request(server.url, 'GET', '/metrics', authorization ? { headers: { authorization } } : {});

  it('refuses a request without the token, or with a wrong one, with a 401 problem', async () => {
    for (const auth of [undefined, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, 'Bearer ', TOKEN, `Basic ${TOKEN}`]) {
      const response = await metrics(auth);
      expectProblem(response, 401);
      expect(response.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    }
    // Someone else's API token is not the metrics token either.
    const user = await signUp(server.url);
    expectProblem(await metrics(`Bearer ${user.token}`), 401);
  });

  it('counts requests by method, route template and status class, with latency, process metrics and the preview queue', async () => {
    for (let i = 0; i < 3; i += 1) expect((await request(server.url, 'GET', '/healthz')).status).toBe(200);
    await request(server.url, 'GET', '/api/v1/freezers/12345'); // 401: no token
    const response = await metrics(`Bearer ${TOKEN}`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = response.text;
    expect(sample(text, 'freezer_http_requests_total', { method: 'GET', route: '/healthz', status_class: '2xx' })).toBeGreaterThanOrEqual(3);
    expect(sample(text, 'freezer_http_requests_total', { method: 'GET', route: '/api/v1/freezers/:id', status_class: '4xx' })).toBeGreaterThanOrEqual(1);
    expect(sample(text, 'freezer_http_request_duration_seconds_count', { route: '/healthz', status_class: '2xx' })).toBeGreaterThanOrEqual(3);
    expect(text).toMatch(/freezer_http_request_duration_seconds_bucket\{le="0\.005",method="GET",route="\/healthz",status_class="2xx"\} \d+/);
    expect(text).not.toContain('/api/v1/freezers/12345');
    expect(sample(text, 'process_cpu_user_seconds_total', {})).toBeGreaterThan(0);
    expect(sample(text, 'nodejs_eventloop_lag_seconds', {})).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'freezer_photo_preview_queue_depth', {})).toBe(0);
    // Pool gauges only where there is a pool (PostgreSQL; see 'database pool gauges of a running server').
    if (server.config.database.kind === 'sqlite') expect(text).not.toContain('freezer_db_pool');
  });

  it('labels routes by template only: a seed-API token never appears, unknown URLs are "unmatched"', async () => {
    const user = await signUp(server.url);
    const legacyToken = 'ab'.repeat(32);
    expect((await request(server.url, 'GET', `/types/${user.token}`)).status).toBe(200);
    expect((await request(server.url, 'GET', `/freezers/${legacyToken}`)).status).toBe(400);
    expect((await request(server.url, 'GET', `/no/such/route/${user.token}?token=${legacyToken}`)).status).toBe(404);
    // Under /api/v1 too, whose scope answers its own 404s and 405s.
    expect((await request(server.url, 'GET', `/api/v1/no-such-route/${user.token}`)).status).toBe(404);
    expect((await request(server.url, 'DELETE', `/api/v1/types`, { headers: { authorization: `Bearer ${user.token}` } })).status).toBe(405);
    const text = (await metrics(`Bearer ${TOKEN}`)).text;
    expect(text).not.toContain(user.token);
    expect(text).not.toContain(legacyToken);
    expect(text).not.toMatch(/fm_[A-Za-z0-9_-]{20,}/);
    expect(sample(text, 'freezer_http_requests_total', { route: '/types/:token', status_class: '2xx' })).toBe(1);
    expect(sample(text, 'freezer_http_requests_total', { route: '/freezers/:token', status_class: '4xx' })).toBe(1);
    expect(sample(text, 'freezer_http_requests_total', { method: 'GET', route: 'unmatched', status_class: '4xx' })).toBeGreaterThanOrEqual(2);
    expect(sample(text, 'freezer_http_requests_total', { method: 'DELETE', route: 'unmatched', status_class: '4xx' })).toBe(1);
  });

  it('counts cache hits and misses of the photo search', async () => {
    const user = await signUp(server.url);
    expect((await upload(server.url, user.token, [{ filename: 'leeks.jpg', data: await jpeg(7) }, { field: 'caption', value: 'leek soup' }])).status).toBe(201);
    const before = (await metrics(`Bearer ${TOKEN}`)).text;
    const count = (text: string, result: string) => sample(text, 'freezer_cache_lookups_total', { route: '/api/v1/photos', result }) ?? 0;
    const first = await user.api.get('/api/v1/photos?q=leek');
    const second = await user.api.get('/api/v1/photos?q=leek');
    expect([first.headers.get('x-cache'), second.headers.get('x-cache')]).toEqual(['miss', 'hit']);
    const after = (await metrics(`Bearer ${TOKEN}`)).text;
    expect(count(after, 'miss') - count(before, 'miss')).toBe(1);
    expect(count(after, 'hit') - count(before, 'hit')).toBe(1);
  });

  it('is left out of the OpenAPI document', async () => {
    const doc = (await request(server.url, 'GET', '/openapi.json')).body;
    expect(Object.keys(doc.paths)).not.toContain('/metrics');
  });
});

describe('without METRICS_TOKEN or METRICS_PORT', () => {
  it('GET /metrics is a plain 404, and nothing is collected', async () => {
    const server = await startServer();
    try {
      expectProblem(await request(server.url, 'GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } }), 404);
      expect((await request(server.url, 'GET', '/healthz')).status).toBe(200);
      const text = await server.app.metrics.text();
      expect(text).not.toContain('freezer_http_requests_total');
      expect(text).not.toContain('process_cpu');
    } finally {
      await server.close();
    }
  });
});

describe('database pool gauges', () => {
  it('report what the pool hook says, read at each scrape', async () => {
    let stats = { total: 4, idle: 3, waiting: 0 };
    const metrics = createMetrics({ previewQueueDepth: () => 2, poolStats: () => stats }, { processMetrics: false });
    let text = await metrics.text();
    expect(sample(text, 'freezer_db_pool_connections', {})).toBe(4);
    expect(sample(text, 'freezer_db_pool_idle_connections', {})).toBe(3);
    expect(sample(text, 'freezer_db_pool_waiting_requests', {})).toBe(0);
    expect(sample(text, 'freezer_photo_preview_queue_depth', {})).toBe(2);
    stats = { total: 10, idle: 0, waiting: 7 };
    text = await metrics.text();
    expect(sample(text, 'freezer_db_pool_connections', {})).toBe(10);
    expect(sample(text, 'freezer_db_pool_waiting_requests', {})).toBe(7);
  });
});

describe('database pool gauges of a running server', () => {
  it('follow the PostgreSQL pool, and are absent on SQLite (one connection, no pool)', async () => {
    const server = await startServer({ METRICS_TOKEN: TOKEN });
    try {
      await signUp(server.url); // the pool has opened a connection
      const text = (await request(server.url, 'GET', '/metrics', { headers: { authorization: `Bearer ${TOKEN}` } })).text;
      if (server.config.database.kind === 'postgres') {
        const total = sample(text, 'freezer_db_pool_connections', {});
        expect(total).toBeGreaterThanOrEqual(1);
        expect(total).toBeLessThanOrEqual(server.config.database.poolMax);
        expect(sample(text, 'freezer_db_pool_idle_connections', {})).toBeLessThanOrEqual(total!);
        expect(sample(text, 'freezer_db_pool_waiting_requests', {})).toBe(0);
      } else {
        expect(text).not.toContain('freezer_db_pool_connections');
      }
    } finally {
      await server.close();
    }
  });
});

describe('metrics configuration', () => {
  it('validates METRICS_TOKEN, METRICS_PORT and METRICS_HOST', () => {
    expect(loadConfig({}).metrics).toEqual({ token: undefined, port: undefined, host: '127.0.0.1' });
    expect(loadConfig({ METRICS_TOKEN: TOKEN, METRICS_PORT: '9464', METRICS_HOST: '0.0.0.0' }).metrics).toEqual({ token: TOKEN, port: 9464, host: '0.0.0.0' });
    expect(() => loadConfig({ METRICS_TOKEN: 'short' })).toThrow(ConfigError);
    expect(() => loadConfig({ METRICS_TOKEN: 'has a space in it, sixteen+' })).toThrow(/METRICS_TOKEN/);
    expect(() => loadConfig({ METRICS_PORT: 'nine' })).toThrow(/METRICS_PORT must be a whole number/);
    expect(() => loadConfig({ METRICS_PORT: '70000' })).toThrow(/METRICS_PORT must be between/);
  });

  it('compares the bearer token exactly', () => {
    expect(bearerMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(`bearer   ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(`Bearer ${TOKEN} extra`, TOKEN)).toBe(false);
    expect(bearerMatches(undefined, TOKEN)).toBe(false);
    expect(bearerMatches('Bearer', TOKEN)).toBe(false);
  });
});
