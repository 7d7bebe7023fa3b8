import fs from 'node:fs';
import path from 'node:path';
import type { Manifest } from '../dataset.js';
import { judgedByRate, type ScenarioKind } from '../scenarios.js';
import type { LoadResult } from './load.js';
import type { MachineInfo } from './machine.js';

export interface ScenarioReport {
  name: string;
  kind: ScenarioKind;
  description: string;
  target: string;
  skipped?: string;
  result?: LoadResult;
  /** One connection, one request at a time: the time a request takes with no queue. */
  serial?: { p50: number; p99: number; rps: number };
  /** The ceiling's answers per second around this scenario: the mean of a run just before and one just after (the host's speed drifts). */
  ceilingRps?: number;
  /** okRps / ceilingRps. */
  ceilingRatio?: number;
  met?: boolean;
  /** Server RSS (MiB) at the end of the scenario. */
  serverRssMiB?: number;
  /**
   * CPU time the server process used per answer during the measured run (user + system, ms): 1000 / this =
   * answers per second on one dedicated core. Steadier than the rates, though this host's slow spells move it too.
   */
  serverCpuMsPerRequest?: number;
  /** --rounds N: every round of the scenario, in order; the fields above are those of the median round. */
  rounds?: RoundSummary[];
}

export interface RoundSummary {
  skipped?: string;
  okRps?: number;
  p99?: number;
  errors?: number;
  ceilingRps?: number;
  ceilingRatio?: number;
  serverCpuMsPerRequest?: number;
  met?: boolean;
}

export interface BenchReport {
  schema: 1;
  takenAt: string;
  machine: MachineInfo;
  git: { commit: string; dirty: boolean };
  options: { users: number; products: number; duration: number; warmup: number; connections: number; only: string[]; database?: 'sqlite' | 'postgres'; rounds?: number; logLevel?: string };
  dataset: { counts: Manifest['counts']; generationSeconds: number; reused: boolean };
  ceiling: { before: LoadResult; after: LoadResult; rps: number; cpuMsPerRequest?: number };
  scenarios: ScenarioReport[];
  notes: string[];
}

const n = (value: number, digits = 0) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const cpu = (value: number) => (value >= 10 ? n(value, 1) : n(value, 3));
const ms = (value: number) => (value >= 100 ? n(value, 0) : value >= 10 ? n(value, 1) : n(value, 2));

export function machineLine(machine: MachineInfo): string {
  return `${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node.js ${machine.node}, ${machine.os}; load average ${machine.loadAverageAtStart} at start`;
}

/** The spread of a scenario's rounds: its share of the ceiling, or its requests per second where the target is absolute. */
function roundsRange(s: ScenarioReport): string {
  const runs = (s.rounds ?? []).filter((r) => r.okRps !== undefined);
  if (runs.length < 2) return '—';
  const absolute = judgedByRate(s.kind);
  const values = runs.map((r) => (absolute ? (r.okRps ?? 0) : (r.ceilingRatio ?? 0) * 100)).sort((a, b) => a - b);
  const lo = values[0] as number;
  const hi = values[values.length - 1] as number;
  const met = runs.filter((r) => r.met).length;
  const metText = runs.some((r) => r.met !== undefined) ? `; met in ${met} of ${runs.length}` : '';
  return absolute ? `${n(lo)}–${n(hi)} req/s${metText}` : `${n(lo, 1)}–${n(hi, 1)} %${metText}`;
}

