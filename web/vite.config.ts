import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/** Files smaller than this are served as they are: compressing them gains a few hundred bytes at most. */
const PRECOMPRESS_MIN_BYTES = 1024;

/**
 * Writes a brotli (`.br`) and a gzip (`.gz`) copy next to every script, style sheet and SVG of 1 KB and
 * more, at the highest levels (once per build), and the server sends the one the browser takes
 * (@fastify/static's preCompressed, src/app.ts): the first page's 264 KB script goes as 72 KB of brotli.
 */
function precompress(): Plugin {
  return {
    name: 'freezer-manager:precompress',
    apply: 'build',
    writeBundle(options, bundle) {
      const outDir = options.dir ?? '';
      for (const fileName of Object.keys(bundle)) {
        if (!/\.(?:js|css|svg)$/.test(fileName)) continue;
        const file = path.join(outDir, fileName);
        const bytes = fs.readFileSync(file);
        if (bytes.length < PRECOMPRESS_MIN_BYTES) continue;
        fs.writeFileSync(`${file}.br`, brotliCompressSync(bytes, { params: { [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length } }));
        fs.writeFileSync(`${file}.gz`, gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION }));
      }
    },
  };
}

/**
 * The web app: `npm run build:web` writes dist/web, which the server serves at / (src/app.ts).
 * `npx vite --config web/vite.config.ts` runs it against a server started on :8080 (PORT=8080 npm start).
 */
export default defineConfig(({ command }) => {
  // A build is always React's production build, even when started from a test run (vitest sets
  // NODE_ENV=test, which would bring React's development runtime and JSX transform).
  if (command === 'build') process.env.NODE_ENV = 'production';
  return {
    root: fileURLToPath(new URL('.', import.meta.url)),
    plugins: [react(), precompress()],
    build: {
      outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
      emptyOutDir: true,
      assetsDir: 'assets',
      target: 'es2022',
    },
    server: {
      proxy: { '/api': 'http://127.0.0.1:8080', '/docs': 'http://127.0.0.1:8080', '/openapi.json': 'http://127.0.0.1:8080' },
    },
  };
});
