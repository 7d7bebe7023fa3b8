// Run after `npm install` changes package-lock.json.
//
// npm 11's `npm ci` insists that every optional dependency named anywhere in the tree has a lockfile
// entry, but `npm install` only records the platform packages the registry it talked to serves
// (the registry mirror on our machines serves linux-x64 builds only). This adds the missing entries
// as optional, so `npm ci` is satisfied and, on any platform, skips the ones it cannot use.
import fs from 'node:fs';

const file = process.argv[2] ?? 'package-lock.json';
const lock = JSON.parse(fs.readFileSync(file, 'utf8'));
let added = 0;
for (const [key, entry] of Object.entries(lock.packages)) {
  for (const [name, version] of Object.entries(entry.optionalDependencies ?? {})) {
    const nested = key ? `${key}/node_modules/${name}` : `node_modules/${name}`;
    const hoisted = `node_modules/${name}`;
    if (lock.packages[nested] || lock.packages[hoisted]) continue;
    lock.packages[hoisted] = { version, ...(entry.dev ? { dev: true } : {}), optional: true };
    added += 1;
  }
}
fs.writeFileSync(file, `${JSON.stringify(lock, null, 2)}\n`);
console.log(`${file}: added ${added} optional platform entries`);
