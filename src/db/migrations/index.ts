import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './20261122_0001_initial.js';
import * as legacyImport from './20261122_0002_legacy_import.js';

/** Append-only list of migrations, in order. Static imports keep them working from src (tests) and dist alike. */
const migrations: Record<string, Migration> = {
  '20261122_0001_initial': initial,
  '20261122_0002_legacy_import': legacyImport,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
