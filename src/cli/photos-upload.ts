/**
 * `freezer-manager photos upload DIR --url URL --token TOKEN [--batch N] [--product ID] [--caption TEXT]`
 *
 * Uploads the image files of a folder (not its sub-folders, not its dot-files) to POST URL/api/v1/photos,
 * N files per request. Each request body is a multipart/form-data stream built here: part headers and
 * the files read from disk chunk by chunk (fs.createReadStream, with backpressure from the socket), with
 * an exact Content-Length, so neither the folder nor a whole batch is ever held in memory.
 *
 * Also used by bench/upload.ts (streamUpload) to send 100 large files in one request.
 */
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import path from 'node:path';
import { Readable } from 'node:stream';
import { parseArgs } from 'node:util';

export const PHOTOS_USAGE = `Usage: freezer-manager photos upload DIR --url URL --token TOKEN [--batch N] [--product ID] [--caption TEXT]

  DIR             a folder: its image files are uploaded (not sub-folders, not dot-files); other files are skipped
  --url URL       the server, e.g. http://127.0.0.1:3000 (the photos go to URL/api/v1/photos)
  --token TOKEN   an API token (fm_...) of the account the photos go to; or set FREEZER_MANAGER_TOKEN,
                  which other users of the machine cannot read in the process list
  --batch N       files per request (default 20)
  --product ID    attach every photo to this product of your freezers
  --caption TEXT  the caption of every photo

Exit status: 0 every file uploaded (or already there), 1 a file was refused or a request failed, 2 bad arguments.`;

/** What is sent, by file name: the server decides from the content, this only picks the files to send. */
const IMAGE_EXTENSIONS = new Set(['.jpg', '.jpeg', '.jpe', '.jfif', '.png', '.webp', '.avif', '.heic', '.heif', '.gif']);
const DEFAULT_BATCH = 20;
const MAX_BATCH = 1000;
const MAX_ANSWER_BYTES = 64 * 1024 * 1024;

export interface LocalFile {
  /** Absolute path on disk. */
  path: string;
  /** The file name sent (its base name). */
  name: string;
  size: number;
}

/** One entry of the upload answer (see src/features/photos/photos.schemas.ts, UploadEntrySchema). */
export interface UploadEntry {
  index: number;
  name: string;
  status: 'created' | 'duplicate' | 'refused';
  id?: number;
  url?: string;
  preview_url?: string;
  size?: number;
  error?: { type: string; code: string; detail: string };
}

/** A request that did not give an upload answer: an HTTP error (with the server's problem) or a network error. */
export class UploadRequestError extends Error {
  constructor(
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'UploadRequestError';
  }
}

/** Quoted-string value of a Content-Disposition parameter: the WHATWG form encoding (UTF-8 kept as is). */
function quoted(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '%22').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

/**
 * A multipart/form-data body as a stream of its parts, with its exact length known beforehand.
 * Fields first, then one `file` part per file, each file read from disk as the socket takes it.
 */
