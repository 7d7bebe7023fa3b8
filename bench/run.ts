/**
 * npm run bench: builds (or reuses) the dataset, starts the ceiling and the application in child
 * processes on 127.0.0.1, runs every scenario with autocannon, writes bench/results/ and prints the table.
 * npm run bench:soak (or --soak): the mixed workload at half its measured maximum for --soak-minutes.
 *
 * Everything is bounded: each load runs for a fixed time, the children exit when asked, when this process
 * goes away, or after a hard limit of their own.
 */
import path from 'node:path';
import { DATABASE_FILE, readTokens, type Manifest } from './dataset.js';
import { explain } from './explain.js';
import { inProcess } from './in-process.js';
import { parseArgs, USAGE, type BenchOptions } from './lib/args.js';
import { runLoad, type LoadResult, type RequestSpec } from './lib/load.js';
import { gitInfo, machineInfo } from './lib/machine.js';
import type { MemorySample } from './lib/child.js';
import { startChild, type Child } from './lib/processes.js';
import { rng } from './lib/random.js';
import { ensureDataset, runCopy, settle } from './lib/prepared.js';
import { redactDatabaseUrl, type LogLevel } from '../src/config.js';
import { postgresRunCopy, preparePostgresDataset } from './lib/postgres.js';
import { markdown, soakMarkdown, writeResults, type BenchReport, type ScenarioReport, type SoakReport } from './lib/report.js';
import { createMixedWorkload, createScenarios, judgedByRate, meetsTarget, targetText, type Scenario, type ScenarioContext } from './scenarios.js';

const MiB = 2 ** 20;
const say = (line: string) => console.log(line);
const round = (value: number, digits = 1) => Math.round(value * 10 ** digits) / 10 ** digits;

function lastRssMiB(child: Child): number | undefined {
  const last = child.memory[child.memory.length - 1];
  return last ? round(last.rss / MiB) : undefined;
}

/** CPU time (ms) a child spent per request sent, between two samples. */
function cpuPerRequest(before: MemorySample, after: MemorySample, result: LoadResult): number | undefined {
  const requests = Math.max(result.sent, result.requests);
  return requests > 0 ? Math.round(((after.cpuMicros - before.cpuMicros) / 1000 / requests) * 1000) / 1000 : undefined;
}

/** The ceiling loaded like a scenario: `warmup` seconds unrecorded, then `duration` seconds measured. */
async function ceilingRun(ceiling: Child, options: BenchOptions, warmup: number, duration: number): Promise<{ result: LoadResult; cpuMsPerRequest: number | undefined }> {
  const next = (): RequestSpec => ({ method: 'GET', path: '/' });
  if (warmup > 0) await runLoad({ url: ceiling.url, connections: options.connections, duration: warmup, next });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const before = await ceiling.sample();
  const result = await runLoad({ url: ceiling.url, connections: options.connections, duration, next });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const after = await ceiling.sample();
  return { result, cpuMsPerRequest: cpuPerRequest(before, after, result) };
}

/**
 * The ceiling measured again just before and just after a scenario, which is compared with their mean: this
 * host's speed moves by up to a third within minutes, so a ceiling measured a few minutes earlier misjudges a
 * scenario by as much, and one short sample can itself land on a slow moment.
 */
const nearbyCeilingSeconds = (options: BenchOptions) => Math.max(3, Math.round(options.duration / 2));

/**
 * --database postgres: the dataset's PostgreSQL copy (made once per dataset) and a fresh copy of that for
 * this run; returns its URL. Undefined on SQLite.
 */
async function postgresRun(options: BenchOptions, data: { dir: string; manifest: Manifest }): Promise<string | undefined> {
  if (options.database !== 'postgres') return undefined;
  const key = path.basename(path.dirname(data.dir));
  const seconds = await preparePostgresDataset({ adminUrl: options.postgresUrl, key, sqliteFile: path.join(data.dir, DATABASE_FILE), generatedAt: data.manifest.createdAt, log: say });
  if (seconds) say(`dataset: copied into PostgreSQL in ${seconds} s`);
  return postgresRunCopy(options.postgresUrl, key);
}

