/**
 * npm run bench:upload: the bulk photo upload of issue 4, measured (a script, not a test).
 *
 * 1. Generates N (100) 12-megapixel JPEGs (4000 x 3000, a gradient, a disc and pixel noise, so they weigh
 *    what a phone photo weighs, ~3-5 MB, and no two are alike) into a temporary folder, a few at a time.
 * 2. Starts the application in a child process (bench/server-child.ts) on a fresh DATA_DIR on 127.0.0.1,
 *    signs up, sends one tiny warm-up photo (sharp and libvips loaded, as in a server that has been up).
 * 3. Sends all N files in ONE multipart request, streamed from disk by the CLI's own uploader
 *    (src/cli/photos-upload.ts), sampling the server's /proc/<pid>/status (VmRSS, VmHWM) every 50 ms.
 * 4. Waits until every photo's previews are made (the database read-only: preview_state), then checks
 *    that each thumbnail answers.
 * Prints wall time, MB/s, the server's peak RSS next to the request's size, the RSS along the request, and
 * the time until every preview exists. Everything is bounded in time; the temporary folder is removed.
 *
 *   npm run bench:upload [-- --files N --width W --height H --quality Q --concurrency C]
 */
import SQLite from 'better-sqlite3';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { streamUpload, type LocalFile, type UploadEntry } from '../src/cli/photos-upload.js';
import { DATABASE_FILE } from './dataset.js';
import { gitInfo, machineInfo } from './lib/machine.js';
import { startChild, type Child } from './lib/processes.js';

const MiB = 2 ** 20;
const MB = 1e6;
const say = (line: string) => console.log(line);
const fmt = (value: number, digits = 1) => value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });

const USAGE = `npm run bench:upload [-- options]

  --files N         photos in the one request (default 100)
  --width W         pixels (default 4000)
  --height H        pixels (default 3000): 4000 x 3000 = 12 megapixels
  --quality Q       JPEG quality (default 90)
  --concurrency C   images generated at once (default: the number of cores)
`;

interface Options {
  files: number;
  width: number;
  height: number;
  quality: number;
  concurrency: number;
}

