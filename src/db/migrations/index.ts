import type { Migration, MigrationProvider } from 'kysely';
import * as initial from './20261122_0001_initial.js';
import * as legacyImport from './20261122_0002_legacy_import.js';
import * as photos from './20261122_0003_photos.js';
import * as typeCounts from './20261122_0004_type_counts.js';
import * as postgresSearch from './20261122_0005_postgres_search.js';
import * as freezerTypeStats from './20261122_0006_freezer_type_stats.js';
import * as postgresInstr from './20261123_0007_postgres_instr.js';
import * as productsIndexes from './20261123_0008_products_indexes.js';
import * as freezerTypeStatsClustered from './20261123_0009_freezer_type_stats_clustered.js';
import * as foldedNames from './20261123_0010_folded_names.js';
import * as auditLogIndexes from './20261123_0011_audit_log_indexes.js';
import * as postgresChangeFeed from './20261123_0012_postgres_change_feed.js';
import * as typeCountShards from './20261123_0013_type_count_shards.js';

/** Append-only list of migrations, in order. Static imports keep them working from src (tests) and dist alike. */
const migrations: Record<string, Migration> = {
  '20261122_0001_initial': initial,
  '20261122_0002_legacy_import': legacyImport,
  '20261122_0003_photos': photos,
  '20261122_0004_type_counts': typeCounts,
  '20261122_0005_postgres_search': postgresSearch,
  '20261122_0006_freezer_type_stats': freezerTypeStats,
  '20261123_0007_postgres_instr': postgresInstr,
  '20261123_0008_products_indexes': productsIndexes,
  '20261123_0009_freezer_type_stats_clustered': freezerTypeStatsClustered,
  '20261123_0010_folded_names': foldedNames,
  '20261123_0011_audit_log_indexes': auditLogIndexes,
  '20261123_0012_postgres_change_feed': postgresChangeFeed,
  '20261123_0013_type_count_shards': typeCountShards,
};

export const migrationProvider: MigrationProvider = {
  getMigrations: async () => migrations,
};
