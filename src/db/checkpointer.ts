import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type SQLite from 'better-sqlite3';

/**
 * WAL checkpoints on a worker thread instead of in the request that happens to commit.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that takes the WAL past 1,000 pages: it copies
 * them into the database file and fsyncs it, holding the event loop for 10–35 ms every few hundred
 * writes (about 0.25 ms per write on average). Here the server's connection stops checkpointing
 * (`wal_autocheckpoint = 0`) and a worker thread with its own connection runs a PASSIVE checkpoint
 * every `intervalMs` (every 5 ms while the WAL grows): it copies what no reader still needs, waits for no lock and blocks no writer,
 * so the server only appends to the WAL. A checkpoint changes no data, so `PRAGMA data_version`
 * (the answer cache's view of other connections) does not move.
 *
 * The WAL starts again from its beginning only after a checkpoint that copied every page. Under a
 * write load that never pauses the worker may not get there: when the WAL holds more than `maxPages`,
 * the server's connection checkpoints at its commits again (SQLite's default, 1,000 pages) until the
 * worker reports it small again. If the worker stops (an error, a crash), the server's connection
 * goes back to the default for good.
 */
export interface Checkpointer {
  /** Stops the worker (its connection closes); the server's connection keeps its current setting. */
  close(): Promise<void>;
  /** Resolves after the worker's next checkpoint, with what it reported. */
  next(): Promise<CheckpointReport>;
  /** The server connection's automatic-checkpoint threshold now (0: the worker does it). */
  autocheckpoint(): number;
}

export interface CheckpointReport {
  /** Pages in the WAL when the checkpoint ran. */
  log: number;
  /** Of those, pages copied into the database file. */
  checkpointed: number;
}

export interface CheckpointerOptions {
  intervalMs?: number;
  maxPages?: number;
  onError?: (err: Error) => void;
}

const SQLITE_DEFAULT_AUTOCHECKPOINT = 1000;

// Plain CommonJS, run with `eval` so the same code serves the TypeScript sources (tests) and dist/.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 0');
const checkpoint = db.prepare('pragma wal_checkpoint(PASSIVE)');
let last = '';
// answers: the number of the request this run answers (0: a run of the timer). True when the WAL had moved.
const run = (answers) => {
  const row = checkpoint.get();
  const key = row.log + '/' + row.checkpointed;
  const moved = key !== last;
  // Idle: nothing to say when nothing changed since the last report, unless asked.
  if (moved || answers) parentPort.postMessage({ log: row.log, checkpointed: row.checkpointed, answers });
  last = key;
  return moved;
};
// While the WAL grows, again soon: each run then has little to copy and can reach its end between two
// commits, which lets the next write start the WAL over from its beginning instead of making it longer.
let timer;
const loop = () => { timer = setTimeout(loop, run(0) ? workerData.busyIntervalMs : workerData.intervalMs); };
timer = setTimeout(loop, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message === 'stop') { clearTimeout(timer); db.close(); parentPort.close(); }
  else run(message);
});
`;

export function startCheckpointer(sqlite: SQLite.Database, options: CheckpointerOptions = {}): Checkpointer {
  const intervalMs = options.intervalMs ?? 100;
  const busyIntervalMs = Math.min(intervalMs, 5);
  const maxPages = options.maxPages ?? 20_000;
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { file: sqlite.name, driver, intervalMs, busyIntervalMs } });
  // The worker must not keep a process alive that has nothing else to do.
  worker.unref();
  let threshold = Number(sqlite.pragma('wal_autocheckpoint', { simple: true }));
  const setThreshold = (pages: number) => {
    if (pages === threshold || !sqlite.open) return;
    threshold = pages;
    sqlite.pragma(`wal_autocheckpoint = ${pages}`);
  };
  setThreshold(0);

  // next(): each request is numbered, so a report the worker sent before it was asked cannot answer it.
  const waiters = new Map<number, (report: CheckpointReport) => void>();
  let requests = 0;
  let stopped = false;
  worker.on('message', ({ log, checkpointed, answers }: CheckpointReport & { answers: number }) => {
    if (stopped) return;
    setThreshold(log > maxPages ? SQLITE_DEFAULT_AUTOCHECKPOINT : 0);
    waiters.get(answers)?.({ log, checkpointed });
    waiters.delete(answers);
  });
  /** Hands the checkpoints back to the server's connection, once; false when that was done already. */
  const stop = (): boolean => {
    if (stopped) return false;
    stopped = true;
    setThreshold(SQLITE_DEFAULT_AUTOCHECKPOINT);
    return true;
  };
  const fallBack = (err?: Error) => {
    if (stop() && err) options.onError?.(err);
  };
  // An error thrown in the worker arrives as a copy; SQLite's lose their message on the way (not their code).
  worker.on('error', (err: Partial<Error> & { code?: string }) => fallBack(new Error(`the checkpoint worker failed: ${err.message || err.code || String(err)}`)));
  worker.on('exit', (code) => fallBack(code === 0 ? undefined : new Error(`the checkpoint worker exited with code ${code}`)));

  return {
    async close() {
      if (!stop()) return;
      const exited = new Promise((resolve) => worker.once('exit', resolve));
      // Waited for, it must keep the process alive: a program whose last work is closing the database
      // would otherwise end here, before its connection closes (and SQLite's last checkpoint with it).
      worker.ref();
      worker.postMessage('stop');
      await exited;
    },
    next() {
      return new Promise((resolve, reject) => {
        if (stopped) return reject(new Error('the checkpoint worker has stopped'));
        requests += 1;
        waiters.set(requests, resolve);
        worker.postMessage(requests);
      });
    },
    autocheckpoint: () => threshold,
  };
}
