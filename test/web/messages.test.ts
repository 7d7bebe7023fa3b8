import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const WEB_SRC = fileURLToPath(new URL('../../web/src/', import.meta.url));

function messageFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...messageFiles(full));
    else if (entry.name === 'messages.ts') out.push(full);
  }
  return out.sort();
}

type Catalog = { en: Record<string, string>; fr: Record<string, string> };

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe('web app texts', () => {
  const files = messageFiles(WEB_SRC);

  it('finds the shell’s and every feature’s messages file', () => {
    const names = files.map((f) => path.relative(WEB_SRC, f).split(path.sep).join('/'));
    for (const expected of ['i18n/messages.ts', 'features/account/messages.ts', 'features/freezers/messages.ts', 'features/products/messages.ts', 'features/photos/messages.ts', 'features/trends/messages.ts', 'features/admin/messages.ts']) {
      expect(names).toContain(expected);
    }
  });

  it.each(files.map((f) => [path.relative(WEB_SRC, f), f]))('%s: English and French have the same keys and placeholders, none empty', async (_name, file) => {
    const { messages } = (await import(file)) as { messages: Catalog };
    expect(Object.keys(messages).sort()).toEqual(['en', 'fr']);
    expect(Object.keys(messages.fr).sort()).toEqual(Object.keys(messages.en).sort());
    for (const key of Object.keys(messages.en)) {
      const en = messages.en[key]!;
      const fr = messages.fr[key]!;
      expect(en.trim(), `${key} (en)`).not.toBe('');
      expect(fr.trim(), `${key} (fr)`).not.toBe('');
      expect(placeholders(fr), `${key}: placeholders`).toEqual(placeholders(en));
    }
  });

  it('every messages file is registered in the i18n index (web/src/i18n/catalogs.ts)', async () => {
    const { catalogs } = (await import(path.join(WEB_SRC, 'i18n/catalogs.ts'))) as { catalogs: Record<string, Catalog> };
    const registered = new Set(Object.values(catalogs));
    for (const file of files) {
      const { messages } = (await import(file)) as { messages: Catalog };
      expect(registered.has(messages), `${path.relative(WEB_SRC, file)} is not in catalogs.ts`).toBe(true);
    }
    expect(registered.size).toBe(files.length);
  });
});
