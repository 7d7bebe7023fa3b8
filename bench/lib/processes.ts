import { fork, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import type { MemorySample } from './child.js';
import { BUILD_DIR } from './paths.js';

export interface Child {
  name: string;
  port: number;
  pid: number;
  url: string;
  /** Every memory report received so far (the application only). */
  memory: MemorySample[];
  /** Lines the child wrote (its log), in this file. */
  logFile: string;
  /** Memory and CPU time used so far, asked over IPC. */
  sample(): Promise<MemorySample>;
  stop(): Promise<void>;
}

/**
 * Starts bench/<script>.js (compiled) as a child process with IPC, waits for its "ready" message.
 * Its stdout and stderr go to logFile. It exits by itself after maxSeconds whatever happens.
 */
export async function startChild(script: string, options: { name: string; env: Record<string, string>; logFile: string; maxSeconds: number; execArgv?: string[] }): Promise<Child> {
  fs.mkdirSync(path.dirname(options.logFile), { recursive: true });
  const log = fs.openSync(options.logFile, 'a');
  const child: ChildProcess = fork(path.join(BUILD_DIR, script), [], {
    env: { ...process.env, ...options.env, BENCH_MAX_SECONDS: String(Math.ceil(options.maxSeconds)) },
    stdio: ['ignore', log, log, 'ipc'],
    execArgv: options.execArgv ?? [],
  });
  fs.closeSync(log);
  const memory: MemorySample[] = [];
  const waiting: Array<(sample: MemorySample) => void> = [];
  let exited = false;
  const exit = new Promise<void>((resolve) => child.once('exit', () => ((exited = true), resolve())));
  const ready = await new Promise<{ port: number; pid: number }>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${options.name} did not start within 120 s (see ${options.logFile})`)), 120_000);
    child.on('message', (message: { type?: string; port?: number; pid?: number }) => {
      if (message?.type === 'ready') {
        clearTimeout(timer);
        resolve({ port: message.port as number, pid: message.pid as number });
      } else if (message?.type === 'memory') {
        memory.push(message as MemorySample);
      } else if (message?.type === 'sample') {
        waiting.shift()?.(message as MemorySample);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`${options.name} exited with code ${code} before it was ready (see ${options.logFile})`));
    });
  });
  return {
    name: options.name,
    port: ready.port,
    pid: ready.pid,
    url: `http://127.0.0.1:${ready.port}`,
    memory,
    logFile: options.logFile,
    sample() {
      return new Promise<MemorySample>((resolve, reject) => {
        if (exited || !child.connected) return reject(new Error(`${options.name} is not running`));
        waiting.push(resolve);
        child.send({ type: 'sample' });
      });
    },
    async stop() {
      if (exited) return;
      if (child.connected) child.send({ type: 'stop' });
      const killed = setTimeout(() => {
        if (!exited) child.kill('SIGKILL');
      }, 15_000);
      await exit;
      clearTimeout(killed);
    },
  };
}