export function scenarioTable(report: BenchReport): string {
  const rounds = (report.options.rounds ?? 1) > 1;
  const lines = [
    `| scenario | kind | req/s (2xx) | ceiling around it, req/s | % of ceiling | p50 ms | p99 ms | p50 ms, 1 conn | server CPU ms/req | errors | target | met |${rounds ? ' rounds: range |' : ''}`,
    `|---|---|--:|--:|--:|--:|--:|--:|--:|--:|---|:-:|${rounds ? '---|' : ''}`,
    `| ceiling (bare node:http), first and last runs | — | ${n(report.ceiling.rps)} | | 100 % | ${ms(report.ceiling.before.latency.p50)} | ${ms(report.ceiling.before.latency.p99)} | — | ${report.ceiling.cpuMsPerRequest === undefined ? '—' : cpu(report.ceiling.cpuMsPerRequest)} | ${report.ceiling.before.errors + report.ceiling.after.errors} | — | — |${rounds ? ' — |' : ''}`,
  ];
  for (const s of report.scenarios) {
    if (s.skipped || !s.result) {
      lines.push(`| ${s.name} | ${s.kind} | skipped: ${s.skipped ?? 'not run'} | | | | | | | | ${s.target} | — |${rounds ? ' — |' : ''}`);
      continue;
    }
    const r = s.result;
    lines.push(
      `| ${s.name} | ${s.kind} | ${n(r.okRps)} | ${s.ceilingRps === undefined ? '—' : n(s.ceilingRps)} | ${n((s.ceilingRatio ?? 0) * 100, 1)} % | ${ms(r.latency.p50)} | ${ms(r.latency.p99)} | ${s.serial ? ms(s.serial.p50) : '—'} | ${s.serverCpuMsPerRequest === undefined ? '—' : cpu(s.serverCpuMsPerRequest)} | ${n(r.errors)} | ${s.target} | ${s.met === undefined ? '—' : s.met ? 'yes' : '**no**'} |${rounds ? ` ${roundsRange(s)} |` : ''}`,
    );
  }
  return lines.join('\n');
}

export function markdown(report: BenchReport): string {
  const c = report.dataset.counts;
  const o = report.options;
  return [
    `### Benchmark, ${report.takenAt.slice(0, 16).replace('T', ' ')} UTC (commit ${report.git.commit}${report.git.dirty ? ', uncommitted changes' : ''})`,
    '',
    `- Machine: ${machineLine(report.machine)}.`,
    `- Dataset: ${n(c.users)} users, ${n(c.freezers)} freezers, ${n(c.products)} product rows (${n(c.inside)} inside, ${n(c.partialTakeOutRows)} partial take-out rows), ${n(c.auditRows)} audit rows; ${report.dataset.reused ? 'reused' : `generated in ${report.dataset.generationSeconds} s`}.`,
    `- Run: ${o.duration} s measured per scenario after ${o.warmup} s of warm-up, ${o.connections} connections (autocannon in the parent process, the server in a child process; reads ask for gzip, as browsers and phones do), ${o.database === 'postgres' ? 'PostgreSQL on the same machine (a pool of 10 connections)' : 'SQLite on local disk'}, the server logging at \`${o.logLevel ?? 'warn'}\`.`,
    ...((o.rounds ?? 1) > 1
      ? [`- Rounds: every scenario ran ${o.rounds} times, one round after the other (all the scenarios in each), each round on a fresh copy of the dataset and a fresh server. Each row is the scenario's median round (by its share of the ceiling; writes and login by req/s); the last column gives the range over the rounds and in how many the target was met.`]
      : []),
    `- Ceiling: bare \`node:http\` answering a fixed JSON body: ${n(report.ceiling.before.okRps)} req/s before the scenarios, ${n(report.ceiling.after.okRps)} after (mean ${n(report.ceiling.rps)}). Each scenario is compared with the ceiling measured again just before and just after it (the mean, in its own column; each 1 s of warm-up, then half a scenario's duration, at least 3 s): this host's speed moves by up to a third within minutes.`,
    '- "server CPU ms/req": CPU time (user + system) the server process spent per answer during the measured run; 1000 / it is the rate one dedicated core would reach. It is steadier than the rates, but this host’s slow spells move it too (by up to a third).',
    '',
    scenarioTable(report),
    '',
    ...(report.notes.length ? ['Notes:', '', ...report.notes.map((note) => `- ${note}`), ''] : []),
  ].join('\n');
}

export interface SoakReport {
  schema: 1;
  takenAt: string;
  machine: MachineInfo;
  git: { commit: string; dirty: boolean };
  options: { users: number; products: number; connections: number; minutes: number; logLevel?: string };
  dataset: { counts: Manifest['counts']; generationSeconds: number; reused: boolean };
  mix: Record<string, number>;
  max: LoadResult;
  targetRps: number;
  soak: LoadResult;
  perKind: Record<string, Record<string, number>>;
  /** Per-second answers during the soak (the slowest seconds show stalls). */
  perSecond: { min: number; median: number; max: number };
  memory: {
    samples: Array<{ t: number; rssMiB: number; heapUsedMiB: number }>;
    startRssMiB: number;
    endRssMiB: number;
    peakRssMiB: number;
    growthMiB: number;
    growthPercent: number;
    /** Least-squares slope of RSS after the first minute, MiB per minute; null when the soak was too short. */
    slopeMiBPerMinute: number | null;
    startHeapMiB: number;
    endHeapMiB: number;
  };
  notes: string[];
}

