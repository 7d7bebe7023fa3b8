import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp } from '../../src/app.js';
import { loadConfig } from '../../src/config.js';
import { request, signUp, startServer, type TestServer } from '../helpers.js';

interface LogLine {
  level: number;
  msg: string;
  reqId?: string;
  err?: { message: string };
  req?: { method: string; url: string; remoteAddress: string };
  res?: { statusCode: number };
  responseTime?: number;
}

/** The lines about one request (by the id its answer carries in X-Request-Id). */
function linesOf(server: TestServer, requestId: string | null): LogLine[] {
  expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  return server.logs.map((line) => JSON.parse(line) as LogLine).filter((line) => line.reqId === requestId);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** The lines of a request, once its "request completed" line is written (just after the answer leaves). */
async function completedLinesOf(server: TestServer, requestId: string | null): Promise<LogLine[]> {
  for (let waited = 0; waited < 5000; waited += 20) {
    const lines = linesOf(server, requestId);
    if (lines.some((line) => line.msg === 'request completed')) return lines;
    await sleep(20);
  }
  throw new Error(`no "request completed" line for ${requestId}`);
}

describe('request log lines at the default level (info)', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer();
  });
  afterAll(async () => server.close());

  it('writes one line per request, once answered: method, URL, client address, status and time', async () => {
    const account = await signUp(server.url);
    const answer = await request(server.url, 'GET', '/api/v1/freezers?limit=5', { headers: { authorization: `Bearer ${account.token}` } });
    expect(answer.status).toBe(200);
    const lines = await completedLinesOf(server, answer.headers.get('x-request-id'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      level: 30,
      msg: 'request completed',
      req: { method: 'GET', url: '/api/v1/freezers?limit=5', remoteAddress: '127.0.0.1' },
      res: { statusCode: 200 },
    });
    expect(lines[0]!.responseTime).toBeGreaterThan(0);
  });

  it('says the status of a refused request, and redacts a token in its URL', async () => {
    const token = 'a'.repeat(64);
    // The seed API refuses an unknown token with its own 400.
    const answer = await request(server.url, 'GET', `/get_product/all/0/${token}`);
    expect(answer.status).toBe(400);
    const lines = await completedLinesOf(server, answer.headers.get('x-request-id'));
    // The error handler's line says why (the problem type), then the request's own line.
    expect(lines.map((line) => line.msg)).toEqual(['request refused', 'request completed']);
    expect(lines[1]).toMatchObject({ level: 30, req: { method: 'GET', url: '/get_product/all/0/[redacted]' }, res: { statusCode: 400 } });
    expect(JSON.stringify(server.logs)).not.toContain(token);
  });

  it('writes no line for a request arriving', async () => {
    const answer = await request(server.url, 'GET', '/healthz');
    expect(answer.status).toBe(200);
    expect((await completedLinesOf(server, answer.headers.get('x-request-id'))).map((line) => line.msg)).toEqual(['request completed']);
    expect(server.logs.some((line) => line.includes('"incoming request"'))).toBe(false);
  });
});

describe('request log lines at LOG_LEVEL=debug', () => {
  let server: TestServer;
  beforeAll(async () => {
    server = await startServer({ LOG_LEVEL: 'debug' });
  });
  afterAll(async () => server.close());

  it('also writes a line when the request arrives, before the one when it is answered', async () => {
    const answer = await request(server.url, 'GET', '/healthz');
    expect(answer.status).toBe(200);
    const lines = await completedLinesOf(server, answer.headers.get('x-request-id'));
    expect(lines.map((line) => [line.level, line.msg])).toEqual([
      [20, 'incoming request'],
      [30, 'request completed'],
    ]);
    expect(lines[0]).toMatchObject({ req: { method: 'GET', url: '/healthz' } });
  });
});