export function multipartStream(fields: Record<string, string>, files: LocalFile[], onBytes?: (n: number) => void): { stream: Readable; length: number; contentType: string } {
  const boundary = `----freezer-manager-${randomBytes(12).toString('hex')}`;
  const fieldParts = Object.entries(fields).map(([name, value]) => Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${quoted(name)}"\r\n\r\n${value}\r\n`));
  const fileHeads = files.map((f) =>
    Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${quoted(f.name)}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
  );
  const crlf = Buffer.from('\r\n');
  const tail = Buffer.from(`--${boundary}--\r\n`);
  const length =
    fieldParts.reduce((n, b) => n + b.length, 0) + fileHeads.reduce((n, b) => n + b.length, 0) + files.reduce((n, f) => n + f.size + crlf.length, 0) + tail.length;

  async function* body(): AsyncGenerator<Buffer> {
    for (const part of fieldParts) yield part;
    for (const [i, file] of files.entries()) {
      yield fileHeads[i] as Buffer;
      let sent = 0;
      if (file.size > 0) {
        for await (const chunk of fs.createReadStream(file.path, { start: 0, end: file.size - 1, highWaterMark: 256 * 1024 })) {
          sent += (chunk as Buffer).length;
          onBytes?.((chunk as Buffer).length);
          yield chunk as Buffer;
        }
      }
      // The Content-Length promised these bytes: a file that shrank meanwhile cannot be sent as announced.
      if (sent !== file.size) throw new Error(`${file.name} changed while it was being sent (${file.size} bytes expected, ${sent} read)`);
      yield crlf;
    }
    yield tail;
  }
  return { stream: Readable.from(body(), { objectMode: false }), length, contentType: `multipart/form-data; boundary=${boundary}` };
}

/** The problem+json of an error answer, as one line: "HTTP 401 Unauthorized: detail". */
function problemLine(status: number, text: string): string {
  try {
    const problem = JSON.parse(text) as { title?: unknown; detail?: unknown; errors?: Array<{ field?: string; message?: string }> };
    const title = typeof problem.title === 'string' ? problem.title : '';
    const detail = typeof problem.detail === 'string' ? problem.detail : '';
    // Field errors that say more than the detail already does.
    const fields = Array.isArray(problem.errors)
      ? problem.errors.filter((e) => e.message && !detail.includes(e.message)).map((e) => `${e.field ?? '?'}: ${e.message}`).join('; ')
      : '';
    return `HTTP ${status}${title ? ` ${title}` : ''}${detail ? `: ${detail}` : ''}${fields ? ` (${fields})` : ''}`;
  } catch {
    const snippet = text.replace(/\s+/g, ' ').trim().slice(0, 300);
    return `HTTP ${status}${snippet ? `: ${snippet}` : ''}`;
  }
}

export interface StreamUploadOptions {
  /** The server's base URL (http or https). */
  url: string;
  token: string;
  files: LocalFile[];
  /** product_id, caption. */
  fields?: Record<string, string>;
  /** Called with the bytes of file content handed to the socket. */
  onBytes?: (n: number) => void;
  /** Gives up when the connection is idle this long (ms), e.g. a server that stopped reading. Default 10 minutes. */
  idleTimeoutMs?: number;
}

/** One POST /api/v1/photos with these files as a streamed multipart body; resolves with the answer's entries. */
export function streamUpload(options: StreamUploadOptions): Promise<UploadEntry[]> {
  const target = new URL('api/v1/photos', options.url.endsWith('/') ? options.url : `${options.url}/`);
  const { stream, length, contentType } = multipartStream(options.fields ?? {}, options.files, options.onBytes);
  const transport = target.protocol === 'https:' ? https : http;
  return new Promise<UploadEntry[]>((resolve, reject) => {
    let settled = false;
    const fail = (err: Error) => {
      if (settled) return;
      settled = true;
      stream.destroy();
      req.destroy();
      reject(err);
    };
    const req = transport.request(target, {
      method: 'POST',
      agent: false,
      headers: { authorization: `Bearer ${options.token}`, 'content-type': contentType, 'content-length': String(length), accept: 'application/json' },
    });
    let answered = false;
    req.setTimeout(options.idleTimeoutMs ?? 10 * 60_000, () => fail(new UploadRequestError(`no progress for ${Math.round((options.idleTimeoutMs ?? 600_000) / 1000)} s, gave up`)));
    req.on('error', (err) => {
      // The server may answer early (a bad token, a request too large) and close before the body is sent: its answer wins.
      if (!answered) fail(new UploadRequestError(`request failed: ${err.message}`));
    });
    req.on('response', (res) => {
      answered = true;
      const status = res.statusCode ?? 0;
      if (status < 200 || status >= 300) {
        // No point sending the rest of the body.
        stream.unpipe(req);
        stream.destroy();
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > MAX_ANSWER_BYTES) return fail(new UploadRequestError(`HTTP ${status}: the answer is larger than ${MAX_ANSWER_BYTES} bytes`, status));
        chunks.push(chunk);
      });
      res.on('error', (err) => fail(new UploadRequestError(`the answer was cut off: ${err.message}`, status)));
      res.on('close', () => {
        if (!res.complete) fail(new UploadRequestError(`HTTP ${status}: the answer was cut off`, status));
      });
      res.on('end', () => {
        if (settled) return;
        const text = Buffer.concat(chunks).toString('utf8');
        if (status !== 201 && status !== 200) return fail(new UploadRequestError(problemLine(status, text), status));
        let entries: unknown;
        try {
          entries = JSON.parse(text);
        } catch {
          return fail(new UploadRequestError(`HTTP ${status}: the answer is not JSON`, status));
        }
        if (!Array.isArray(entries)) return fail(new UploadRequestError(`HTTP ${status}: the answer is not a list of files`, status));
        settled = true;
        req.destroy();
        resolve(entries as UploadEntry[]);
      });
    });
    stream.on('error', (err) => fail(new UploadRequestError(err.message)));
    stream.pipe(req);
  });
}

/** The image files of a folder, by name order (numbers in names compare as numbers). Throws when the folder cannot be read. */
export async function listImageFiles(dir: string): Promise<{ files: LocalFile[]; skipped: string[] }> {
  const entries = await fs.promises.readdir(dir, { withFileTypes: true });
  const files: LocalFile[] = [];
  const skipped: string[] = [];
  for (const entry of entries) {
    if (entry.name.startsWith('.')) continue;
    const full = path.join(dir, entry.name);
    let stat: fs.Stats;
    try {
      stat = await fs.promises.stat(full); // follows symbolic links
    } catch {
      skipped.push(entry.name);
      continue;
    }
    if (!stat.isFile()) continue;
    if (!IMAGE_EXTENSIONS.has(path.extname(entry.name).toLowerCase())) {
      skipped.push(entry.name);
      continue;
    }
    files.push({ path: full, name: entry.name, size: stat.size });
  }
  const order = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
  files.sort((a, b) => order.compare(a.name, b.name) || (a.name < b.name ? -1 : 1));
  skipped.sort(order.compare);
  return { files, skipped };
}

