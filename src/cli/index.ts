#!/usr/bin/env node
import { parseArgs } from 'node:util';
import { randomBytes } from 'node:crypto';
import { ConfigError, loadConfig } from '../config.js';
import { migrateToLatest, openDatabase } from '../db/database.js';
import { AppError } from '../lib/errors.js';
import { translate } from '../i18n/messages.js';
// Commands load what they need when they run, so `migrate` or `help` does not load the whole server.
import type { InventoryServices } from './seed-demo.js';

const USAGE = `Usage: freezer-manager <command> [options]

Commands:
  serve [--workers N]           Start the server (what npm start runs); N processes (node:cluster, default
                                WORKERS or 1); SIGTERM/SIGINT finish in-flight requests, then exit 0
  migrate                       Bring the database schema up to date
  user create --email E [--password P] [--admin] [--language en|fr]
                                Create an account (a password is generated and printed when omitted)
  seed --demo                   Add a demo account with freezers and a year of history
  import-legacy SOURCE          Import an original freezer-manager database: SOURCE is a MySQL dump file
                                (e.g. ../shared/seed-data/freezer.sql) or mysql://USER[:PASSWORD]@HOST[:PORT]/DATABASE;
                                one transaction, nothing is imported twice, what had to be fixed is listed
  photos upload DIR --url URL --token TOKEN [--batch N] [--product ID] [--caption TEXT]
                                Upload the image files of a folder to a running server, N files per request
                                (default 20), with a progress bar and a summary; exit 1 if a file was refused
  backup TARGET_DIR             Online, consistent copy of the SQLite database and the photos (while the
                                server runs) into a new or empty directory, with a manifest of checksums
  restore BACKUP_DIR [--force]  Verify a backup against its manifest and restore it into DATA_DIR (which must
                                be empty unless --force; stop the server first)
  help                          Show this text

Configuration comes from the environment (PORT, HOST, DATA_DIR, DATABASE_URL, ...): see the README.`;

/** The inventory services on the configured database, without the HTTP server around them. */
async function withServices<T>(fn: (services: InventoryServices) => Promise<T>): Promise<T> {
  const [{ createUsersService }, { createFreezersService }, { createProductsService }] = await Promise.all([
    import('../features/users/users.service.js'),
    import('../features/freezers/freezers.service.js'),
    import('../features/products/products.service.js'),
  ]);
  const db = openDatabase(loadConfig().database);
  try {
    await migrateToLatest(db);
    return await fn({ users: createUsersService(db), freezers: createFreezersService(db), products: createProductsService(db) });
  } finally {
    await db.destroy();
  }
}

/** After a CLI write: running servers sharing Redis drop their cached answers (on SQLite without Redis, they see the write at once through data_version; PostgreSQL without Redis: within a minute). */
async function retireCachedAnswers(): Promise<void> {
  const { redis } = loadConfig();
  if (!redis) return;
  const { retireSharedCache } = await import('../lib/cache.js');
  if (!(await retireSharedCache(redis))) console.error('Warning: Redis could not be reached; cached trends and searches may show the old data for up to a minute.');
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve': {
      const { values } = parseArgs({ args: rest, options: { workers: { type: 'string' } } });
      const config = loadConfig();
      if (values.workers !== undefined) {
        const workers = Number(values.workers);
        if (!/^\d+$/.test(values.workers) || workers < 1 || workers > 64) {
          console.error('--workers must be a whole number from 1 to 64');
          return 2;
        }
        config.workers = workers;
      }
      const { serve } = await import('../server.js');
      await serve(config);
      return -1; // keeps running
    }
    case 'backup':
    case 'restore': {
      const { backupCommand } = await import('./backup.js');
      return backupCommand(command, rest);
    }
    case 'migrate': {
      const db = openDatabase(loadConfig().database);
      try {
        const applied = await migrateToLatest(db);
        console.log(applied.length ? `Applied: ${applied.join(', ')}` : 'The database is up to date.');
      } finally {
        await db.destroy();
      }
      return 0;
    }
    case 'user': {
      const { positionals, values } = parseArgs({
        args: rest,
        allowPositionals: true,
        options: { email: { type: 'string' }, password: { type: 'string' }, admin: { type: 'boolean', default: false }, language: { type: 'string', default: 'en' } },
      });
      if (positionals[0] !== 'create' || !values.email) {
        console.error(USAGE);
        return 2;
      }
      if (values.language !== 'en' && values.language !== 'fr') {
        console.error('--language must be en or fr');
        return 2;
      }
      const generated = values.password === undefined;
      const password = values.password ?? randomBytes(12).toString('base64url');
      if (password.length < 8) {
        console.error('The password needs at least 8 characters.');
        return 2;
      }
      const language = values.language;
      const created = await withServices((s) => s.users.register({ email: values.email as string, password, language }, null, { admin: values.admin }));
      console.log(`Created ${created.user.role} ${created.user.email} (id ${created.user.id}).`);
      if (generated) console.log(`Password: ${password}`);
      console.log(`API token (shown once): ${created.secret}`);
      return 0;
    }
    case 'seed': {
      const { values } = parseArgs({ args: rest, options: { demo: { type: 'boolean', default: false } } });
      if (!values.demo) {
        console.error(USAGE);
        return 2;
      }
      const { seedDemo } = await import('./seed-demo.js');
      const result = await withServices((s) => seedDemo(s));
      await retireCachedAnswers();
      console.log(`Demo account: ${result.email} / ${result.password}`);
      console.log(`${result.freezers} freezers, ${result.products} products (${result.inside} inside).`);
      console.log(`API token (shown once): ${result.token}`);
      return 0;
    }
    case 'import-legacy': {
      const { positionals } = parseArgs({ args: rest, allowPositionals: true, options: {} });
      if (positionals.length !== 1) {
        console.error(`import-legacy needs one SOURCE: a MySQL dump file or a mysql:// URL.\n\n${USAGE}`);
        return 2;
      }
      const config = loadConfig();
      const { formatReport, importLegacyData, LegacyImportError, readLegacySource } = await import('../features/legacy-import/legacy-import.service.js');
      try {
        // Read everything first: a source that cannot be read leaves the database untouched, schema included.
        const data = await readLegacySource(positionals[0]!);
        console.log(
          `Read ${data.source}: ${data.users.length} users, ${data.freezers.length} freezers, ${data.types.length} types, ` +
            `${data.descriptions.length} product descriptions, ${data.products.length} products.`,
        );
        const db = openDatabase(config.database);
        try {
          await migrateToLatest(db);
          console.log(formatReport(await importLegacyData(db, data)));
          await retireCachedAnswers();
        } finally {
          await db.destroy();
        }
        return 0;
      } catch (err) {
        if (!(err instanceof LegacyImportError)) throw err;
        console.error(`import-legacy: ${err.message.replace(/\s+/g, ' ')}`);
        return 1;
      }
    }
    case 'photos': {
      const { photosCommand } = await import('./photos-upload.js');
      return photosCommand(rest);
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command === undefined ? 2 : 0;
    default:
      console.error(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    if (code >= 0) process.exit(code);
  },
  (err: unknown) => {
    if (err instanceof ConfigError) console.error(`Configuration error: ${err.message}`);
    else if (err instanceof Error && err.name === 'RedisUnavailableError') console.error(`Start-up error: ${err.message}`);
    else if (err instanceof AppError) console.error(translate('en', err.key, err.params));
    else console.error(err);
    process.exit(1);
  },
);
