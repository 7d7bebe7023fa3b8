import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

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
    plugins: [react()],
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
