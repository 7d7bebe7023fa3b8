import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import S3rver from 's3rver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, freePort, request, signUp, uniqueEmail } from '../helpers.js';
import { fetchBytes, jpeg, upload } from '../photos/photo-helpers.js';
import { dropPrefix } from '../redis-helpers.js';

/**
 * The scale-out deployment, for real: three `freezer-manager serve` processes on loopback, stateless, sharing
 * PostgreSQL (a fresh database on 127.0.0.1:5432), Redis (127.0.0.1:6379, a key prefix of their own) and an
 * S3-compatible server (s3rver), behind nginx (Debian's package, started here with a generated configuration).
 * The environment variables are the ones deploy/docker-compose.yml uses.
 */

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const work = fs.mkdtempSync(path.join(process.env.FM_TEST_TMP_DIR ?? os.tmpdir(), 'fm-multi-'));
const PG_ADMIN_URL = process.env.FM_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = 'redis://127.0.0.1:6379';
const dbName = `fm_multi_${randomBytes(6).toString('hex')}`;
const databaseUrl = (() => {
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${dbName}`;
  return url.toString();
})();
const redisPrefix = `fm-multi-${randomBytes(6).toString('hex')}:`;
const BUCKET = 'freezer-photos';
// High enough for the other tests' requests from 127.0.0.1, low enough to exhaust quickly through the proxy.
const RATE_LIMIT_PER_MINUTE = 600;

interface Instance {
  name: string;
  port: number;
  url: string;
  process: ChildProcess;
  output: string[];
}

let s3: S3rver | undefined;
let s3Endpoint = '';
let nginx: ChildProcess | undefined;
let nginxLog: string[] = [];
let proxyUrl = '';
const instances: Instance[] = [];


async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what} did not come up within ${timeoutMs} ms`);
}

function instanceEnv(port: number, dataDir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HOST: '127.0.0.1',
    PORT: String(port),
    DATA_DIR: dataDir,
    DATABASE_URL: databaseUrl,
    REDIS_URL,
    REDIS_PREFIX: redisPrefix,
    S3_ENDPOINT: s3Endpoint,
    S3_BUCKET: BUCKET,
    S3_REGION: 'us-east-1',
    S3_ACCESS_KEY_ID: 'S3RVER',
    S3_SECRET_ACCESS_KEY: 'S3RVER',
    TRUST_PROXY: 'true',
    PUBLIC_URL: proxyUrl,
    LOG_LEVEL: 'warn',
    RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT_PER_MINUTE),
    RATE_LIMIT_PER_DAY: '0',
  };
}

const cli = (args: string[]) => [path.join(root, 'node_modules/.bin/vite-node'), [path.join(root, 'src/cli/index.ts'), ...args]] as const;

async function startInstance(name: string, port: number): Promise<Instance> {
  const dataDir = fs.mkdtempSync(path.join(work, `${name}-`));
  const [command, args] = cli(['serve']);
  const child = spawn(command, args, { cwd: root, env: instanceEnv(port, dataDir), stdio: ['ignore', 'pipe', 'pipe'] });
  const output: string[] = [];
  child.stdout?.on('data', (d: Buffer) => output.push(d.toString()));
  child.stderr?.on('data', (d: Buffer) => output.push(d.toString()));
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitFor(`instance ${name}`, async () => (await fetch(`${url}/readyz`)).ok, 150_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw new Error(`${(err as Error).message}\n${output.join('')}`);
  }
  return { name, port, url, process: child, output };
}

