import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql, type Kysely } from 'kysely';
import { tableNames } from '../helpers.js';

const here = path.dirname(fileURLToPath(import.meta.url));

/** The original system's dump, in shared/ beside the repository (CI clones it there too). */
export const DUMP = path.resolve(here, '../../../shared/seed-data/freezer.sql');
export const DUMP_TOKEN = '5b68dab9a6c606171473091280898d1c9e581159173d6ba267f3418a6573ae92';
export const DUMP_TOKEN_TEST2 = '1f149b786e59fefd32e1cdda6692bf83ea34307771938e06753f22b57205aea6';

type Value = string | number | null;

/**
 * The rows of one table of the dump, read with a deliberately simple reader of its own (the phpMyAdmin
 * layout: one row per line), so the importer's parser is checked against something independent.
 */
export function dumpRows(table: string, text = fs.readFileSync(DUMP, 'utf8')): Array<Record<string, Value>> {
  const header = new RegExp(`^INSERT INTO \`${table}\` \\(([^)]*)\\) VALUES$`, 'm');
  const m = header.exec(text);
  if (!m) return [];
  const columns = m[1]!.split(',').map((c) => c.trim().replace(/`/g, ''));
  const rows: Array<Record<string, Value>> = [];
  for (const line of text.slice(m.index + m[0].length + 1).split('\n')) {
    if (!line.startsWith('(')) break;
    const values: Value[] = [];
    let i = 1;
    while (i < line.length) {
      if (line[i] === "'") {
        let j = i + 1;
        let raw = '';
        while (line[j] !== "'") {
          if (line[j] === '\\') {
            raw += line[j + 1];
            j += 2;
          } else {
            raw += line[j];
            j += 1;
          }
        }
        values.push(raw);
        i = j + 1;
      } else {
        const j = line.slice(i).search(/[,)]/) + i;
        const token = line.slice(i, j).trim();
        values.push(token === 'NULL' ? null : Number(token));
        i = j;
      }
      if (line[i] === ')') break;
      i += 1; // ','
      while (line[i] === ' ') i += 1;
    }
    rows.push(Object.fromEntries(columns.map((c, k) => [c, values[k] ?? null])));
    if (line.endsWith(';')) break;
  }
  return rows;
}

/** A digest of every row of every table: equal digests, nothing changed. */
export async function digest(db: Kysely<any>): Promise<string> {
  const hash = createHash('sha256');
  for (const name of (await tableNames(db)).filter((t) => !t.startsWith('sqlite_'))) {
    // Sorted here: some tables (WITHOUT ROWID, virtual) have no rowid to order by.
    const rows = (await sql`select * from ${sql.table(name)}`.execute(db)).rows.map((row) => JSON.stringify(row)).sort();
    hash.update(`${name}:${rows.join('\n')}\n`);
  }
  return hash.digest('hex');
}

/** Writes a dump text to a temporary file (in the test run's own directory, removed after the run) and returns its path. */
export function tempDump(text: string, name = 'dump.sql'): string {
  const dir = fs.mkdtempSync(path.join(process.env.FM_TEST_TMP_DIR ?? os.tmpdir(), 'fm-legacy-'));
  const file = path.join(dir, name);
  fs.writeFileSync(file, text);
  return file;
}

/** The CREATE TABLE statements of the original schema (from the dump), with no rows. */
export function schemaOnly(): string {
  const text = fs.readFileSync(DUMP, 'utf8');
  return [...text.matchAll(/CREATE TABLE `[A-Za-z_]+` \([\s\S]*?\) ENGINE=[^;]*;/g)].map((m) => m[0]).join('\n\n');
}
