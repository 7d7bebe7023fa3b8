import { LEGACY_TABLE_NAMES, LegacyImportError, type LegacyRow, type LegacyTable, type LegacyTables, type LegacyValue } from './legacy.types.js';

/**
 * Reads the original freezer manager's tables out of a MySQL dump (phpMyAdmin or mysqldump) without a
 * MySQL server: the CREATE TABLE statements give column names, the INSERT statements the rows.
 * Everything else (SET, ALTER, comments, other tables) is skipped.
 */

type Token =
  | { t: 'word'; v: string; line: number }
  | { t: 'ident'; v: string; line: number }
  | { t: 'str'; v: string; line: number }
  | { t: 'num'; v: number; line: number }
  | { t: 'punct'; v: string; line: number };

const CANONICAL = new Map<string, LegacyTable>(LEGACY_TABLE_NAMES.map((name) => [name.toLowerCase(), name]));

/** MySQL's backslash escapes; any other escaped character stands for itself (\% and \_ keep their backslash). */
const ESCAPES: Record<string, string> = { '0': '\0', b: '\b', n: '\n', r: '\r', t: '\t', Z: '\x1a', '%': '\\%', _: '\\_' };

const isWordChar = (c: string) => /[A-Za-z0-9_$@\u0080-\uffff]/.test(c);

class Lexer {
  private i = 0;
  line = 1;
  delimiter = ';';
  backslashEscapes = true;

  constructor(private readonly text: string) {}

  private fail(message: string): never {
    throw new LegacyImportError(`the dump cannot be read at line ${this.line}: ${message}`);
  }

  /** Skips blanks and comments; true when the end is reached. */
  private skip(): boolean {
    const s = this.text;
    while (this.i < s.length) {
      const c = s[this.i]!;
      if (c === '\n') {
        this.line += 1;
        this.i += 1;
      } else if (c === ' ' || c === '\t' || c === '\r' || c === '\f' || c === '\ufeff') {
        this.i += 1;
      } else if (c === '#' || (c === '-' && s[this.i + 1] === '-' && (this.i + 2 >= s.length || /\s/.test(s[this.i + 2]!)))) {
        const end = s.indexOf('\n', this.i);
        this.i = end < 0 ? s.length : end;
      } else if (c === '/' && s[this.i + 1] === '*') {
        // Comments, version-conditional ones (/*!40101 SET ... */) included: none of them carries data.
        const end = s.indexOf('*/', this.i + 2);
        if (end < 0) this.fail('unterminated comment');
        for (let k = this.i; k < end; k += 1) if (s[k] === '\n') this.line += 1;
        this.i = end + 2;
      } else {
        return false;
      }
    }
    return true;
  }

  /** At the start of a statement: handles the mysql client's DELIMITER command. */
  delimiterCommand(): boolean {
    if (this.skip()) return false;
    const rest = this.text.slice(this.i, this.i + 200);
    const m = /^delimiter[ \t]+(\S+)[^\n]*/i.exec(rest);
    if (!m) return false;
    this.delimiter = m[1]!;
    this.i += m[0].length;
    return true;
  }

  /** The next token, 'end' at the end of a statement, or undefined at the end of the text. */
  next(): Token | 'end' | undefined {
    if (this.skip()) return undefined;
    const s = this.text;
    const line = this.line;
    if (s.startsWith(this.delimiter, this.i)) {
      this.i += this.delimiter.length;
      return 'end';
    }
    const c = s[this.i]!;
    if (c === "'" || c === '"') return { t: 'str', v: this.quoted(c), line };
    if (c === '`') {
      const end = s.indexOf('`', this.i + 1);
      if (end < 0) this.fail('unterminated `identifier`');
      const v = s.slice(this.i + 1, end);
      this.i = end + 1;
      return { t: 'ident', v, line };
    }
    if (c === '0' && (s[this.i + 1] === 'x' || s[this.i + 1] === 'X') && /[0-9a-fA-F]/.test(s[this.i + 2] ?? '')) {
      const m = /^0[xX]([0-9a-fA-F]+)/.exec(s.slice(this.i, this.i + 1_000_000))!;
      this.i += m[0].length;
      return { t: 'str', v: Buffer.from(m[1]!.length % 2 ? `0${m[1]}` : m[1]!, 'hex').toString('utf8'), line };
    }
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(s[this.i + 1] ?? ''))) {
      const m = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(s.slice(this.i, this.i + 400))!;
      if (!isWordChar(s[this.i + m[0].length] ?? ' ')) {
        this.i += m[0].length;
        return { t: 'num', v: Number(m[0]), line };
      }
    }
    if (isWordChar(c)) {
      let j = this.i;
      while (j < s.length && isWordChar(s[j]!)) j += 1;
      const v = s.slice(this.i, j);
      this.i = j;
      return { t: 'word', v, line };
    }
    this.i += 1;
    return { t: 'punct', v: c, line };
  }

  private quoted(quote: string): string {
    const s = this.text;
    const startLine = this.line;
    const unterminated = (): never => {
      this.line = startLine;
      return this.fail('unterminated string');
    };
    let out = '';
    let j = this.i + 1;
    let chunk = j;
    for (;;) {
      if (j >= s.length) return unterminated();
      const c = s[j]!;
      if (c === '\\' && this.backslashEscapes) {
        out += s.slice(chunk, j);
        const e = s[j + 1];
        if (e === undefined) return unterminated();
        if (e === '\n') this.line += 1;
        out += ESCAPES[e] ?? e;
        j += 2;
        chunk = j;
      } else if (c === quote) {
        if (s[j + 1] === quote) {
          out += s.slice(chunk, j + 1);
          j += 2;
          chunk = j;
        } else {
          out += s.slice(chunk, j);
          this.i = j + 1;
          return out;
        }
      } else {
        if (c === '\n') this.line += 1;
        j += 1;
      }
    }
  }
}