const MB = 1_000_000;
const mb = (bytes: number) => `${(bytes / MB).toFixed(1)} MB`;

/** A progress bar on a terminal; one "batch k/n" line per batch otherwise. */
class Progress {
  private sentBytes = 0;
  private doneFiles = 0;
  private lastDraw = 0;
  private batch = 0;
  private readonly tty: boolean;

  constructor(
    private readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number },
    private readonly totalFiles: number,
    private readonly totalBytes: number,
    private readonly batches: number,
  ) {
    this.tty = Boolean(out.isTTY);
  }

  startBatch(k: number): void {
    this.batch = k;
    this.draw(true);
  }

  bytes(n: number): void {
    this.sentBytes += n;
    this.draw(false);
  }

  endBatch(files: number, line: string): void {
    this.doneFiles += files;
    if (this.tty) {
      this.draw(true);
    } else {
      this.out.write(`batch ${this.batch}/${this.batches}: ${line}\n`);
    }
  }

  finish(): void {
    if (this.tty) this.out.write('\n');
  }

  private draw(force: boolean): void {
    if (!this.tty) return;
    const now = Date.now();
    if (!force && now - this.lastDraw < 100) return;
    this.lastDraw = now;
    const ratio = this.totalBytes > 0 ? Math.min(1, this.sentBytes / this.totalBytes) : this.doneFiles / Math.max(1, this.totalFiles);
    const width = Math.max(10, Math.min(40, (this.out.columns ?? 80) - 60));
    const filled = Math.round(ratio * width);
    const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
    this.out.write(`\r\x1b[K[${bar}] ${String(Math.round(ratio * 100)).padStart(3)}%  ${mb(this.sentBytes)}/${mb(this.totalBytes)}  ${this.doneFiles}/${this.totalFiles} files  batch ${this.batch}/${this.batches}`);
  }
}

interface Io {
  stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
}