function nginxConfig(listenPort: number, ports: number[], dir: string): string {
  const temp = (name: string) => path.join(dir, name);
  return `
${process.getuid?.() === 0 ? 'user root;' : ''}
worker_processes 1;
pid ${temp('nginx.pid')};
error_log ${temp('error.log')} warn;
events { worker_connections 512; }
http {
  access_log off;
  client_body_temp_path ${temp('body')};
  proxy_temp_path ${temp('proxy')};
  fastcgi_temp_path ${temp('fastcgi')};
  uwsgi_temp_path ${temp('uwsgi')};
  scgi_temp_path ${temp('scgi')};
  upstream freezer_manager {
${ports.map((p) => `    server 127.0.0.1:${p} max_fails=1 fail_timeout=30s;`).join('\n')}
  }
  server {
    listen 127.0.0.1:${listenPort};
    client_max_body_size 100m;
    location / {
      proxy_pass http://freezer_manager;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_request_buffering off;
    }
  }
}
`;
}

beforeAll(async () => {
  // PostgreSQL: a database of our own.
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`create database ${dbName}`);
  await admin.end();

  // S3: a local S3-compatible server with the bucket.
  s3 = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory: path.join(work, 's3'), configureBuckets: [{ name: BUCKET, configs: [] }] });
  const address = await s3.run();
  s3Endpoint = `http://127.0.0.1:${address.port}`;

  const proxyPort = await freePort();
  proxyUrl = `http://127.0.0.1:${proxyPort}`;

  // Migrate once, then start three instances at the same time.
  const [command, args] = cli(['migrate']);
  const migrated = spawnSync(command, args, { cwd: root, env: instanceEnv(0, path.join(work, 'migrate')), encoding: 'utf8' });
  if (migrated.status !== 0) throw new Error(`migrate failed: ${migrated.stdout}${migrated.stderr}`);
  const ports = [await freePort(), await freePort(), await freePort()];
  instances.push(...(await Promise.all(ports.map((port, i) => startInstance(`app${i + 1}`, port)))));

  // nginx in front, round-robin over the three.
  const nginxDir = path.join(work, 'nginx');
  fs.mkdirSync(nginxDir);
  fs.writeFileSync(path.join(nginxDir, 'nginx.conf'), nginxConfig(proxyPort, ports, nginxDir));
  nginx = spawn('nginx', ['-p', nginxDir, '-c', path.join(nginxDir, 'nginx.conf'), '-g', 'daemon off;'], { stdio: ['ignore', 'pipe', 'pipe'] });
  nginxLog = [];
  nginx.stderr?.on('data', (d: Buffer) => nginxLog.push(d.toString()));
  await waitFor('nginx', async () => (await fetch(`${proxyUrl}/healthz`)).ok, 15_000).catch((err: Error) => {
    throw new Error(`${err.message}\n${nginxLog.join('')}`);
  });
}, 400_000);

afterAll(async () => {
  nginx?.kill('SIGTERM');
  for (const instance of instances) instance.process.kill('SIGKILL');
  await Promise.all(instances.map((i) => new Promise((r) => (i.process.exitCode !== null || i.process.signalCode !== null ? r(null) : i.process.once('exit', r)))));
  await s3?.close();
  await dropPrefix(redisPrefix, REDIS_URL);
  const admin = new pg.Client({ connectionString: PG_ADMIN_URL });
  await admin.connect();
  await admin.query(`drop database if exists ${dbName} with (force)`);
  await admin.end();
  fs.rmSync(work, { recursive: true, force: true });
}, 60_000);

async function login(base: string, email: string, password: string) {
  const response = await request(base, 'POST', '/api/v1/sessions', { body: { email, password } });
  expect(response.status).toBe(201);
  const setCookie = response.headers.get('set-cookie') ?? '';
  const match = /fm_session=([^;]+)/.exec(setCookie);
  expect(match).not.toBeNull();
  return { cookie: `fm_session=${match![1]}`, csrf: response.body.csrfToken as string };
}