/** The application on runDir's database; profileDir: write a CPU profile there. */
async function startApp(runDir: string, maxSeconds: number, memoryIntervalMs: number, logLevel: LogLevel, profileDir?: string, databaseUrl?: string): Promise<Child> {
  return startChild('server-child.js', {
    name: 'application',
    env: { BENCH_DATA_DIR: runDir, BENCH_MEMORY_INTERVAL_MS: String(memoryIntervalMs), BENCH_LOG_LEVEL: logLevel, ...(databaseUrl ? { BENCH_DATABASE_URL: databaseUrl } : {}) },
    logFile: path.join(runDir, 'server.log'),
    maxSeconds,
    ...(profileDir ? { execArgv: ['--cpu-prof', '--cpu-prof-dir', profileDir] } : {}),
  });
}

const serialSeconds = (options: BenchOptions) => Math.min(3, Math.max(2, options.duration / 4));

async function runScenario(scenario: Scenario, app: Child, ceiling: Child, options: BenchOptions): Promise<ScenarioReport> {
  const base: ScenarioReport = { name: scenario.name, kind: scenario.kind, description: scenario.description, target: targetText(scenario.kind) };
  const skip = scenario.prepare ? await scenario.prepare() : undefined;
  if (skip) {
    say(`  ${scenario.name}: skipped (${skip})`);
    return { ...base, skipped: skip };
  }
  const next = () => scenario.next();
  if (options.warmup > 0) await runLoad({ url: app.url, connections: options.connections, duration: options.warmup, next });
  await settle(app.url);
  const serial = await runLoad({ url: app.url, connections: 1, duration: serialSeconds(options), next });
  await settle(app.url);
  const ceilingBefore = (await ceilingRun(ceiling, options, 1, nearbyCeilingSeconds(options))).result.okRps;
  const cpuBefore = await app.sample();
  const result = await runLoad({ url: app.url, connections: options.connections, duration: options.duration, next });
  await settle(app.url);
  const cpuAfter = await app.sample();
  const cpuMs = cpuPerRequest(cpuBefore, cpuAfter, result);
  const ceilingAfter = (await ceilingRun(ceiling, options, 1, nearbyCeilingSeconds(options))).result.okRps;
  const ceilingRps = round((ceilingBefore + ceilingAfter) / 2);
  const ceilingRatio = ceilingRps > 0 ? result.okRps / ceilingRps : 0;
  const met = meetsTarget(scenario.kind, result, ceilingRps);
  const rss = lastRssMiB(app);
  say(
    `  ${scenario.name}: ${result.okRps} req/s (${round(ceilingRatio * 100)} % of the ceiling's ${ceilingRps} around it), p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, 1-conn p50 ${serial.latency.p50} ms, server CPU ${cpuMs} ms/req, errors ${result.errors}${result.errors ? ` ${JSON.stringify(result.statusCodes)}` : ''}`,
  );
  return {
    ...base,
    result,
    serial: { p50: serial.latency.p50, p99: serial.latency.p99, rps: serial.okRps },
    ceilingRps,
    ceilingRatio: round(ceilingRatio, 4),
    ...(met === undefined ? {} : { met }),
    ...(rss === undefined ? {} : { serverRssMiB: rss }),
    ...(cpuMs === undefined ? {} : { serverCpuMsPerRequest: cpuMs }),
  };
}

function noiseNotes(machine: ReturnType<typeof machineInfo>, ceiling: { before: LoadResult; after: LoadResult }): string[] {
  const notes: string[] = [];
  if (machine.loadAverageAtStart > machine.cores * 0.5) {
    notes.push(`The machine was busy when the run started (load average ${machine.loadAverageAtStart} on ${machine.cores} cores): absolute numbers are low, the ratios to the ceiling compare better.`);
  }
  const drift = Math.abs(ceiling.before.okRps - ceiling.after.okRps) / Math.max(1, Math.max(ceiling.before.okRps, ceiling.after.okRps));
  if (drift > 0.15) notes.push(`The ceiling moved by ${round(drift * 100)} % between the start and the end of the run: other work on the machine changed meanwhile.`);
  return notes;
}

