import autocannon from 'autocannon';

export interface RequestSpec {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  path: string;
  headers?: Record<string, string>;
  body?: string;
  /** A label carried to onResponse (the mixed workload counts per kind). */
  kind?: string;
}

export interface LoadOptions {
  url: string;
  connections: number;
  /** Seconds. */
  duration: number;
  /** The next request to send: called once per request, spread over users by the scenario. */
  next: () => RequestSpec;
  /** Requests per second from all connections together; unset: as fast as the server answers. */
  overallRate?: number;
  /** Called with every answer (only when given: reading bodies costs the load generator time). */
  onResponse?: (status: number, body: string, kind: string | undefined) => void;
  /** Which kinds' bodies onResponse reads (the others get ''); unset: every body. */
  bodyOf?: (kind: string | undefined) => boolean;
  /**
   * Called every second with the requests answered during that second. autocannon also ticks once more
   * when it stops, a moment after its last whole second: that part of a second is not reported (it read
   * as a second with almost no answers, a stall that never happened).
   */
  onTick?: (counter: number) => void;
}

export interface LoadResult {
  /** Seconds actually measured. */
  duration: number;
  /** Answers received, any status. */
  requests: number;
  /** Requests built and sent (answers plus those still in flight when the load stopped). */
  sent: number;
  /** Answers per second, any status. */
  rps: number;
  /** 2xx answers per second. */
  okRps: number;
  /** Latency of the 2xx answers, in milliseconds (from the first byte sent to the last byte received). */
  latency: { p50: number; p90: number; p99: number; max: number; mean: number };
  /** Non-2xx answers plus socket errors and timeouts. */
  errors: number;
  non2xx: number;
  socketErrors: number;
  timeouts: number;
  statusCodes: Record<string, number>;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return 0;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] as number;
}

const round = (value: number, digits = 2) => Math.round(value * 10 ** digits) / 10 ** digits;

/** Runs autocannon against url; latencies are kept exactly (autocannon's own histogram rounds to whole ms). */
export function runLoad(options: LoadOptions): Promise<LoadResult> {
  let latencies = new Float64Array(1 << 16);
  let count = 0;
  const statusCodes: Record<string, number> = {};
  const onResponse = options.onResponse;
  let sent = 0;
  const request: autocannon.Request = {
    setupRequest: (req: autocannon.Request, context: object) => {
      const spec = options.next();
      sent += 1;
      (context as { kind?: string }).kind = spec.kind;
      return { ...req, method: spec.method, path: spec.path, headers: { ...(req.headers ?? {}), ...(spec.headers ?? {}) }, body: spec.body ?? '' };
    },
    ...(onResponse ? { onResponse: (status: number, body: string, context: object) => onResponse(status, body, (context as { kind?: string }).kind) } : {}),
  };
  // autocannon keeps every answer's body as text, whether anyone reads it or not: it appends each chunk to
  // a string, which decodes the bytes as UTF-8. On gzipped answers (binary, mostly invalid UTF-8, the slow
  // path) that was 43 % of the load generator's time in a seed-get-product run, and the load generator,
  // not the server, set the rate. Each connection's queue now keeps a body only when onResponse reads it
  // (setupClient runs once per connection, before its first request; one request is in flight per
  // connection, and its kind is in the connection's context, set by setupRequest).
  const setupClient = (client: autocannon.Client) => {
    const inner = client as unknown as {
      pipelinedRequests: { peek: () => { body: string } | undefined; addBody: (data: Buffer) => void };
      requestIterator: { context: { kind?: string } };
    };
    if (typeof inner.pipelinedRequests?.addBody !== 'function') throw new Error('autocannon no longer has pipelinedRequests.addBody: see bench/lib/load.ts');
    const bodyOf = options.bodyOf;
    inner.pipelinedRequests.addBody = !onResponse
      ? () => {}
      : (data: Buffer) => {
          const pending = inner.pipelinedRequests.peek();
          if (pending && (!bodyOf || bodyOf(inner.requestIterator.context.kind))) pending.body += data.toString();
        };
  };
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const instance = autocannon(
      {
        url: options.url,
        connections: options.connections,
        duration: options.duration,
        requests: [request],
        timeout: 30,
        setupClient,
        ...(options.overallRate ? { overallRate: options.overallRate } : {}),
      },
      (err: unknown, result: autocannon.Result) => {
        if (err) return reject(err instanceof Error ? err : new Error(String(err)));
        const elapsed = Math.min(result.duration || (performance.now() - started) / 1000, (performance.now() - started) / 1000);
        const sorted = latencies.subarray(0, count).sort();
        let sum = 0;
        for (const value of sorted) sum += value;
        let answers = 0;
        let ok = 0;
        for (const [code, n] of Object.entries(statusCodes)) {
          answers += n;
          if (code.startsWith('2')) ok += n;
        }
        const non2xx = answers - ok;
        resolve({
          duration: round(elapsed, 3),
          requests: answers,
          sent,
          rps: round(answers / elapsed, 1),
          okRps: round(ok / elapsed, 1),
          latency: {
            p50: round(percentile(sorted, 50)),
            p90: round(percentile(sorted, 90)),
            p99: round(percentile(sorted, 99)),
            max: round(percentile(sorted, 100)),
            mean: round(count ? sum / count : 0),
          },
          errors: non2xx + result.errors + result.timeouts,
          non2xx,
          socketErrors: result.errors,
          timeouts: result.timeouts,
          statusCodes,
        });
      },
    );
    instance.on('response', (_client: unknown, statusCode: number, _bytes: number, responseTime: number) => {
      statusCodes[statusCode] = (statusCodes[statusCode] ?? 0) + 1;
      if (statusCode >= 200 && statusCode < 300) {
        if (count === latencies.length) {
          const grown = new Float64Array(latencies.length * 2);
          grown.set(latencies);
          latencies = grown;
        }
        latencies[count++] = responseTime;
      }
    });
    if (options.onTick) {
      let last = 0;
      let answered = 0;
      let lastTickAt = performance.now();
      instance.on('response', () => {
        answered += 1;
      });
      instance.on('tick', () => {
        const now = performance.now();
        const whole = now - lastTickAt >= 900;
        lastTickAt = now;
        if (whole) options.onTick?.(answered - last);
        last = answered;
      });
    }
  });
}
