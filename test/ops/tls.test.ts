import { execFile, execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http2 from 'node:http2';
import https from 'node:https';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { startServer, type TestServer } from '../helpers.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const dir = fs.mkdtempSync(path.join(process.env.FM_TEST_TMP_DIR ?? os.tmpdir(), 'fm-tls-'));
const certFile = path.join(dir, 'cert.pem');
const keyFile = path.join(dir, 'key.pem');

/** A self-signed certificate for 127.0.0.1 and localhost, made by openssl. */
function makeCertificate(cert: string, key: string): void {
  execFileSync('openssl', [
    'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
    '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost', '-keyout', key, '-out', cert,
  ], { stdio: 'ignore' });
}

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  version: string;
}

function http2Request(origin: string, ca: Buffer, pathName: string, method = 'GET', body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const session = http2.connect(origin, { ca });
    session.on('error', reject);
    const stream = session.request({ ':method': method, ':path': pathName, ...(body ? { 'content-type': 'application/json' } : {}) });
    let headers: http2.IncomingHttpHeaders = {};
    let data = '';
    stream.on('response', (h) => (headers = h));
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (data += chunk));
    stream.on('end', () => {
      session.close();
      resolve({ status: Number(headers[':status']), headers, body: data, version: '2.0' });
    });
    stream.on('error', reject);
    stream.end(body);
  });
}

function http1Request(origin: string, ca: Buffer, pathName: string, method = 'GET', body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = https.request(`${origin}${pathName}`, { method, ca, agent: false, headers: body ? { 'content-type': 'application/json' } : {} }, (res) => {
      let data = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (data += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: data, version: res.httpVersion }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('TLS_CERT and TLS_KEY', () => {
  let server: TestServer;
  let origin: string;
  let ca: Buffer;

  beforeAll(async () => {
    makeCertificate(certFile, keyFile);
    ca = fs.readFileSync(certFile);
    server = await startServer({ TLS_CERT: certFile, TLS_KEY: keyFile });
    origin = server.url.replace('http://', 'https://');
  });
  afterAll(async () => {
    await server?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('serve HTTP/2 over TLS, with HSTS', async () => {
    const answer = await http2Request(origin, ca, '/healthz');
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toEqual({ status: 'ok' });
    expect(answer.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  });

  it('serve HTTP/1.1 clients over TLS too', async () => {
    const answer = await http1Request(origin, ca, '/healthz');
    expect(answer.version).toBe('1.1');
    expect(answer.status).toBe(200);
    expect(answer.headers['strict-transport-security']).toMatch(/max-age=\d+/);
  });

  it('make the public URL https and the session cookie Secure', async () => {
    expect(server.config.publicUrl).toMatch(/^https:\/\//);
    expect(server.config.cookieSecure).toBe(true);
    const email = `tls-${Date.now()}@example.com`;
    const password = 'correct horse battery';
    expect((await http2Request(origin, ca, '/api/v1/users', 'POST', JSON.stringify({ email, password }))).status).toBe(201);
    const login = await http1Request(origin, ca, '/api/v1/sessions', 'POST', JSON.stringify({ email, password }));
    expect(login.status).toBe(201);
    const cookie = ([] as string[]).concat(login.headers['set-cookie'] ?? []).join('\n');
    expect(cookie).toMatch(/fm_session=[^;]+;.*Secure/);
  });

  it('refuse a plain-HTTP client', async () => {
    await expect(fetch(server.url + '/healthz')).rejects.toThrow();
  });
});

describe('TLS configuration errors', () => {
  const otherDir = fs.mkdtempSync(path.join(process.env.FM_TEST_TMP_DIR ?? os.tmpdir(), 'fm-tls-bad-'));
  afterAll(() => fs.rmSync(otherDir, { recursive: true, force: true }));
  const cert = path.join(otherDir, 'cert.pem');
  const key = path.join(otherDir, 'key.pem');
  const otherCert = path.join(otherDir, 'other-cert.pem');
  const otherKey = path.join(otherDir, 'other-key.pem');
  beforeAll(() => {
    makeCertificate(cert, key);
    makeCertificate(otherCert, otherKey);
  });

  it('are refused at start-up with a clear ConfigError', () => {
    expect(loadConfig({ TLS_CERT: cert, TLS_KEY: key }).tls).toEqual({ certFile: cert, keyFile: key });
    expect(loadConfig({}).tls).toBeUndefined();
    expect(() => loadConfig({ TLS_CERT: cert })).toThrow(new ConfigError('TLS_CERT and TLS_KEY go together: set both or neither'));
    expect(() => loadConfig({ TLS_KEY: key })).toThrow(/go together/);
    const missing = path.join(otherDir, 'missing.pem');
    expect(() => loadConfig({ TLS_CERT: missing, TLS_KEY: key })).toThrow(`TLS_CERT: cannot read "${missing}" (ENOENT)`);
    expect(() => loadConfig({ TLS_CERT: cert, TLS_KEY: missing })).toThrow(`TLS_KEY: cannot read "${missing}" (ENOENT)`);
    expect(() => loadConfig({ TLS_CERT: key, TLS_KEY: key })).toThrow(/TLS_CERT: .* does not hold a PEM certificate/);
    expect(() => loadConfig({ TLS_CERT: cert, TLS_KEY: cert })).toThrow(/TLS_KEY: .* does not hold a PEM private key/);
    expect(() => loadConfig({ TLS_CERT: cert, TLS_KEY: otherKey })).toThrow(/is not the private key of the certificate/);
  });

  it('stop `serve` with exit code 1 and the message, before listening', async () => {
    const result = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile(
        path.join(root, 'node_modules/.bin/vite-node'),
        [path.join(root, 'src/cli/index.ts'), 'serve'],
        { cwd: root, env: { ...process.env, DATA_DIR: otherDir, PORT: '0', TLS_CERT: path.join(otherDir, 'nope.pem'), TLS_KEY: key }, timeout: 60_000 },
        (error, _stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stderr }),
      );
    });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('Configuration error: TLS_CERT: cannot read');
  }, 60_000);
});