function options(argv: string[]): Options | undefined {
  const { values } = parseArgs({
    args: argv,
    options: { files: { type: 'string' }, width: { type: 'string' }, height: { type: 'string' }, quality: { type: 'string' }, concurrency: { type: 'string' }, help: { type: 'boolean' } },
  });
  if (values.help) return undefined;
  const int = (name: string, raw: string | undefined, fallback: number, min: number, max: number) => {
    const value = raw === undefined ? fallback : Number(raw);
    if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${name} must be a whole number from ${min} to ${max}`);
    return value;
  };
  return {
    files: int('files', values.files, 100, 1, 1000),
    width: int('width', values.width, 4000, 16, 10_000),
    height: int('height', values.height, 3000, 16, 10_000),
    quality: int('quality', values.quality, 90, 1, 100),
    concurrency: int('concurrency', values.concurrency, Math.max(1, os.availableParallelism()), 1, 64),
  };
}

/** Raw RGB pixels: a diagonal gradient, a lighter disc placed by the seed, and noise from a xorshift of the seed. */
function pixels(seed: number, width: number, height: number): Buffer {
  const px = Buffer.allocUnsafe(width * height * 3);
  let s = Math.imul(seed + 1, 2654435761) >>> 0 || 1;
  const cx = (seed * 997) % width;
  const cy = (seed * 613) % height;
  const r2 = (Math.min(width, height) / 3) ** 2;
  const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);
  let i = 0;
  for (let y = 0; y < height; y += 1) {
    const gy = (y * 255) / height;
    for (let x = 0; x < width; x += 1) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      const disc = (x - cx) * (x - cx) + (y - cy) * (y - cy) < r2 ? 60 : 0;
      px[i++] = clamp((((x * 255) / width) | 0) + (s & 31) - 16 + disc);
      px[i++] = clamp((gy | 0) + ((s >>> 8) & 31) - 16);
      px[i++] = clamp(((((x + y) * 127) / (width + height)) | 0) + 64 + ((s >>> 16) & 31) - 16 + disc);
    }
  }
  return px;
}

/** Writes the JPEGs, `concurrency` at a time (filling pixels here, encoding on libvips' threads). */
async function generate(dir: string, o: Options): Promise<LocalFile[]> {
  const files: LocalFile[] = new Array(o.files);
  let next = 0;
  let done = 0;
  const started = performance.now();
  async function worker(): Promise<void> {
    while (next < o.files) {
      const i = next;
      next += 1;
      const name = `IMG_${String(i + 1).padStart(4, '0')}.jpg`;
      const file = path.join(dir, name);
      const raw = pixels(i, o.width, o.height);
      await sharp(raw, { raw: { width: o.width, height: o.height, channels: 3 } }).jpeg({ quality: o.quality }).toFile(file);
      files[i] = { path: file, name, size: fs.statSync(file).size };
      done += 1;
      if (done % 10 === 0 || done === o.files) say(`  generated ${done}/${o.files} (${fmt((performance.now() - started) / 1000)} s)`);
    }
  }
  await Promise.all(Array.from({ length: Math.min(o.concurrency, o.files) }, worker));
  return files;
}

/** VmRSS and VmHWM (peak RSS) of a process, in bytes, from /proc/<pid>/status. */
function memoryOf(pid: number): { rss: number; hwm: number } {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN) * 1024;
  return { rss: kb('VmRSS'), hwm: kb('VmHWM') };
}

async function json(url: string, init: RequestInit = {}): Promise<any> {
  const response = await fetch(url, { ...init, signal: AbortSignal.timeout(30_000) });
  const text = await response.text();
  if (!response.ok) throw new Error(`${init.method ?? 'GET'} ${url}: HTTP ${response.status} ${text.slice(0, 300)}`);
  return text ? JSON.parse(text) : undefined;
}

/** The run's temporary folder (images, DATA_DIR, server log), removed whatever happens. */
let tmpDir: string | undefined;

async function bench(o: Options): Promise<void> {
  const machine = machineInfo();
  const git = gitInfo();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fm-bench-upload-'));
  tmpDir = tmp;
  const imagesDir = path.join(tmp, 'images');
  const dataDir = path.join(tmp, 'data');
  fs.mkdirSync(imagesDir);
  fs.mkdirSync(dataDir);
  let app: Child | undefined;
  const cleanUp = () => fs.rmSync(tmp, { recursive: true, force: true });
  const onSignal = () => {
    void app?.stop().finally(() => {
      cleanUp();
      process.exit(130);
    });
    if (!app) {
      cleanUp();
      process.exit(130);
    }
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    say(`machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node.js ${machine.node}, load average ${machine.loadAverageAtStart}`);
    const mp = (o.width * o.height) / 1e6;
    say(`generating ${o.files} JPEGs of ${o.width} x ${o.height} (${fmt(mp)} MP), quality ${o.quality}, ${o.concurrency} at a time, into ${imagesDir}`);
    const t0 = performance.now();
    const files = await generate(imagesDir, o);
    const fileBytes = files.reduce((n, f) => n + f.size, 0);
    say(`  ${fmt(fileBytes / MB)} MB in ${fmt((performance.now() - t0) / 1000)} s (${fmt(fileBytes / o.files / MB, 2)} MB per file)`);

    app = await startChild('server-child.js', {
      name: 'application',
      env: { BENCH_DATA_DIR: dataDir, BENCH_MEMORY_INTERVAL_MS: '60000' },
      logFile: path.join(tmp, 'server.log'),
      maxSeconds: 1800,
    });
    const server = app;
    say(`application: pid ${server.pid} on ${server.url}, DATA_DIR ${dataDir}`);
    const signUp = await json(`${server.url}/api/v1/users`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: `bench-upload-${Date.now()}@example.com`, password: 'correct horse battery staple' }),
    });
    const token = signUp.token as string;

    // Warm-up: one tiny photo, so the baseline includes sharp and libvips as loaded by any running server.
    const warmFile = path.join(tmp, 'warm-up.jpg');
    await sharp({ create: { width: 64, height: 48, channels: 3, background: '#468' } }).jpeg().toFile(warmFile);
    const warm = await streamUpload({ url: server.url, token, files: [{ path: warmFile, name: 'warm-up.jpg', size: fs.statSync(warmFile).size }] });
    const db = new SQLite(path.join(dataDir, DATABASE_FILE), { readonly: true, fileMustExist: true });
    const readyCount = (ids: number[]) =>
      (db.prepare(`select count(*) as n from photos where preview_state = 'ready' and id in (${ids.map(() => '?').join(',')})`).get(...ids) as { n: number }).n;
    const failedCount = (ids: number[]) =>
      (db.prepare(`select count(*) as n from photos where preview_state = 'failed' and id in (${ids.map(() => '?').join(',')})`).get(...ids) as { n: number }).n;
    const warmIds = warm.filter((e) => e.id !== undefined).map((e) => e.id as number);
    for (const until = Date.now() + 30_000; readyCount(warmIds) < warmIds.length && Date.now() < until; ) await new Promise((r) => setTimeout(r, 50));
    await new Promise((r) => setTimeout(r, 500));
    const baseline = memoryOf(server.pid);
    say(`server before the upload: RSS ${fmt(baseline.rss / MiB)} MiB, peak so far ${fmt(baseline.hwm / MiB)} MiB`);

    // The one request: every file, streamed from disk.
    let sent = 0;
    const samples: Array<{ t: number; sent: number; rss: number; hwm: number }> = [];
    const sample = () => samples.push({ t: performance.now(), sent, ...memoryOf(server.pid) });
    const sampler = setInterval(sample, 50);
    say(`uploading ${o.files} files (${fmt(fileBytes / MB)} MB) in one multipart request...`);
    const start = performance.now();
    let entries: UploadEntry[];
    try {
      entries = await streamUpload({ url: server.url, token, files, onBytes: (n) => (sent += n), idleTimeoutMs: 300_000 });
    } finally {
      clearInterval(sampler);
    }
    const answered = performance.now();
    sample();
    const afterUpload = memoryOf(server.pid);
    const wall = (answered - start) / 1000;
    const statuses = entries.reduce<Record<string, number>>((acc, e) => ((acc[e.status] = (acc[e.status] ?? 0) + 1), acc), {});
    const ids = entries.filter((e) => e.status === 'created').map((e) => e.id as number);
    if (entries.length !== o.files || ids.length !== o.files) throw new Error(`expected ${o.files} created photos, got ${JSON.stringify(statuses)}: ${JSON.stringify(entries.find((e) => e.status !== 'created'))}`);

    // Previews: made in the background after the answer; poll the database (read-only), never the preview
    // links, which would make them on demand and measure something else.
    let ready = readyCount(ids);
    const previewDeadline = Date.now() + 15 * 60_000;
    let peakDuringPreviews = afterUpload.hwm;
    while (ready < ids.length) {
      if (failedCount(ids) > 0) throw new Error(`${failedCount(ids)} previews failed (see ${path.join(tmp, 'server.log')})`);
      if (Date.now() > previewDeadline) throw new Error(`only ${ready}/${ids.length} previews after 15 minutes`);
      await new Promise((r) => setTimeout(r, 100));
      peakDuringPreviews = Math.max(peakDuringPreviews, memoryOf(server.pid).hwm);
      ready = readyCount(ids);
    }
    const previewsDone = performance.now();
    db.close();
    const end = memoryOf(server.pid);

    // Every thumbnail answers (made already: this reads them).
    let okThumbs = 0;
    for (const id of ids) {
      const response = await fetch(`${server.url}/api/v1/photos/${id}/preview`, { headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(30_000) });
      const body = Buffer.from(await response.arrayBuffer());
      if (response.status === 200 && response.headers.get('content-type') === 'image/webp' && body.length > 0) okThumbs += 1;
    }
    if (okThumbs !== ids.length) throw new Error(`${ids.length - okThumbs} thumbnails did not answer`);

    // RSS along the request, by share of the body sent.
    const along = [0.25, 0.5, 0.75, 1].map((share) => {
      const s = samples.find((x) => x.sent >= share * fileBytes) ?? samples[samples.length - 1];
      return { share, rss: s?.rss ?? NaN, hwm: s?.hwm ?? NaN };
    });
    const maxSampled = Math.max(...samples.map((x) => x.rss));
    const growthMiB = (maxSampled - baseline.rss) / MiB;
    const takenAt = new Date().toISOString();
    const lines = [
      `### Bulk upload, ${takenAt.slice(0, 16).replace('T', ' ')} UTC (commit ${git.commit}${git.dirty ? ', uncommitted changes' : ''})`,
      '',
      `- Machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB, Node.js ${machine.node}, ${machine.os}; load average ${machine.loadAverageAtStart} at start.`,
      `- ${o.files} JPEGs of ${o.width} x ${o.height} (${fmt(mp)} MP, quality ${o.quality}): ${fmt(fileBytes / MB)} MB, ${fmt(fileBytes / o.files / MB, 2)} MB per file, sent in **one** multipart request streamed from disk (the CLI's uploader), local disk storage, server in a child process on 127.0.0.1, default limits (25 MB per file, preview concurrency 2).`,
      '',
      '| | value |',
      '|---|--:|',
      `| request body | ${fmt(fileBytes / MB)} MB (${fmt(fileBytes / MiB)} MiB) |`,
      `| wall time, first byte sent → answer (${entries.length} entries, all \`created\`) | ${fmt(wall, 2)} s |`,
      `| throughput | ${fmt(fileBytes / MB / wall)} MB/s (${fmt(o.files / wall)} photos/s) |`,
      `| server RSS before the request (after start-up and one warm-up photo) | ${fmt(baseline.rss / MiB)} MiB |`,
      `| server RSS at 25 / 50 / 75 / 100 % of the body sent | ${along.map((a) => fmt(a.rss / MiB)).join(' / ')} MiB |`,
      `| server RSS, highest sample during the request (every 50 ms) | ${fmt(maxSampled / MiB)} MiB (+${fmt(growthMiB)} MiB over the baseline: ${fmt(((maxSampled - baseline.rss) / fileBytes) * 100)} % of the body's size) |`,
      `| server peak RSS (VmHWM, whole life so far) at the answer | ${fmt(afterUpload.hwm / MiB)} MiB (${fmt(baseline.hwm / MiB)} MiB before the request) |`,
      `| time until every preview exists (256 px + 1600 px WebP, made in the background) | ${fmt((previewsDone - answered) / 1000, 1)} s after the answer, ${fmt((previewsDone - start) / 1000, 1)} s after the first byte |`,
      `| server peak RSS (VmHWM) including the previews | ${fmt(Math.max(end.hwm, peakDuringPreviews) / MiB)} MiB |`,
      '',
    ];
    say('');
    say(lines.join('\n'));
    say(`(${okThumbs}/${ids.length} thumbnails answered 200 image/webp)`);
  } catch (err) {
    const log = path.join(tmp, 'server.log');
    if (fs.existsSync(log)) console.error(`server log (last lines):\n${fs.readFileSync(log, 'utf8').split('\n').slice(-20).join('\n')}`);
    throw err;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    await app?.stop();
    cleanUp();
  }
}

async function main(): Promise<void> {
  let o: Options | undefined;
  try {
    o = options(process.argv.slice(2));
  } catch (err) {
    console.error(`${(err as Error).message}\n\n${USAGE}`);
    process.exit(2);
  }
  if (!o) {
    console.log(USAGE);
    return;
  }
  // A hard stop, whatever happens (the server child has its own).
  setTimeout(() => {
    console.error('bench:upload: 40 minute limit reached, stopping');
    if (tmpDir) fs.rmSync(tmpDir, { recursive: true, force: true });
    process.exit(4);
  }, 40 * 60_000).unref();
  await bench(o);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(err instanceof Error ? (err.stack ?? err.message) : err);
    process.exit(1);
  },
);