export function soakMarkdown(report: SoakReport): string {
  const m = report.memory;
  const s = report.soak;
  const c = report.dataset.counts;
  const mix = Object.entries(report.mix)
    .filter(([, w]) => w > 0)
    .map(([name, w]) => `${name} ${w} %`)
    .join(', ');
  const errorsByKind = Object.entries(report.perKind)
    .map(([kind, codes]) => `${kind}: ${Object.entries(codes).map(([code, count]) => `${code}×${n(count)}`).join(' ')}`)
    .join('; ');
  return [
    `### Soak, ${report.takenAt.slice(0, 16).replace('T', ' ')} UTC (commit ${report.git.commit}${report.git.dirty ? ', uncommitted changes' : ''})`,
    '',
    `- Machine: ${machineLine(report.machine)}.`,
    `- Dataset: ${n(c.users)} users, ${n(c.products)} product rows (${n(c.inside)} inside).`,
    `- Workload: ${mix}; ${report.options.connections} connections; the server logging at \`${report.options.logLevel ?? 'warn'}\`.`,
    `- Maximum of that mix: ${n(report.max.okRps)} req/s (p99 ${ms(report.max.latency.p99)} ms); soak at half: ${n(report.targetRps)} req/s for ${report.options.minutes} min.`,
    '',
    '| | value |',
    '|---|--:|',
    `| requests answered | ${n(s.requests)} |`,
    `| achieved req/s (2xx) | ${n(s.okRps)} |`,
    `| errors (non-2xx, socket, timeouts) | ${n(s.errors)} |`,
    `| latency p50 / p99 / max ms | ${ms(s.latency.p50)} / ${ms(s.latency.p99)} / ${ms(s.latency.max)} |`,
    `| answers per second min / median / max | ${n(report.perSecond.min)} / ${n(report.perSecond.median)} / ${n(report.perSecond.max)} |`,
    `| server RSS start → end (peak) MiB | ${n(m.startRssMiB, 1)} → ${n(m.endRssMiB, 1)} (${n(m.peakRssMiB, 1)}) |`,
    `| RSS growth | ${n(m.growthMiB, 1)} MiB (${n(m.growthPercent, 1)} %) |`,
    `| RSS trend after the first minute | ${m.slopeMiBPerMinute === null ? 'n/a (needs a soak of 2 min or more)' : `${n(m.slopeMiBPerMinute, 2)} MiB/min`} |`,
    `| V8 heap used start → end MiB | ${n(m.startHeapMiB, 1)} → ${n(m.endHeapMiB, 1)} |`,
    '',
    `Answers by kind and status: ${errorsByKind}.`,
    '',
    ...(report.notes.length ? ['Notes:', '', ...report.notes.map((note) => `- ${note}`), ''] : []),
  ].join('\n');
}

/** Writes a result as bench/results/<label>.json and .md, and a dated copy under history/; returns the paths. */
export function writeResults(resultsDir: string, label: string, json: unknown, md: string, takenAt: string): string[] {
  fs.mkdirSync(resultsDir, { recursive: true });
  const stamp = takenAt.replace(/[:]/g, '').replace(/\.\d+Z$/, 'Z');
  const files = [
    path.join(resultsDir, `${label}.json`),
    path.join(resultsDir, `${label}.md`),
    path.join(resultsDir, 'history', `${stamp}-${label}.json`),
  ];
  fs.mkdirSync(path.join(resultsDir, 'history'), { recursive: true });
  fs.writeFileSync(files[0] as string, `${JSON.stringify(json, null, 2)}\n`);
  fs.writeFileSync(files[1] as string, md);
  fs.writeFileSync(files[2] as string, `${JSON.stringify(json, null, 2)}\n`);
  return files;
}
