/** Helpers for the bench's child processes (the application and the ceiling). */

export interface MemorySample {
  type: 'memory' | 'sample';
  /** Milliseconds since the child started. */
  t: number;
  rss: number;
  heapUsed: number;
  external: number;
  /** CPU time used by the process so far (user + system), microseconds. */
  cpuMicros: number;
}

function take(type: MemorySample['type'], started: number): MemorySample {
  const m = process.memoryUsage();
  const cpu = process.cpuUsage();
  return { type, t: Math.round(performance.now() - started), rss: m.rss, heapUsed: m.heapUsed, external: m.external, cpuMicros: cpu.user + cpu.system };
}

/** Answers the parent's {type: 'sample'} messages at once with memory and CPU time used so far. */
export function answerSamples(): void {
  const started = performance.now();
  process.on('message', (message: { type?: string }) => {
    if (message?.type === 'sample') send(take('sample', started));
  });
}

export function send(message: unknown): void {
  if (process.send && process.connected) process.send(message);
}

/** Sends process.memoryUsage() to the parent every intervalMs, over IPC. */
export function reportMemory(intervalMs: number): void {
  const started = performance.now();
  const sample = () => send(take('memory', started));
  sample();
  setInterval(sample, intervalMs).unref();
}

/** Exits after this many seconds, whatever happens: a forgotten child never outlives the bench. */
export function stopAfter(seconds: number): void {
  setTimeout(() => {
    console.error(`bench child ${process.pid}: ${seconds} s limit reached, exiting`);
    process.exit(3);
  }, seconds * 1000).unref();
  // unref'd timers do not keep the process alive; the server does, so the limit still fires while it listens.
}
