import exifReader from 'exif-reader';
import sharp, { type Metadata } from 'sharp';

// libvips caches operations for reuse; uploads never repeat one, and the cache only grows the RSS.
sharp.cache(false);

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'avif' | 'heic' | 'gif';

export const MIME: Record<ImageFormat, string> = {
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
  avif: 'image/avif',
  heic: 'image/heic',
  gif: 'image/gif',
};

/** Bytes needed to tell the formats apart (an ISO-BMFF ftyp box with a few compatible brands). */
export const SNIFF_BYTES = 64;

/** HEIC needs an HEVC decoder, which sharp's prebuilt libvips leaves out; a build with it reads HEIC too. */
export const HEIC_SUPPORTED = (sharp.format.heif?.input?.fileSuffix ?? []).some((s) => s === '.heic' || s === '.heif');

const HEIC_BRANDS = new Set(['heic', 'heix', 'hevc', 'hevx', 'heim', 'heis', 'hevm', 'hevs']);

/** The image format from the first bytes of a file, never from its name or declared type; undefined: not an image we take. */
export function sniffFormat(head: Buffer): ImageFormat | undefined {
  if (head.length >= 3 && head[0] === 0xff && head[1] === 0xd8 && head[2] === 0xff) return 'jpeg';
  if (head.length >= 8 && head.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'png';
  if (head.length >= 6 && ['GIF87a', 'GIF89a'].includes(head.subarray(0, 6).toString('latin1'))) return 'gif';
  if (head.length >= 12 && head.subarray(0, 4).toString('latin1') === 'RIFF' && head.subarray(8, 12).toString('latin1') === 'WEBP') return 'webp';
  if (head.length >= 12 && head.subarray(4, 8).toString('latin1') === 'ftyp') {
    const boxSize = Math.min(head.readUInt32BE(0), head.length);
    const major = head.subarray(8, 12).toString('latin1');
    const brands = [major];
    for (let at = 16; at + 4 <= boxSize; at += 4) brands.push(head.subarray(at, at + 4).toString('latin1'));
    if (brands.includes('avif') || brands.includes('avis')) return 'avif';
    if (brands.some((b) => HEIC_BRANDS.has(b)) || major === 'mif1' || major === 'msf1') return 'heic';
  }
  return undefined;
}

/** Why an image is refused; the key is a message key of src/i18n/messages.ts. */
export class ImageRefusal extends Error {
  constructor(
    readonly key: 'photo-corrupt' | 'photo-too-many-pixels',
    readonly params: Record<string, string | number> = {},
  ) {
    super(key);
    this.name = 'ImageRefusal';
  }
}

export interface ImageFacts {
  /** As displayed, EXIF orientation applied. */
  width: number;
  height: number;
  /** DateTimeOriginal (else DateTime) from EXIF, as an ISO date-time; the camera's clock, no time zone. */
  takenAt: string | null;
  /** 64-bit difference hash, 16 hex digits. */
  dhash: string;
}

function exifDate(exif: Buffer | undefined): string | null {
  if (!exif) return null;
  try {
    const data = exifReader(exif);
    const date = data.Photo?.DateTimeOriginal ?? data.Photo?.DateTimeDigitized ?? data.Image?.DateTime;
    if (date instanceof Date && !Number.isNaN(date.getTime()) && date.getUTCFullYear() >= 1900) return date.toISOString();
  } catch {
    // unreadable EXIF: no date, the image itself may still be fine
  }
  return null;
}

/**
 * Reads an image fully: its size (refused over maxPixels, before anything is decoded), its EXIF date,
 * and its difference hash, which decodes every pixel, so a damaged file is refused here.
 */
export async function analyseImage(input: Buffer, maxPixels: number): Promise<ImageFacts> {
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch {
    throw new ImageRefusal('photo-corrupt');
  }
  const width = meta.width ?? 0;
  const height = meta.height ?? 0;
  if (!width || !height) throw new ImageRefusal('photo-corrupt');
  if (width * height > maxPixels) throw new ImageRefusal('photo-too-many-pixels', { pixels: width * height, limit: maxPixels });
  let dhash: string;
  try {
    dhash = await differenceHash(input, maxPixels);
  } catch {
    throw new ImageRefusal('photo-corrupt');
  }
  const oriented = meta.autoOrient ?? { width, height };
  return { width: oriented.width, height: oriented.height, takenAt: exifDate(meta.exif), dhash };
}

/**
 * dHash: the image in grey, shrunk to 9x8, each bit says whether a pixel is brighter than its right
 * neighbour. Near-identical photos (re-encoded, resized, slightly retouched) differ by a few bits.
 */
export async function differenceHash(input: Buffer, maxPixels: number): Promise<string> {
  const pixels = await sharp(input, { limitInputPixels: maxPixels }).rotate().grayscale().resize(9, 8, { fit: 'fill' }).raw().toBuffer();
  let bits = 0n;
  for (let row = 0; row < 8; row += 1) {
    for (let col = 0; col < 8; col += 1) {
      const left = pixels[row * 9 + col] ?? 0;
      const right = pixels[row * 9 + col + 1] ?? 0;
      bits = (bits << 1n) | (left > right ? 1n : 0n);
    }
  }
  return bits.toString(16).padStart(16, '0');
}

/** Number of differing bits between two 16-hex-digit hashes. */
export function hammingDistance(a: string, b: string): number {
  let x = BigInt(`0x${a}`) ^ BigInt(`0x${b}`);
  let count = 0;
  while (x) {
    x &= x - 1n;
    count += 1;
  }
  return count;
}

export type PreviewSize = 'thumb' | 'display';
export const PREVIEW_PIXELS: Record<PreviewSize, number> = { thumb: 256, display: 1600 };

/** A WebP preview: EXIF orientation applied, fitted inside size x size, every metadata (EXIF, GPS, XMP, ICC) left out. */
export async function renderPreview(input: Buffer, size: PreviewSize, maxPixels: number): Promise<Buffer> {
  const edge = PREVIEW_PIXELS[size];
  // sharp writes no metadata unless asked to (withMetadata/keepExif): the output carries none.
  return sharp(input, { limitInputPixels: maxPixels })
    .rotate()
    .resize({ width: edge, height: edge, fit: 'inside', withoutEnlargement: true })
    .webp({ quality: size === 'thumb' ? 70 : 80 })
    .toBuffer();
}