describe('three instances behind nginx on PostgreSQL, Redis and S3', { timeout: 120_000 }, () => {
  it('round-robins: every instance answers through the proxy', async () => {
    for (const instance of instances) expect((await fetch(`${instance.url}/readyz`)).status).toBe(200);
    const answers = await Promise.all(Array.from({ length: 9 }, () => fetch(`${proxyUrl}/readyz`).then((r) => r.status)));
    expect(answers).toEqual(Array(9).fill(200));
  });

  it('a session made on one instance works on the others, for reads and CSRF-checked writes', async () => {
    const account = await signUp(instances[0]!.url, { email: uniqueEmail('multi-session') });
    const session = await login(instances[0]!.url, account.email, account.password);
    for (const instance of instances) {
      const me = await request(instance.url, 'GET', '/api/v1/me', { headers: { cookie: session.cookie } });
      expect(me.status).toBe(200);
      expect(me.body.email).toBe(account.email);
      const created = await request(instance.url, 'POST', '/api/v1/freezers', {
        body: { name: `made on ${instance.name}`, boxCount: 3 },
        headers: { cookie: session.cookie, 'x-csrf-token': session.csrf },
      });
      expect(created.status).toBe(201);
    }
    // Logged out on one instance: refused on every instance.
    const out = await request(instances[2]!.url, 'DELETE', '/api/v1/sessions/current', { headers: { cookie: session.cookie, 'x-csrf-token': session.csrf } });
    expect(out.status).toBeLessThan(300);
    for (const instance of instances) {
      expect((await request(instance.url, 'GET', '/api/v1/me', { headers: { cookie: session.cookie } })).status).toBe(401);
    }
    // The three freezers, one made on each instance, are all in the one database.
    const names = (await account.api.get('/api/v1/freezers')).body.map((f: { name: string }) => f.name).sort();
    expect(names).toEqual(['made on app1', 'made on app2', 'made on app3']);
  });

  it('an API token made on one instance is accepted by the others and revoked everywhere', async () => {
    const account = await signUp(instances[1]!.url, { email: uniqueEmail('multi-token') });
    const made = await client(instances[1]!.url, account.token).post('/api/v1/tokens', { name: 'pi', scope: 'read' });
    expect(made.status).toBe(201);
    const secret: string = made.body.secret;
    for (const instance of instances) expect((await request(instance.url, 'GET', '/api/v1/freezers', { token: secret })).status).toBe(200);
    expect((await client(instances[0]!.url, account.token).delete(`/api/v1/tokens/${made.body.token.id}`)).status).toBe(204);
    for (const instance of instances) expect((await request(instance.url, 'GET', '/api/v1/freezers', { token: secret })).status).toBe(401);
  });

  it('an upload through one instance is served by every other, from the shared object storage', async () => {
    const account = await signUp(instances[0]!.url, { email: uniqueEmail('multi-photo') });
    const pictures = await Promise.all([jpeg(11, 320, 240), jpeg(12, 320, 240)]);
    const uploaded = await upload(instances[0]!.url, account.token, pictures.map((data, i) => ({ filename: `p${i}.jpg`, data })));
    expect(uploaded.status).toBe(201);
    const entries: Array<{ status: string; id: number }> = uploaded.body;
    expect(entries.map((e) => e.status)).toEqual(['created', 'created']);
    const ids = entries.map((e) => e.id);
    for (const id of ids) {
      const fromUploader = await fetchBytes(instances[0]!.url, `/api/v1/photos/${id}/original`, account.token);
      expect(fromUploader.status).toBe(200);
      expect(fromUploader.headers.get('content-type')).toContain('image/jpeg');
      for (const instance of instances.slice(1)) {
        const original = await fetchBytes(instance.url, `/api/v1/photos/${id}/original`, account.token);
        expect(original.status).toBe(200);
        expect(original.bytes.equals(fromUploader.bytes)).toBe(true);
      }
    }
    // Previews are made once, by whichever instance takes the job, and every instance serves them.
    for (const id of ids) {
      await waitFor(`preview of photo ${id}`, async () => (await fetchBytes(instances[2]!.url, `/api/v1/photos/${id}/preview`, account.token)).status === 200, 30_000);
      const fromOther = await fetchBytes(instances[1]!.url, `/api/v1/photos/${id}/preview`, account.token);
      expect(fromOther.status).toBe(200);
      expect(fromOther.headers.get('content-type')).toContain('image/webp');
    }
  });

  it('counts the rate limit once across the instances', async () => {
    // One client address (nginx passes it on in X-Forwarded-For), spread over the three instances by the proxy.
    const account = await signUp(instances[2]!.url, { email: uniqueEmail('multi-rate') });
    const headers = { 'x-forwarded-for': '198.51.100.23' };
    const statuses: number[] = [];
    for (let sent = 0; sent < RATE_LIMIT_PER_MINUTE + 30; sent += 30) {
      statuses.push(...(await Promise.all(Array.from({ length: 30 }, () => request(proxyUrl, 'GET', '/api/v1/types', { token: account.token, headers }).then((r) => r.status)))));
    }
    // Counted per instance, each of the three would have let RATE_LIMIT_PER_MINUTE through.
    expect(statuses.filter((s) => s === 200)).toHaveLength(RATE_LIMIT_PER_MINUTE);
    expect(statuses.filter((s) => s === 429)).toHaveLength(statuses.length - RATE_LIMIT_PER_MINUTE);
    // Another address is not affected.
    expect((await request(proxyUrl, 'GET', '/api/v1/types', { token: account.token, headers: { 'x-forwarded-for': '198.51.100.24' } })).status).toBe(200);
  });

  it('killing one instance during a write load loses no acknowledged write', async () => {
    const account = await signUp(proxyUrl, { email: uniqueEmail('multi-kill') });
    const api = (url: string) => client(url, account.token);
    const freezer = (await api(instances[0]!.url).post('/api/v1/freezers', { name: 'Under load', boxCount: 20 })).body;
    const acknowledged = new Set<number>();
    let failures = 0;
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i += 1) {
        try {
          // Each writer sends through the proxy as a distinct client address, so the rate limit does not interfere.
          const res = await request(proxyUrl, 'POST', '/api/v1/products', {
            token: account.token,
            body: { name: `load ${w}-${i}`, typeId: 1, freezerId: freezer.id, box: 1 + ((w + i) % 20), quantity: 1 },
            headers: { 'x-forwarded-for': `203.0.113.${10 + w}` },
          });
          if (res.status === 201) acknowledged.add(res.body.id);
          else failures += 1;
        } catch {
          failures += 1;
        }
      }
    };
    const writers = Array.from({ length: 6 }, (_, w) => writer(w));
    await waitFor('a first batch of writes', async () => acknowledged.size >= 30, 60_000);
    const victim = instances[1]!;
    victim.process.kill('SIGKILL');
    const before = acknowledged.size;
    await waitFor('writes after the kill', async () => acknowledged.size >= before + 60, 60_000);
    stop = true;
    await Promise.all(writers);

    // Every acknowledged product is there, read through a surviving instance.
    const listed = new Set<number>();
    for (let offset = 0; ; offset += 500) {
      const res = await api(instances[0]!.url).get(`/api/v1/products?freezerId=${freezer.id}&status=all&limit=500&offset=${offset}`);
      expect(res.status).toBe(200);
      const items: Array<{ id: number }> = res.body.items;
      for (const item of items) listed.add(item.id);
      if (items.length < 500) break;
    }
    const missing = [...acknowledged].filter((id) => !listed.has(id));
    expect(missing).toEqual([]);
    for (const id of [...acknowledged].slice(-5)) expect((await api(instances[2]!.url).get(`/api/v1/products/${id}`)).status).toBe(200);
    expect(acknowledged.size).toBeGreaterThanOrEqual(before + 60);
    // Requests that were in flight on the killed instance may have failed; that is all that may fail.
    expect(failures).toBeLessThan(50);
  });
});
