/** Real image files for upload tests, as playwright file payloads (no temporary files). */
import sharp from 'sharp';

export interface FilePayload {
  name: string;
  mimeType: string;
  buffer: Buffer;
}

/** A JPEG whose pixels depend on `seed` (distinct seeds: distinct files, not duplicates). */
export async function jpeg(name: string, seed: number, width = 640, height = 480): Promise<FilePayload> {
  const r = (seed * 67) % 256;
  const g = (seed * 131) % 256;
  const b = (seed * 199) % 256;
  const stripes = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      const band = Math.floor((x + seed * 13) / 40) % 2;
      stripes[i] = band ? r : 255 - r;
      stripes[i + 1] = (g + y) % 256;
      stripes[i + 2] = band ? b : (b + x) % 256;
    }
  }
  const buffer = await sharp(stripes, { raw: { width, height, channels: 3 } }).jpeg({ quality: 85 }).toBuffer();
  return { name, mimeType: 'image/jpeg', buffer };
}

/** A file that claims to be an image but is not one (the server refuses it by its content). */
export function notAnImage(name = 'notes.jpg'): FilePayload {
  return { name, mimeType: 'image/jpeg', buffer: Buffer.from('these are my shopping notes, not a picture\n') };
}
