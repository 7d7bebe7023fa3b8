/** `npm run generate:api-client`: writes web/src/api/schema.d.ts from the server's OpenAPI document. */
import fs from 'node:fs';
import path from 'node:path';
import { generateApiSchema, SCHEMA_FILE } from './generate-api-client.lib.js';

const text = await generateApiSchema();
fs.writeFileSync(SCHEMA_FILE, text);
console.log(`wrote ${path.relative(process.cwd(), SCHEMA_FILE)} (${text.length} characters)`);