/** `freezer-manager photos ...`: returns the exit status. */
export async function photosCommand(args: string[], io: Io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  const usageError = (message: string) => {
    io.stderr.write(`photos: ${message}\n\n${PHOTOS_USAGE}\n`);
    return 2;
  };
  const parse = () =>
    parseArgs({
      args,
      allowPositionals: true,
      strict: true,
      options: { url: { type: 'string' }, token: { type: 'string' }, batch: { type: 'string' }, product: { type: 'string' }, caption: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
    });
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse();
  } catch (err) {
    return usageError((err as Error).message.replace(/\s+/g, ' '));
  }
  const { positionals, values } = parsed;
  if (values.help) {
    io.stdout.write(`${PHOTOS_USAGE}\n`);
    return 0;
  }
  if (positionals[0] !== 'upload') return usageError(positionals[0] ? `unknown subcommand "${positionals[0]}"` : 'a subcommand is needed');
  if (positionals.length !== 2) return usageError(positionals.length < 2 ? 'DIR is missing' : 'one DIR only');
  if (!values.url) return usageError('--url is missing');
  // FREEZER_MANAGER_TOKEN keeps the token out of the process list, where other users of the machine could read it.
  const token = values.token ?? process.env.FREEZER_MANAGER_TOKEN;
  if (!token) return usageError('--token (or FREEZER_MANAGER_TOKEN) is missing');
  let base: URL;
  try {
    base = new URL(values.url);
  } catch {
    return usageError(`--url is not a URL: ${values.url}`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') return usageError('--url must start with http:// or https://');
  if (base.username || base.password) return usageError('--url must not hold credentials; the token goes in --token');
  const batchSize = values.batch === undefined ? DEFAULT_BATCH : Number(values.batch);
  if (!Number.isInteger(batchSize) || batchSize < 1 || batchSize > MAX_BATCH) return usageError(`--batch must be a whole number from 1 to ${MAX_BATCH}`);
  const fields: Record<string, string> = {};
  if (values.product !== undefined) {
    if (!/^[1-9]\d{0,9}$/.test(values.product) || Number(values.product) > 2147483647) return usageError('--product must be a product id (a positive whole number)');
    fields.product_id = values.product;
  }
  if (values.caption !== undefined) {
    if (values.caption.length > 2000) return usageError('--caption holds at most 2000 characters');
    fields.caption = values.caption;
  }
  const dir = path.resolve(positionals[1] as string);
  let listing: Awaited<ReturnType<typeof listImageFiles>>;
  try {
    listing = await listImageFiles(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'no such folder' : code === 'ENOTDIR' ? 'not a folder' : code === 'EACCES' ? 'permission denied' : (err as Error).message;
    return usageError(`cannot read ${dir}: ${why}`);
  }

  // Whatever is printed, the token never is (a server or a proxy could echo it back).
  const redact = (text: string) => text.split(token).join('***');
  const say = (text: string) => io.stdout.write(`${redact(text)}\n`);
  const warn = (text: string) => io.stderr.write(`${redact(text)}\n`);

  const { files, skipped } = listing;
  if (skipped.length) warn(`Skipping ${skipped.length} file${skipped.length === 1 ? '' : 's'} not named as an image: ${skipped.slice(0, 10).join(', ')}${skipped.length > 10 ? ', ...' : ''}`);
  if (!files.length) {
    say(`No image files in ${dir}.`);
    say('Uploaded: 0\nDuplicates: 0\nRefused: 0');
    return 0;
  }

  const batches: LocalFile[][] = [];
  for (let i = 0; i < files.length; i += batchSize) batches.push(files.slice(i, i + batchSize));
  const totalBytes = files.reduce((n, f) => n + f.size, 0);
  const progress = new Progress(io.stderr, files.length, totalBytes, batches.length);
  const created: Array<{ file: LocalFile; entry: UploadEntry }> = [];
  const duplicates: Array<{ file: LocalFile; entry: UploadEntry }> = [];
  const refused: Array<{ file: LocalFile; entry: UploadEntry }> = [];
  let failure: { batch: number; message: string } | undefined;
  let notSent = 0;
  const started = performance.now();

  // Check the token first: a server refusing it answers before reading the body and closes the connection,
  // and a client still writing a large body may then only see a broken pipe instead of the answer.
  try {
    const me = await fetch(new URL('api/v1/me', base), { headers: { authorization: `Bearer ${token}`, accept: 'application/json' } });
    if (!me.ok) failure = { batch: 0, message: problemLine(me.status, await me.text()) };
  } catch (err) {
    failure = { batch: 0, message: `cannot reach ${base.origin}: ${(err as Error).message}` };
  }

  for (const [k, batch] of batches.entries()) {
    if (failure) {
      notSent += batch.length;
      continue;
    }
    progress.startBatch(k + 1);
    try {
      const entries = await streamUpload({ url: base.href, token, files: batch, fields, onBytes: (n) => progress.bytes(n) });
      const counts = { created: 0, duplicate: 0, refused: 0 };
      for (const [i, file] of batch.entries()) {
        const entry = entries.find((e) => e.index === i) ?? entries[i];
        if (!entry) {
          refused.push({ file, entry: { index: i, name: file.name, status: 'refused', error: { type: '', code: 'no-answer', detail: 'the server did not answer for this file' } } });
          counts.refused += 1;
          continue;
        }
        const bucket = entry.status === 'created' ? created : entry.status === 'duplicate' ? duplicates : refused;
        bucket.push({ file, entry });
        counts[entry.status === 'created' || entry.status === 'duplicate' ? entry.status : 'refused'] += 1;
      }
      progress.endBatch(batch.length, `${counts.created} uploaded, ${counts.duplicate} duplicate${counts.duplicate === 1 ? '' : 's'}, ${counts.refused} refused`);
    } catch (err) {
      const message = err instanceof UploadRequestError ? err.message : `request failed: ${(err as Error).message}`;
      failure = { batch: k + 1, message };
      notSent += batch.length;
      progress.endBatch(0, 'request failed');
    }
  }
  progress.finish();
  const seconds = (performance.now() - started) / 1000;

  const where = failure && failure.batch === 0 ? 'the account check failed' : `batch ${failure?.batch}/${batches.length} failed`;
  if (failure) warn(`photos upload: ${where}: ${failure.message}`);
  say(`Uploaded: ${created.length}`);
  say(`Duplicates: ${duplicates.length}`);
  for (const { file, entry } of duplicates) say(`  ${file.name}: already there as photo ${entry.id ?? '?'}`);
  say(`Refused: ${refused.length}`);
  for (const { file, entry } of refused) say(`  ${file.name}: ${entry.error?.detail ?? 'refused'}${entry.error?.code ? ` (${entry.error.code})` : ''}`);
  if (failure) say(`Not uploaded: ${notSent} (${where}: ${failure.message})`);
  const sentBytes = [...created, ...duplicates, ...refused].reduce((n, { file }) => n + file.size, 0);
  const requests = failure ? failure.batch : batches.length;
  say(`${files.length - notSent} of ${files.length} files answered (${mb(sentBytes)}) in ${requests} request${requests === 1 ? '' : 's'}, ${seconds.toFixed(1)} s.`);
  return failure || refused.length ? 1 : 0;
}
