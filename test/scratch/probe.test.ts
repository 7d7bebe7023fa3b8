import { it } from 'vitest';
import { startServer, client } from '../helpers.js';
it('probe', async () => {
  const s = await startServer();
  const doc = (await client(s.url).get('/openapi.json')).body;
  for (const [p, ops] of Object.entries<any>(doc.paths)) for (const [m, op] of Object.entries<any>(ops)) console.log(m, p, JSON.stringify(op.security), op.parameters?.map((x: any) => x.name).join(','));
  await s.close();
});
