#!/usr/bin/env node
// The CLI runs from the compiled output: `npm run build` (npm start does it) makes dist/.
import('../dist/cli/index.js').catch((err) => {
  if (err && err.code === 'ERR_MODULE_NOT_FOUND' && String(err.message).includes('dist/cli')) {
    console.error('freezer-manager is not built yet: run `npm run build` first.');
    process.exit(1);
  }
  throw err;
});
