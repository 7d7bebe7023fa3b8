import path from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The bench runs compiled (see bench/tsconfig.json): this file is then bench/.build/bench/lib/paths.js,
 * four levels under the repository root.
 */
const HERE = path.dirname(fileURLToPath(import.meta.url));
export const BUILD_DIR = path.resolve(HERE, '..');
export const REPO_DIR = path.resolve(BUILD_DIR, '..', '..', '..');
export const BENCH_DIR = path.join(REPO_DIR, 'bench');
