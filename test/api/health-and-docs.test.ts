import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, expectProblem, startServer, type TestServer } from '../helpers.js';

let server: TestServer;
beforeAll(async () => {
  server = await startServer();
});
afterAll(async () => server.close());

describe('probes and documentation', () => {
  it('answers /healthz and /readyz', async () => {
    const api = client(server.url);
    expect((await api.get('/healthz')).body).toEqual({ status: 'ok' });
    expect((await api.get('/readyz')).body).toEqual({ status: 'ready' });
  });

  it('serves an OpenAPI 3.1 document with request and response schemas for every /api/v1 route', async () => {
    const doc = (await client(server.url).get('/openapi.json')).body;
    expect(doc.openapi).toBe('3.1.0');
    const paths = Object.keys(doc.paths).filter((p) => p.startsWith('/api/v1'));
    for (const expected of [
      '/api/v1/users',
      '/api/v1/me',
      '/api/v1/me/password',
      '/api/v1/sessions',
      '/api/v1/sessions/current',
      '/api/v1/password-resets',
      '/api/v1/password-resets/confirm',
      '/api/v1/tokens',
      '/api/v1/tokens/{id}',
      '/api/v1/types',
      '/api/v1/types/{id}',
      '/api/v1/freezers',
      '/api/v1/freezers/{id}',
      '/api/v1/freezers/{id}/next-slots',
      '/api/v1/freezers/{id}/boxes',
      '/api/v1/products',
      '/api/v1/products/{id}',
      '/api/v1/products/{id}/take-out',
      '/api/v1/products/{id}/undo-take-out',
      '/api/v1/trends/general',
      '/api/v1/trends/personal',
      '/api/v1/trends/eat-first',
      '/api/v1/trends/consumption',
      '/api/v1/admin/users',
      '/api/v1/admin/users/{id}',
      '/api/v1/admin/stats',
      '/api/v1/admin/audit',
    ]) {
      expect(paths).toContain(expected);
    }
    for (const p of paths) {
      for (const [method, op] of Object.entries<any>(doc.paths[p])) {
        const success = Object.keys(op.responses).filter((code) => code.startsWith('2'));
        expect(success.length, `${method} ${p} documents a success answer`).toBeGreaterThan(0);
        const hasError = Object.keys(op.responses).some((code) => code.startsWith('4'));
        expect(hasError, `${method} ${p} documents its errors`).toBe(true);
        if (['post', 'put', 'patch'].includes(method) && !p.endsWith('undo-take-out') && !p.endsWith('/share') && p !== '/api/v1/sessions/current') {
          const content = op.requestBody?.content;
          // JSON everywhere but the photo upload, a multipart form.
          expect(content?.['application/json']?.schema ?? (p === '/api/v1/photos' ? content?.['multipart/form-data']?.schema : undefined), `${method} ${p} has a request schema`).toBeTruthy();
        }
      }
    }
  });

  it('serves the interactive documentation at /docs, without forcing HTTPS on a plain-HTTP install', async () => {
    const res = await fetch(`${server.url}/docs/`);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('swagger-ui-bundle.js');
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'self'");
    expect(csp).not.toContain('upgrade-insecure-requests');
    const api = await fetch(`${server.url}/healthz`);
    expect(api.headers.get('content-security-policy')).not.toContain('upgrade-insecure-requests');
    expect(api.headers.get('strict-transport-security')).toBeNull();
    expect(api.headers.get('x-content-type-options')).toBe('nosniff');
  });

  it('sends the security headers and a request id of its own with every answer, errors included', async () => {
    const answers = [
      await client(server.url).get('/healthz'),
      await client(server.url).get('/api/v1/me'), // 401
      await client(server.url).get('/api/v1/nothing-here'), // 404
      await client(server.url, 'fm_not_a_token').post('/api/v1/freezers', { name: 'x', boxCount: 1 }), // 401
    ];
    expect(answers.map((a) => a.status)).toEqual([200, 401, 404, 401]);
    const ids = answers.map((a) => a.headers.get('x-request-id'));
    for (const a of answers) {
      expect(a.headers.get('x-content-type-options')).toBe('nosniff');
      expect(a.headers.get('content-security-policy')).toContain("img-src 'self' data: blob:");
      expect(a.headers.get('cross-origin-resource-policy')).toBe('cross-origin');
      expect(a.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    }
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('answers an unknown route with a 404 problem and a wrong method with 405 and Allow', async () => {
    const api = client(server.url);
    const missing = expectProblem(await api.get('/api/v1/nothing-here'), 404);
    expect(missing.detail).toContain('/api/v1/nothing-here');
    const wrong = await api.put('/api/v1/freezers', {});
    expectProblem(wrong, 405);
    expect(wrong.headers.get('allow')).toContain('POST');
  });
});
