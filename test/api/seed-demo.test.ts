import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemo } from '../../src/cli/seed-demo.js';
import { client, startServer, type TestServer } from '../helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());

describe('seed --demo', () => {
  it('creates a demo account whose freezers, history and trends all show something', async () => {
    const result = await seedDemo(server.app.services);
    expect(result.email).toBe('demo@freezer-manager.local');
    expect(result.freezers).toBe(3);
    expect(result.products).toBeGreaterThan(100);
    expect(result.inside).toBeGreaterThan(10);
    expect(result.inside).toBeLessThan(result.products);

    const api = client(server.url, result.token);
    const login = await client(server.url).post('/api/v1/sessions', { email: result.email, password: result.password });
    expect(login.status).toBe(201);

    const history = await api.get('/api/v1/products?status=outside&limit=1');
    expect(history.body.total).toBe(result.products - result.inside);
    const partial = await api.get('/api/v1/products?status=outside&limit=500');
    expect(partial.body.items.some((p: { sourceProductId: number | null }) => p.sourceProductId !== null)).toBe(true);

    const personal = (await api.get('/api/v1/trends/personal')).body;
    expect(personal.length).toBeGreaterThan(3);
    expect(personal[0].latest).not.toBeNull();
    const consumption = (await api.get('/api/v1/trends/consumption')).body as Array<{ portions: number }>;
    expect(consumption.filter((m) => m.portions > 0).length).toBeGreaterThan(6);
    const overdue = await api.get('/api/v1/products?overdue=true&limit=1');
    expect(overdue.body.total).toBeGreaterThan(0);

    // a second run refuses to create the account twice
    await expect(seedDemo(server.app.services)).rejects.toMatchObject({ key: 'email-taken' });
  });
});
