import { promisify } from 'node:util';
import { gzip, gzipSync } from 'node:zlib';

/**
 * Whether a request's Accept-Encoding lets the answer be sent gzipped (RFC 9110, 12.5.3): `gzip` (or its
 * old alias `x-gzip`) with a weight above zero, or, when gzip is not named, `*` with a weight above zero.
 * No header, or an empty one, asks for the answer as it is.
 */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  if (header === undefined) return false;
  const text = Array.isArray(header) ? header.join(',') : header;
  // A client sends the same header on every request: the last answer is kept (parsing costs about 1 µs).
  if (text === last.header) return last.gzip;
  const gzip = parse(text);
  last = { header: text, gzip };
  return gzip;
}

let last = { header: '', gzip: false };

function parse(text: string): boolean {
  let named: boolean | undefined;
  let wildcard: boolean | undefined;
  for (const part of text.split(',')) {
    const [coding = '', ...params] = part.split(';');
    const name = coding.trim().toLowerCase();
    if (name !== 'gzip' && name !== 'x-gzip' && name !== '*') continue;
    let weight = 1;
    for (const param of params) {
      const [key = '', value = ''] = param.split('=');
      if (key.trim().toLowerCase() === 'q') weight = Number(value.trim());
    }
    const acceptable = Number.isFinite(weight) && weight > 0;
    if (name === '*') wildcard = acceptable;
    // A coding named twice with different weights: refused if either refuses it.
    else named = (named ?? true) && acceptable;
  }
  return named ?? wildcard ?? false;
}

/** gzip's magic number: what every gzip stream starts with, and no JSON text does. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * zlib's level 5: on the seed API's 25 KB list, 81 µs for 2.8 KB (level 6: 116 µs for 2.7 KB; 9: 191 µs for
 * 2.5 KB). On the event loop up to GZIP_SYNC_MAX_BYTES: zlib's asynchronous one-shot costs about three
 * times the CPU (a stream and a thread-pool round trip per answer), 5–10 % of the server's time in a profile
 * of the search benchmark, whose answers miss the cache a tenth of the time. Larger answers go to the
 * thread pool, so a megabyte history does not hold the other requests up.
 */
const GZIP_OPTIONS = { level: 5 };
export const GZIP_SYNC_MAX_BYTES = 128 * 1024;
const gzipAsync = promisify(gzip);

/** The answer's bytes gzipped: at once when small, on zlib's thread pool when large. */
export function gzipAnswer(json: Buffer): Buffer | Promise<Buffer> {
  return json.length <= GZIP_SYNC_MAX_BYTES ? gzipSync(json, GZIP_OPTIONS) : gzipAsync(json, GZIP_OPTIONS);
}