/** The application on a fresh SQLite file, its log lines parsed as they come, not listening (inject). */
async function appWithLines(logLevel: string): Promise<{ app: FastifyInstance; lines: Array<LogLine & Record<string, unknown>>; close(): Promise<void> }> {
  const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-request-log-'));
  const lines: Array<LogLine & Record<string, unknown>> = [];
  const loggerStream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(JSON.parse(chunk.toString('utf8')) as LogLine & Record<string, unknown>);
      done();
    },
  });
  const app = await buildApp(loadConfig({ DATA_DIR: dataDir, LOG_LEVEL: logLevel, RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_PER_DAY: '0' }), { loggerStream });
  return {
    app,
    lines,
    async close() {
      await app.close();
      fs.rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

describe('the request line of a request that failed after its answer', () => {
  it('is written at error level, with the request, the status and the error', async () => {
    const { app, lines, close } = await appWithLines('info');
    try {
      // A route of this test only: its onResponse hook fails once the answer has gone, which is how Fastify
      // hands a request's line an error.
      app.get('/test-only/failing-after-answer', { onResponse: async () => Promise.reject(new Error('the onResponse hook failed')) }, async () => ({ ok: true }));
      const answer = await app.inject({ method: 'GET', url: '/test-only/failing-after-answer' });
      expect(answer.statusCode).toBe(200);
      const line = lines.find((l) => l.msg === 'request errored');
      expect(line).toMatchObject({
        level: 50,
        req: { method: 'GET', url: '/test-only/failing-after-answer' },
        res: { statusCode: 200 },
        err: { message: 'the onResponse hook failed' },
      });
      expect(line!.responseTime).toBeGreaterThan(0);
      expect(lines.some((l) => l.msg === 'request completed')).toBe(false);
    } finally {
      await close();
    }
  });
});

describe('a request’s logger', () => {
  it('makes no pino child for a request that writes no line (warn), and one for a request that does', async () => {
    const { app, lines, close } = await appWithLines('warn');
    try {
      app.get('/test-only/warns', async (request) => {
        request.log.info('not written at warn');
        request.log.warn({ detail: 1 }, 'written at warn');
        return { ok: true };
      });
      await app.ready();
      const child = vi.spyOn(app.log, 'child');
      expect((await app.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
      expect(child).not.toHaveBeenCalled();
      const answer = await app.inject({ method: 'GET', url: '/test-only/warns' });
      expect(child).toHaveBeenCalledTimes(1);
      // The line is the child's: the request id bound, the level and the fields of the call.
      expect(lines.filter((l) => l.reqId === answer.headers['x-request-id'])).toMatchObject([{ level: 40, msg: 'written at warn', detail: 1 }]);
      expect(lines.some((l) => l.msg === 'not written at warn')).toBe(false);
    } finally {
      await close();
    }
  });

  it('takes a level of its own, leaving other requests at the server’s', async () => {
    const { app, lines, close } = await appWithLines('info');
    try {
      app.get('/test-only/debugging', async (request) => {
        request.log.debug('before');
        request.log.level = 'debug';
        request.log.debug('after');
        request.log.child({ step: 'inner' }).debug('from a child');
        return { level: request.log.level };
      });
      app.get('/test-only/quiet', async (request) => {
        request.log.debug('never written at info');
        return { level: request.log.level };
      });
      const answer = await app.inject({ method: 'GET', url: '/test-only/debugging' });
      expect(answer.json()).toEqual({ level: 'debug' });
      expect((await app.inject({ method: 'GET', url: '/test-only/quiet' })).json()).toEqual({ level: 'info' });
      const debugLines = lines.filter((l) => l.level === 20).map((l) => ({ msg: l.msg, reqId: l.reqId, step: l.step }));
      expect(debugLines).toEqual([
        { msg: 'after', reqId: answer.headers['x-request-id'], step: undefined },
        { msg: 'from a child', reqId: answer.headers['x-request-id'], step: 'inner' },
      ]);
    } finally {
      await close();
    }
  });

  it('is pino’s child at once on a route with a log level of its own', async () => {
    const { app, lines, close } = await appWithLines('info');
    try {
      app.get('/test-only/route-level', { logLevel: 'debug' }, async (request) => {
        request.log.debug('written: the route logs at debug');
        return { ok: true };
      });
      const answer = await app.inject({ method: 'GET', url: '/test-only/route-level' });
      expect(lines.filter((l) => l.reqId === answer.headers['x-request-id']).map((l) => [l.level, l.msg])).toEqual([
        [20, 'incoming request'],
        [20, 'written: the route logs at debug'],
        [30, 'request completed'],
      ]);
    } finally {
      await close();
    }
  });
});