const isWord = (tok: Token | undefined, word: string) => tok?.t === 'word' && tok.v.toUpperCase() === word;
const isPunct = (tok: Token | undefined, p: string) => tok?.t === 'punct' && tok.v === p;

/** A table name, possibly qualified (`db`.`table`): its last part, and the position after it. */
function tableName(tokens: Token[], at: number): [string, number] | undefined {
  let k = at;
  let name: string | undefined;
  for (;;) {
    const tok = tokens[k];
    if (!tok || (tok.t !== 'ident' && tok.t !== 'word')) return name === undefined ? undefined : [name, k];
    name = tok.v;
    k += 1;
    if (!isPunct(tokens[k], '.')) return [name, k];
    k += 1;
  }
}

/** Splits the tokens between matching parentheses at top-level commas. `at` points at the '('. */
function parenthesized(tokens: Token[], at: number): [Token[][], number] | undefined {
  if (!isPunct(tokens[at], '(')) return undefined;
  const parts: Token[][] = [[]];
  let depth = 0;
  for (let k = at; k < tokens.length; k += 1) {
    const tok = tokens[k]!;
    if (isPunct(tok, '(')) {
      depth += 1;
      if (depth === 1) continue;
    } else if (isPunct(tok, ')')) {
      depth -= 1;
      if (depth === 0) return [parts, k + 1];
    } else if (depth === 1 && isPunct(tok, ',')) {
      parts.push([]);
      continue;
    }
    parts[parts.length - 1]!.push(tok);
  }
  return undefined;
}

function fail(line: number, message: string): never {
  throw new LegacyImportError(`the dump cannot be read at line ${line}: ${message}`);
}

function value(parts: Token[], line: number): LegacyValue {
  const [a, b, extra] = parts;
  if (!a) fail(line, 'an empty value');
  if (parts.length === 1) {
    if (a.t === 'str' || a.t === 'num') return a.v;
    if (a.t === 'word') {
      const w = a.v.toUpperCase();
      if (w === 'NULL') return null;
      if (w === 'TRUE') return 1;
      if (w === 'FALSE') return 0;
    }
  } else if (parts.length === 2 && b && extra === undefined) {
    if (a.t === 'punct' && (a.v === '-' || a.v === '+') && b.t === 'num') return a.v === '-' ? -b.v : b.v;
    // A charset introducer (_utf8mb4'...', _binary '...') or a hex literal (X'4142').
    if (a.t === 'word' && b.t === 'str' && a.v.startsWith('_')) return b.v;
    if (a.t === 'word' && b.t === 'str' && a.v.toUpperCase() === 'X' && /^[0-9a-fA-F]*$/.test(b.v)) return Buffer.from(b.v, 'hex').toString('utf8');
  }
  fail(line, `a value that is not a string, a number or NULL (${parts.map((p) => String(p.v)).join(' ').slice(0, 40)})`);
}

export interface ParsedDump {
  tables: LegacyTables;
  /** Tables of the original schema that the dump creates or fills, under their canonical names. */
  seen: Set<LegacyTable>;
  /** Every table name the dump mentions in a CREATE TABLE or an INSERT, as written. */
  mentioned: string[];
}

