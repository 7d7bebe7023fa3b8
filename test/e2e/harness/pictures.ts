/** Real image files for upload tests, as playwright file payloads (no temporary files). */
import sharp from 'sharp';

export interface FilePayload {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/**
 * A JPEG whose pixels depend on `seed` (distinct seeds: distinct files, not duplicates). The pattern is
 * drawn relative to the size, so the same seed at two sizes is the same picture ("similar" photos).
 */
export async function jpeg(name: string, seed: number, width = 640, height = 480): Promise<FilePayload> {
  const r = (seed * 67) % 256;
  const g = (seed * 131) % 256;
  const b = (seed * 199) % 256;
  const stripes = Buffer.alloc(width * height * 3);
  // Fine noise (seeded): real photos do not compress to nothing, and it leaves the picture's shape alone.
  let state = seed * 2654435761;
  const noise = () => {
    state = (state * 1103515245 + 12345) >>> 0;
    return ((state >>> 16) % 25) - 12;
  };
  const clamp = (v: number) => Math.max(0, Math.min(255, v));
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const fx = x / width;
      const fy = y / height;
      const band = Math.floor(fx * 16 + seed) % 2;
      stripes[i] = clamp((band ? r : 255 - r) + noise());
      stripes[i + 1] = clamp((Math.floor(g + fy * 255) % 256) + noise());
      stripes[i + 2] = clamp((band ? b : Math.floor(b + fx * 255) % 256) + noise());
    }
  }
  const buffer = await sharp(stripes, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
  return { name, mimeType: 'image/jpeg', buffer };
}

/** A file that claims to be an image but is not one (the server refuses it by its content). */
export function notAnImage(name = 'notes.jpg'): FilePayload {
  return { name, mimeType: 'image/jpeg', buffer: Buffer.from('these are my shopping notes, not a picture\n') };
}