/**
 * --rounds N: each scenario's row is its median round (by its share of the ceiling; writes and login, whose
 * targets are absolute, by requests per second), with every round kept beside it. One run of a scenario can
 * land on a slow or quick spell of this host; the median of rounds run one after the other (a full run's are minutes apart) is what a change is judged by.
 */
function medianRounds(rounds: ScenarioReport[][]): ScenarioReport[] {
  const first = rounds[0] ?? [];
  if (rounds.length === 1) return first;
  return first.map((_, index) => {
    const runs = rounds.map((round) => round[index] as ScenarioReport);
    const measured = runs.filter((run) => run.result !== undefined);
    if (measured.length === 0) return runs[0] as ScenarioReport;
    const key = (run: ScenarioReport) => (judgedByRate(run.kind) ? (run.result?.okRps ?? 0) : (run.ceilingRatio ?? 0));
    const sorted = measured.slice().sort((a, b) => key(a) - key(b));
    // The lower of the two middle rounds when their number is even: a row never flatters.
    const median = sorted[Math.floor((sorted.length - 1) / 2)] as ScenarioReport;
    return {
      ...median,
      rounds: runs.map((run) => ({
        ...(run.skipped ? { skipped: run.skipped } : {}),
        ...(run.result ? { okRps: run.result.okRps, p99: run.result.latency.p99, errors: run.result.errors } : {}),
        ...(run.ceilingRps === undefined ? {} : { ceilingRps: run.ceilingRps }),
        ...(run.ceilingRatio === undefined ? {} : { ceilingRatio: run.ceilingRatio }),
        ...(run.serverCpuMsPerRequest === undefined ? {} : { serverCpuMsPerRequest: run.serverCpuMsPerRequest }),
        ...(run.met === undefined ? {} : { met: run.met }),
      })),
    };
  });
}

