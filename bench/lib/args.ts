import path from 'node:path';
import { LOG_LEVELS, type LogLevel } from '../../src/config.js';
import { BENCH_DIR } from './paths.js';

export interface BenchOptions {
  users: number;
  products: number;
  large: boolean;
  /** Seconds of measurement per scenario. */
  duration: number;
  /** Seconds of unrecorded warm-up before each measurement. */
  warmup: number;
  connections: number;
  /** Scenario names to run (empty: all). */
  only: string[];
  /** Times every scenario is run, each round on a fresh copy of the dataset and a fresh server; the report shows the median round. */
  rounds: number;
  soak: boolean;
  soakMinutes: number;
  /** Where datasets and run databases live. */
  dataDir: string;
  resultsDir: string;
  regenerate: boolean;
  generateOnly: boolean;
  seed: number;
  /** Write a V8 CPU profile of the application (bench/.data/…/run/profiles/). */
  profile: boolean;
  /** Print the query plans and database-only timings of each scenario instead of loading the server. */
  explain: boolean;
  /** Time productsService.create called in this process instead of loading the server (bench/in-process.ts). */
  inProcess: boolean;
  /** The database the application runs on; PostgreSQL gets a copy of the (SQLite-generated) dataset. */
  database: 'sqlite' | 'postgres';
  /** PostgreSQL server (a maintenance database URL) where the bench makes its databases. */
  postgresUrl: string;
  /** The application's LOG_LEVEL (default warn: no line per request; the server's own default is info). */
  logLevel: LogLevel;
  help: boolean;
}

export const USAGE = `npm run bench [-- options]

  --large                10,000 users x 1,000,000 products (default 1,000 x 100,000)
  --users N --products M a dataset of your own size (products = rows of the products table)
  --duration S           seconds measured per scenario (default 10)
  --warmup S             unrecorded warm-up seconds before each scenario (default 2)
  --connections N        concurrent connections (default 32)
  --only A,B             only these scenarios (the ceiling always runs); see the list below
  --rounds N             run every scenario N times, each round on a fresh copy of the dataset and a
                         fresh server; each row shows the median round and the range (default 1)
  --soak                 the soak instead of the scenarios (npm run bench:soak)
  --soak-minutes M       length of the soak (default 10)
  --data-dir DIR         datasets and run databases (default bench/.data)
  --results-dir DIR      where results are written (default bench/results)
  --regenerate           rebuild the dataset even if a matching one exists
  --generate-only        build the dataset, print where it is, and stop
  --seed N               dataset random seed (default 20261122)
  --explain              EXPLAIN QUERY PLAN and database-only timings of every scenario's queries (no load)
  --in-process           add-product without HTTP: productsService.create called in this process,
                         --connections at a time (writes/s, CPU per write; with --rounds, --database)
  --profile              write a CPU profile of the application server (.cpuprofile, in the run directory)
  --database sqlite|postgres
                         the application's database (default sqlite); postgres: the dataset is copied into
                         a PostgreSQL database once, and each run works on a copy of it
  --postgres-url URL     the PostgreSQL server for --database postgres
                         (default postgres://postgres@127.0.0.1:5432/postgres)
  --log-level L          the application's LOG_LEVEL (default warn; info, the server's own default, adds
                         one log line per request)
`;

function num(name: string, raw: string | undefined, min: number, max: number): number {
  if (raw === undefined) throw new Error(`${name} needs a value`);
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min || value > max) throw new Error(`${name} must be a number between ${min} and ${max}, got "${raw}"`);
  return value;
}

export function parseArgs(argv: string[]): BenchOptions {
  const options: BenchOptions = {
    users: 1_000,
    products: 100_000,
    large: false,
    duration: 10,
    warmup: 2,
    connections: 32,
    only: [],
    rounds: 1,
    soak: false,
    soakMinutes: 10,
    dataDir: path.join(BENCH_DIR, '.data'),
    resultsDir: path.join(BENCH_DIR, 'results'),
    regenerate: false,
    generateOnly: false,
    seed: 20261122,
    profile: false,
    explain: false,
    inProcess: false,
    database: 'sqlite',
    postgresUrl: 'postgres://postgres@127.0.0.1:5432/postgres',
    logLevel: 'warn',
    help: false,
  };
  let users: number | undefined;
  let products: number | undefined;
  for (let i = 0; i < argv.length; i += 1) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string | undefined => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--large':
        options.large = true;
        break;
      case '--users':
        users = Math.floor(num(flag, value(), 1, 1_000_000));
        break;
      case '--products':
        products = Math.floor(num(flag, value(), 1, 100_000_000));
        break;
      case '--duration':
        options.duration = num(flag, value(), 1, 3600);
        break;
      case '--warmup':
        options.warmup = num(flag, value(), 0, 600);
        break;
      case '--connections':
        options.connections = Math.floor(num(flag, value(), 1, 10_000));
        break;
      case '--only':
        options.only.push(
          ...(value() ?? '')
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean),
        );
        break;
      case '--rounds':
        options.rounds = Math.floor(num(flag, value(), 1, 20));
        break;
      case '--soak':
        options.soak = true;
        break;
      case '--soak-minutes':
        options.soakMinutes = num(flag, value(), 0.05, 24 * 60);
        break;
      case '--data-dir':
        options.dataDir = path.resolve(value() ?? '');
        break;
      case '--results-dir':
        options.resultsDir = path.resolve(value() ?? '');
        break;
      case '--regenerate':
        options.regenerate = true;
        break;
      case '--generate-only':
        options.generateOnly = true;
        break;
      case '--seed':
        options.seed = Math.floor(num(flag, value(), 0, 2 ** 31));
        break;
      case '--explain':
        options.explain = true;
        break;
      case '--in-process':
        options.inProcess = true;
        break;
      case '--profile':
        options.profile = true;
        break;
      case '--database': {
        const database = value();
        if (database !== 'sqlite' && database !== 'postgres') throw new Error(`--database must be sqlite or postgres, got "${database ?? ''}"`);
        options.database = database;
        break;
      }
      case '--postgres-url': {
        const url = value() ?? '';
        if (!/^postgres(ql)?:\/\//.test(url)) throw new Error('--postgres-url must be a postgres:// URL');
        options.postgresUrl = url;
        break;
      }
      case '--log-level': {
        const level = value();
        if (!LOG_LEVELS.includes(level as LogLevel)) throw new Error(`--log-level must be one of ${LOG_LEVELS.join(', ')}, got "${level ?? ''}"`);
        options.logLevel = level as LogLevel;
        break;
      }
      case '-h':
      case '--help':
        options.help = true;
        break;
      default:
        throw new Error(`unknown option ${arg}\n\n${USAGE}`);
    }
  }
  if (options.large) {
    options.users = 10_000;
    options.products = 1_000_000;
  }
  if (users !== undefined) options.users = users;
  if (products !== undefined) options.products = products;
  return options;
}