/** Parses a dump's text. Throws LegacyImportError on what is not SQL; does not check that the schema is complete. */
export function parseDump(text: string): ParsedDump {
  if (text.slice(0, 8192).includes('\0')) throw new LegacyImportError('this is not a text SQL dump (a binary or compressed file?)');
  const lexer = new Lexer(text);
  const tables = Object.fromEntries(LEGACY_TABLE_NAMES.map((n) => [n, []])) as unknown as LegacyTables;
  const columnsOf = new Map<LegacyTable, string[]>();
  const seen = new Set<LegacyTable>();
  const mentioned: string[] = [];

  const handle = (tokens: Token[]) => {
    const first = tokens[0];
    if (!first) return;
    const line = first.line;
    if (isWord(first, 'SET')) {
      // SET SQL_MODE = '...NO_BACKSLASH_ESCAPES...' changes how the strings that follow are read.
      const target = tokens.slice(1, 6).map((t) => String(t.v).toLowerCase()).join('');
      if (target.includes('sql_mode')) {
        const mode = tokens.find((t) => t.t === 'str');
        if (mode && mode.t === 'str') lexer.backslashEscapes = !/NO_BACKSLASH_ESCAPES/i.test(mode.v);
      }
      return;
    }
    if (isWord(first, 'CREATE')) {
      let k = 1;
      while (isWord(tokens[k], 'TEMPORARY')) k += 1;
      if (!isWord(tokens[k], 'TABLE')) return;
      k += 1;
      if (isWord(tokens[k], 'IF') && isWord(tokens[k + 1], 'NOT') && isWord(tokens[k + 2], 'EXISTS')) k += 3;
      const named = tableName(tokens, k);
      if (!named) return;
      mentioned.push(named[0]);
      const table = CANONICAL.get(named[0].toLowerCase());
      if (!table) return;
      const body = parenthesized(tokens, named[1]);
      if (!body) fail(line, `CREATE TABLE ${named[0]} without its columns`);
      const keywords = new Set(['PRIMARY', 'KEY', 'UNIQUE', 'INDEX', 'CONSTRAINT', 'FOREIGN', 'FULLTEXT', 'SPATIAL', 'CHECK', 'PERIOD']);
      const columns = body[0]
        .map((part) => part[0])
        .filter((tok): tok is Token => tok !== undefined && (tok.t === 'ident' || (tok.t === 'word' && !keywords.has(tok.v.toUpperCase()))))
        .map((tok) => String(tok.v).toLowerCase());
      columnsOf.set(table, columns);
      seen.add(table);
      return;
    }
    if (!isWord(first, 'INSERT') && !isWord(first, 'REPLACE')) return;
    let k = 1;
    while (['LOW_PRIORITY', 'DELAYED', 'HIGH_PRIORITY', 'IGNORE', 'INTO'].some((w) => isWord(tokens[k], w))) k += 1;
    const named = tableName(tokens, k);
    if (!named) fail(line, 'an INSERT without a table name');
    mentioned.push(named[0]);
    const table = CANONICAL.get(named[0].toLowerCase());
    if (!table) return;
    seen.add(table);
    k = named[1];
    let columns = columnsOf.get(table);
    if (isPunct(tokens[k], '(')) {
      const list = parenthesized(tokens, k);
      if (!list) fail(line, `INSERT INTO ${named[0]}: unterminated column list`);
      columns = list[0].map((part) => {
        const tok = part[part.length - 1];
        if (!tok || (tok.t !== 'ident' && tok.t !== 'word')) fail(line, `INSERT INTO ${named[0]}: a column list that is not a list of names`);
        return tok.v.toLowerCase();
      });
      k = list[1];
    }
    if (!columns) fail(line, `INSERT INTO ${named[0]} names no columns and the dump has no CREATE TABLE ${named[0]} before it`);
    if (!isWord(tokens[k], 'VALUES') && !isWord(tokens[k], 'VALUE')) fail(line, `INSERT INTO ${named[0]} without VALUES (INSERT ... SELECT or SET is not supported)`);
    k += 1;
    for (;;) {
      const tuple = parenthesized(tokens, k);
      if (!tuple) fail(tokens[k]?.line ?? line, `INSERT INTO ${named[0]}: a row that is not in parentheses`);
      const rowLine = tokens[k]!.line;
      if (tuple[0].length !== columns.length) fail(rowLine, `INSERT INTO ${named[0]}: ${tuple[0].length} values for ${columns.length} columns`);
      const row: LegacyRow = {};
      columns.forEach((column, index) => {
        row[column] = value(tuple[0][index]!, rowLine);
      });
      tables[table].push(row);
      k = tuple[1];
      if (!isPunct(tokens[k], ',')) break;
      k += 1;
    }
    if (k < tokens.length && !isWord(tokens[k], 'ON')) fail(tokens[k]!.line, `INSERT INTO ${named[0]}: unexpected ${String(tokens[k]!.v).slice(0, 20)} after the rows`);
  };

  let statement: Token[] = [];
  for (;;) {
    if (statement.length === 0) while (lexer.delimiterCommand());
    const tok = lexer.next();
    if (tok === undefined || tok === 'end') {
      handle(statement);
      statement = [];
      if (tok === undefined) break;
      continue;
    }
    statement.push(tok);
  }
  return { tables, seen, mentioned };
}
