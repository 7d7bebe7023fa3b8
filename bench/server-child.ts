/**
 * Child process: the real application on the benchmark database, listening on 127.0.0.1, port 0.
 * Tells its port to the parent over IPC, then reports its memory every BENCH_MEMORY_INTERVAL_MS
 * (no HTTP endpoint involved). Stops on a "stop" message, when the parent goes away, or after
 * BENCH_MAX_SECONDS whatever happens.
 */
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { answerSamples, reportMemory, send, stopAfter } from './lib/child.js';

const dataDir = process.env.BENCH_DATA_DIR;
if (!dataDir) throw new Error('BENCH_DATA_DIR is not set');
stopAfter(Number(process.env.BENCH_MAX_SECONDS ?? 3600));

// BENCH_DATABASE_URL: the run's PostgreSQL copy (--database postgres); unset: the SQLite file in BENCH_DATA_DIR.
const database = process.env.BENCH_DATABASE_URL ? { DATABASE_URL: process.env.BENCH_DATABASE_URL } : {};
// BENCH_LOG_LEVEL: --log-level (default warn: no line per request).
const config = loadConfig({ DATA_DIR: dataDir, RATE_LIMIT_PER_MINUTE: '0', RATE_LIMIT_PER_DAY: '0', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn', HOST: '127.0.0.1', PORT: '0', ...database });
const app = await buildApp(config);
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
if (!address || typeof address === 'string') throw new Error('no port');

let closing = false;
async function stop(): Promise<void> {
  if (closing) return;
  closing = true;
  const timer = setTimeout(() => process.exit(1), 10_000);
  timer.unref();
  await app.close();
  process.exit(0);
}
process.on('message', (message: { type?: string }) => {
  if (message?.type === 'stop') void stop();
});
process.on('disconnect', () => void stop());

reportMemory(Number(process.env.BENCH_MEMORY_INTERVAL_MS ?? 2000));
answerSamples();
send({ type: 'ready', port: address.port, pid: process.pid });