async function benchmark(options: BenchOptions): Promise<void> {
  const machine = machineInfo();
  const git = gitInfo();
  const takenAt = new Date().toISOString();
  const data = await ensureDataset(options, say);
  if (options.generateOnly) return;
  const runDir = runCopy(data.dir);
  const tokens = readTokens(data.dir);
  // The scenarios of one round, on its copy of the dataset (they read it: the take-out pool).
  const scenariosOn = (ctx: ScenarioContext): Scenario[] => {
    const all = createScenarios(ctx);
    const unknown = options.only.filter((name) => !all.some((s) => s.name === name));
    if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; there are: ${all.map((s) => s.name).join(', ')}`);
    return options.only.length ? all.filter((s) => options.only.includes(s.name)) : all;
  };
  const count = scenariosOn({ url: '', tokens, databaseFile: '', random: rng(options.seed + 1) }).length;
  const perScenario = options.warmup + options.duration + serialSeconds(options) + 2 * (1 + nearbyCeilingSeconds(options)) + 60;
  const maxSeconds = 300 + 2 * (2 * (options.warmup + options.duration) + count * perScenario);

  say(`machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node.js ${machine.node}, load average ${machine.loadAverageAtStart}`);
  say(`ceiling: bare node:http, ${options.connections} connections, ${options.duration} s`);
  // One ceiling process for the whole run, idle while the scenarios load the application.
  const ceiling = await startChild('ceiling-child.js', { name: 'ceiling', env: {}, logFile: path.join(runDir, 'ceiling.log'), maxSeconds: maxSeconds * options.rounds });
  const rounds: ScenarioReport[][] = [];
  let ceilingBefore: Awaited<ReturnType<typeof ceilingRun>>;
  let ceilingAfter: Awaited<ReturnType<typeof ceilingRun>>;
  try {
    ceilingBefore = await ceilingRun(ceiling, options, options.warmup, options.duration);
    const before = ceilingBefore.result;
    say(`  ${before.okRps} req/s, p50 ${before.latency.p50} ms, p99 ${before.latency.p99} ms, server CPU ${ceilingBefore.cpuMsPerRequest} ms/req`);

    for (let number = 1; number <= options.rounds; number += 1) {
      // Every round starts from the same data: the first on the copy made above, the others on a fresh one.
      const roundDir = number === 1 ? runDir : runCopy(data.dir, 'run-next');
      const databaseUrl = await postgresRun(options, data);
      const ctx: ScenarioContext = { url: '', tokens, databaseFile: path.join(roundDir, DATABASE_FILE), ...(databaseUrl ? { databaseUrl } : {}), random: rng(options.seed + number) };
      const scenarios = scenariosOn(ctx);
      if (options.rounds > 1) say(`round ${number} of ${options.rounds}`);
      // Beside the first round's copy, which later rounds leave in place: one folder per round.
      const profileDir = options.profile ? path.join(runDir, 'profiles', options.rounds > 1 ? `round-${number}` : '') : undefined;
      const app = await startApp(roundDir, maxSeconds, 2000, options.logLevel, profileDir, databaseUrl);
      ctx.url = app.url;
      say(`application: pid ${app.pid} on ${app.url}, database ${databaseUrl ? redactDatabaseUrl(databaseUrl) : ctx.databaseFile}`);
      const reports: ScenarioReport[] = [];
      try {
        for (const scenario of scenarios) reports.push(await runScenario(scenario, app, ceiling, options));
      } finally {
        await app.stop();
      }
      rounds.push(reports);
      if (profileDir) say(`CPU profile of the application: ${profileDir}`);
    }

    say('ceiling again (the machine may have changed meanwhile)');
    ceilingAfter = await ceilingRun(ceiling, options, options.warmup, options.duration);
    say(`  ${ceilingAfter.result.okRps} req/s, server CPU ${ceilingAfter.cpuMsPerRequest} ms/req`);
  } finally {
    await ceiling.stop();
  }
  const before = ceilingBefore.result;
  const after = ceilingAfter.result;
  const ceilingCpu = [ceilingBefore.cpuMsPerRequest, ceilingAfter.cpuMsPerRequest].filter((v): v is number => v !== undefined);
  const ceilingRps = round((before.okRps + after.okRps) / 2);
  const reports = medianRounds(rounds);

  const notes = [
    ...noiseNotes(machine, { before, after }),
    'The load generator (autocannon) shares the machine with the server: on 2 cores each gets about one.',
    'Writes change the run’s copy of the dataset only; the scenarios run in the order shown, reads first.',
    ...reports.filter((r) => r.skipped).map((r) => `${r.name} skipped: ${r.skipped}.`),
  ];
  const report: BenchReport = {
    schema: 1,
    takenAt,
    machine,
    git,
    options: { users: options.users, products: options.products, duration: options.duration, warmup: options.warmup, connections: options.connections, only: options.only, database: options.database, rounds: options.rounds, logLevel: options.logLevel },
    dataset: { counts: data.manifest.counts, generationSeconds: data.manifest.seconds, reused: data.reused },
    ceiling: {
      before,
      after,
      rps: ceilingRps,
      ...(ceilingCpu.length ? { cpuMsPerRequest: Math.round((ceilingCpu.reduce((a, b) => a + b, 0) / ceilingCpu.length) * 1000) / 1000 } : {}),
    },
    scenarios: reports,
    notes,
  };
  const size = options.only.length ? 'latest-partial' : options.users === 10_000 && options.products === 1_000_000 ? 'latest-large' : options.users === 1_000 && options.products === 100_000 ? 'latest' : `latest-${options.users}u-${options.products}p`;
  const label = options.database === 'postgres' ? `${size}-postgres` : size;
  const md = markdown(report);
  const files = writeResults(options.resultsDir, label, report, md, takenAt);
  say('');
  say(md);
  say(`written: ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
}

async function soak(options: BenchOptions): Promise<void> {
  const machine = machineInfo();
  const git = gitInfo();
  const takenAt = new Date().toISOString();
  const data = await ensureDataset(options, say);
  const runDir = runCopy(data.dir);
  const databaseUrl = await postgresRun(options, data);
  const tokens = readTokens(data.dir);
  const ctx: ScenarioContext = { url: '', tokens, databaseFile: path.join(runDir, DATABASE_FILE), ...(databaseUrl ? { databaseUrl } : {}), random: rng(options.seed + 2) };
  const soakSeconds = Math.round(options.soakMinutes * 60);
  const maxSeconds = 600 + 2 * (options.warmup + options.duration + soakSeconds);
  const app = await startApp(runDir, maxSeconds, 5000, options.logLevel, options.profile ? path.join(runDir, 'profiles') : undefined, databaseUrl);
  ctx.url = app.url;
  say(`application: pid ${app.pid} on ${app.url}`);
  try {
    const scenarios = createScenarios(ctx);
    const seedApi = scenarios.find((s) => s.name === 'seed-get-product');
    const seedSkip = seedApi?.prepare ? await seedApi.prepare() : 'missing';
    const workload = await createMixedWorkload(ctx, scenarios, seedSkip === undefined);
    const next = () => workload.next();
    const onResponse = workload.onResponse.bind(workload);
    const bodyOf = workload.bodyOf;
    if (options.warmup > 0) await runLoad({ url: app.url, connections: options.connections, duration: options.warmup, next, onResponse, bodyOf });
    await settle(app.url);
    say(`maximum of the mixed workload: ${options.duration} s as fast as it goes`);
    const max = await runLoad({ url: app.url, connections: options.connections, duration: options.duration, next, onResponse, bodyOf });
    await settle(app.url);
    const targetRps = Math.max(1, Math.floor(max.okRps / 2));
    say(`  ${max.okRps} req/s, p99 ${max.latency.p99} ms; soak at ${targetRps} req/s for ${options.soakMinutes} min`);

    const startSample = app.memory.length;
    const perKind: Record<string, Record<string, number>> = {};
    const perSecond: number[] = [];
    let elapsed = 0;
    const result = await runLoad({
      url: app.url,
      connections: options.connections,
      duration: soakSeconds,
      overallRate: targetRps,
      next,
      bodyOf,
      onResponse: (status, body, kind) => {
        const name = (kind ?? 'other').replace(/:.*$/, '');
        const codes = (perKind[name] ??= {});
        codes[status] = (codes[status] ?? 0) + 1;
        onResponse(status, body, kind);
      },
      onTick: (count) => {
        perSecond.push(count);
        elapsed += 1;
        if (elapsed % 60 === 0) {
          const rss = lastRssMiB(app);
          say(`  ${elapsed / 60} min: ${count} req/s this second, server RSS ${rss} MiB, ${workload.pool.size} products in the take-out pool`);
        }
      },
    });
    // One more memory report after the load.
    await new Promise((resolve) => setTimeout(resolve, 5500));
    const samples = app.memory.slice(Math.max(0, startSample - 1));
    const first = samples[0] ?? { t: 0, rss: 0, heapUsed: 0 };
    const last = samples[samples.length - 1] ?? first;
    const peak = Math.max(...samples.map((s) => s.rss));
    const steady = samples.filter((s) => s.t - first.t >= 60_000);
    let slope: number | null = null;
    if (steady.length >= 3) {
      const xs = steady.map((s) => (s.t - first.t) / 60_000);
      const ys = steady.map((s) => s.rss / MiB);
      const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
      const my = ys.reduce((a, b) => a + b, 0) / ys.length;
      let num = 0;
      let den = 0;
      xs.forEach((x, i) => {
        num += (x - mx) * ((ys[i] as number) - my);
        den += (x - mx) ** 2;
      });
      slope = den ? num / den : 0;
    }
    const sortedSeconds = perSecond.slice().sort((a, b) => a - b);
    const report: SoakReport = {
      schema: 1,
      takenAt,
      machine,
      git,
      options: { users: options.users, products: options.products, connections: options.connections, minutes: options.soakMinutes, logLevel: options.logLevel },
      dataset: { counts: data.manifest.counts, generationSeconds: data.manifest.seconds, reused: data.reused },
      mix: workload.mix,
      max,
      targetRps,
      soak: result,
      perKind,
      perSecond: { min: sortedSeconds[0] ?? 0, median: sortedSeconds[Math.floor(sortedSeconds.length / 2)] ?? 0, max: sortedSeconds[sortedSeconds.length - 1] ?? 0 },
      memory: {
        samples: samples.map((s) => ({ t: s.t, rssMiB: round(s.rss / MiB), heapUsedMiB: round(s.heapUsed / MiB) })),
        startRssMiB: round(first.rss / MiB),
        endRssMiB: round(last.rss / MiB),
        peakRssMiB: round(peak / MiB),
        growthMiB: round((last.rss - first.rss) / MiB),
        growthPercent: first.rss ? round(((last.rss - first.rss) / first.rss) * 100) : 0,
        slopeMiBPerMinute: slope === null ? null : round(slope, 3),
        startHeapMiB: round(first.heapUsed / MiB),
        endHeapMiB: round(last.heapUsed / MiB),
      },
      notes: [
        ...(machine.loadAverageAtStart > machine.cores * 0.5 ? [`The machine was busy when the soak started (load average ${machine.loadAverageAtStart} on ${machine.cores} cores).`] : []),
        'RSS comes from process.memoryUsage() in the server process, sent over IPC every 5 s (no HTTP endpoint).',
        'The take-out pool is fed by the products the soak adds, so writes go on for the whole soak.',
      ],
    };
    const soakLabel = options.users === 1_000 && options.products === 100_000 ? 'soak-latest' : `soak-latest-${options.users}u-${options.products}p`;
    const label = options.database === 'postgres' ? `${soakLabel}-postgres` : soakLabel;
    const md = soakMarkdown(report);
    const files = writeResults(options.resultsDir, label, report, md, takenAt);
    say('');
    say(md);
    say(`written: ${files.map((f) => path.relative(process.cwd(), f)).join(', ')}`);
  } finally {
    await app.stop();
  }
}

async function main(): Promise<void> {
  let options: BenchOptions;
  try {
    options = parseArgs(process.argv.slice(2));
  } catch (err) {
    console.error((err as Error).message);
    process.exit(2);
  }
  if (options.help) {
    console.log(USAGE);
    console.log('scenarios: list-inside, search, seed-get-product, trends-general, trends-personal, add-product, take-out, login');
    return;
  }
  // A hard stop for the whole bench, whatever happens (the children have their own).
  const limitSeconds = 3 * 3600 + (options.soak ? options.soakMinutes * 60 : 0);
  setTimeout(() => {
    console.error(`bench: ${limitSeconds} s limit reached, stopping`);
    process.exit(4);
  }, limitSeconds * 1000).unref();
  if (options.explain && options.database === 'postgres') throw new Error('--explain reads the SQLite query plans: run it without --database postgres');
  if (options.explain) {
    const data = await ensureDataset(options, say);
    const label = options.users === 1_000 && options.products === 100_000 ? 'explain-latest' : `explain-latest-${options.users}u-${options.products}p`;
    const file = path.join(options.resultsDir, `${label}.md`);
    say(await explain(data.dir, file));
    say(`written: ${path.relative(process.cwd(), file)}`);
  } else if (options.inProcess) say(await inProcess(options, say));
  else if (options.soak) await soak(options);
  else await benchmark(options);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
