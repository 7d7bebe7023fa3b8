import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { expect } from 'vitest';

export interface FilePart {
  filename: string;
  data: Buffer;
  /** What the client claims; the server must not believe it. */
  contentType?: string;
  field?: string;
}

export type Part = FilePart | { field: string; value: string };

const isFile = (p: Part): p is FilePart => 'data' in p;

/** A multipart/form-data body, built by hand so tests control every byte. */
export function multipartBody(parts: Part[], boundary = `----fm${Date.now().toString(16)}${Math.random().toString(16).slice(2)}`): { body: Buffer; contentType: string } {
  const chunks: Buffer[] = [];
  for (const part of parts) {
    if (isFile(part)) {
      chunks.push(
        Buffer.from(
          `--${boundary}\r\nContent-Disposition: form-data; name="${part.field ?? 'file'}"; filename="${part.filename}"\r\nContent-Type: ${part.contentType ?? 'application/octet-stream'}\r\n\r\n`,
        ),
        part.data,
        Buffer.from('\r\n'),
      );
    } else {
      chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${part.field}"\r\n\r\n${part.value}\r\n`));
    }
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return { body: Buffer.concat(chunks), contentType: `multipart/form-data; boundary=${boundary}` };
}

export async function upload(base: string, token: string, parts: Part[]): Promise<{ status: number; body: any; text: string; headers: Headers }> {
  const { body, contentType } = multipartBody(parts);
  const response = await fetch(`${base}/api/v1/photos`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': contentType }, body });
  const text = await response.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = undefined;
  }
  return { status: response.status, body: parsed, text, headers: response.headers };
}

/** Raw bytes of a GET (photos, previews). */
export async function fetchBytes(base: string, url: string, token?: string, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${url}`, { headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...headers } });
  return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) };
}

/** A small picture whose content depends on `seed`: a colour and a gradient, so no two seeds give the same bytes. */
export function picture(seed: number, width = 48, height = 32) {
  const r = (seed * 37) % 256;
  const g = (seed * 91) % 256;
  const b = (seed * 53) % 256;
  const overlay = Buffer.from(
    `<svg width="${width}" height="${height}"><rect x="${seed % width}" y="${(seed * 7) % height}" width="${Math.max(4, width / 3)}" height="${Math.max(4, height / 3)}" fill="rgb(${255 - r},${255 - g},${255 - b})"/></svg>`,
  );
  return sharp({ create: { width, height, channels: 3, background: { r, g, b } } }).composite([{ input: overlay }]);
}

export const jpeg = async (seed: number, width?: number, height?: number) => picture(seed, width, height).jpeg({ quality: 80 }).toBuffer();
export const png = async (seed: number, width?: number, height?: number) => picture(seed, width, height).png().toBuffer();
export const webp = async (seed: number, width?: number, height?: number) => picture(seed, width, height).webp().toBuffer();

/** Every file under a directory, relative paths. */
export function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) out.push(path.relative(dir, path.join(entry.parentPath ?? (entry as any).path, entry.name)));
  }
  return out.sort();
}

export { eventually } from '../helpers.js';
