import fs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateApiSchema, SCHEMA_FILE } from '../../scripts/generate-api-client.lib.js';

describe('the web app’s generated API types', () => {
  it('web/src/api/schema.d.ts is what `npm run generate:api-client` writes for the current routes', async () => {
    const expected = await generateApiSchema();
    const checkedIn = fs.readFileSync(SCHEMA_FILE, 'utf8');
    // A stale file: run `npm run generate:api-client` and commit the result.
    expect(checkedIn === expected, 'web/src/api/schema.d.ts is out of date: run npm run generate:api-client').toBe(true);
  });

  it('covers the routes the web app calls, with the session route that hands out the CSRF token', async () => {
    const text = fs.readFileSync(SCHEMA_FILE, 'utf8');
    for (const route of ['"/api/v1/sessions/current"', '"/api/v1/tokens/{id}"', '"/api/v1/products/{id}/take-out"', '"/api/v1/products/{id}/undo-take-out"', '"/api/v1/freezers/{id}/boxes"']) {
      expect(text).toContain(route);
    }
    expect(text).toMatch(/csrfToken: string/);
  });
});
