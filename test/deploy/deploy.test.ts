import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';

/**
 * No Docker engine or systemd runs on our machines, so the packaging is checked by reading it: hadolint-style
 * rules for the Dockerfile, the compose file against the configuration the app really reads and the README,
 * and the systemd unit's required keys.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (file: string) => fs.readFileSync(path.join(root, file), 'utf8');

/** Every environment variable src/config.ts reads (env.NAME, env['NAME'], int(env, 'NAME', …)). */
function configVariables(): Set<string> {
  const source = read('src/config.ts');
  const names = new Set<string>();
  for (const m of source.matchAll(/\benv\.([A-Z][A-Z0-9_]*)\b/g)) names.add(m[1]!);
  for (const m of source.matchAll(/\benv\[['"]([A-Z][A-Z0-9_]*)['"]\]/g)) names.add(m[1]!);
  for (const m of source.matchAll(/\(env, '([A-Z][A-Z0-9_]*)'/g)) names.add(m[1]!);
  return names;
}

/** Variables named in the README's configuration table (first column). */
function readmeVariables(): Set<string> {
  const names = new Set<string>();
  for (const line of read('README.md').split('\n')) {
    if (!line.startsWith('| `')) continue;
    const first = line.split('|')[1] ?? '';
    for (const m of first.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(m[1]!);
  }
  return names;
}

interface Instruction {
  keyword: string;
  args: string;
  line: number;
}

/** Dockerfile instructions, continuation lines joined, comments dropped. */
function dockerfile(text: string): Instruction[] {
  const out: Instruction[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    let line = lines[i]!.trim();
    if (!line || line.startsWith('#')) continue;
    const start = i + 1;
    while (line.endsWith('\\') && i + 1 < lines.length) {
      i += 1;
      const next = lines[i]!.trim();
      if (next.startsWith('#')) continue;
      line = `${line.slice(0, -1).trimEnd()} ${next}`;
    }
    const space = line.search(/\s/);
    out.push({ keyword: line.slice(0, space).toUpperCase(), args: line.slice(space + 1).trim(), line: start });
  }
  return out;
}

/** Pinned: a tag with a version number (or a digest), never "latest" or a bare name. */
function pinned(image: string): boolean {
  if (/@sha256:[0-9a-f]{64}$/.test(image)) return true;
  const tag = /:([^/:]+)$/.exec(image)?.[1];
  return tag !== undefined && tag !== 'latest' && /\d/.test(tag);
}

const SECRET_NAME = /PASSWORD|SECRET|TOKEN|PRIVATE|CREDENTIAL/i;

describe('Dockerfile (hadolint-style rules)', () => {
  const instructions = dockerfile(read('Dockerfile'));
  const froms = instructions.filter((i) => i.keyword === 'FROM');
  const lastFrom = instructions.lastIndexOf(froms[froms.length - 1]!);
  const runtime = instructions.slice(lastFrom + 1);

  it('has several stages, each from a pinned base image with a name', () => {
    expect(froms.length).toBeGreaterThanOrEqual(2);
    for (const from of froms) {
      const [image, as, name] = from.args.split(/\s+/);
      expect(pinned(image!), `FROM ${from.args} (line ${from.line})`).toBe(true);
      expect(as?.toUpperCase(), `FROM line ${from.line} names its stage`).toBe('AS');
      expect(name).toMatch(/^[a-z][a-z0-9-]*$/);
    }
    expect(froms.some((f) => /slim|alpine|distroless/.test(f.args.split(/\s+/)[0]!)), 'a small runtime base').toBe(true);
    expect(/slim|alpine|distroless/.test(froms[froms.length - 1]!.args)).toBe(true);
  });

  it('builds with dev dependencies in one stage and runs with production dependencies only', () => {
    const runs = instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
    expect(runs.some((r) => /\bnpm ci\b/.test(r) && !/--omit=dev/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm run build\b/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm ci\b.*--omit=dev/.test(r))).toBe(true);
    expect(runs.some((r) => /\bnpm install\b/.test(r)), 'npm ci, never npm install (the lockfile decides)').toBe(false);
    // The runtime's node_modules come from the stage that installed production dependencies only.
    const prodStage = froms.find((f, index) => {
      const start = instructions.indexOf(f);
      const end = index + 1 < froms.length ? instructions.indexOf(froms[index + 1]!) : instructions.length;
      return instructions.slice(start, end).some((i) => i.keyword === 'RUN' && /--omit=dev/.test(i.args));
    });
    const prodName = prodStage!.args.split(/\s+/)[2];
    expect(runtime.some((i) => i.keyword === 'COPY' && i.args.includes(`--from=${prodName}`) && /node_modules/.test(i.args))).toBe(true);
    expect(runtime.some((i) => i.keyword === 'RUN' && /\b(g\+\+|gcc|make|python3)\b/.test(i.args)), 'no compiler in the runtime stage').toBe(false);
  });

  it('runs as a non-root user, with a health check on /healthz, an exposed port and a data volume', () => {
    const users = runtime.filter((i) => i.keyword === 'USER');
    expect(users.length).toBeGreaterThan(0);
    expect(users[users.length - 1]!.args).not.toMatch(/^(root|0)(:|$)/);
    const lastUser = runtime.lastIndexOf(users[users.length - 1]!);
    const cmd = runtime.findIndex((i) => i.keyword === 'CMD' || i.keyword === 'ENTRYPOINT');
    expect(lastUser).toBeLessThan(cmd);
    const health = runtime.filter((i) => i.keyword === 'HEALTHCHECK');
    expect(health).toHaveLength(1);
    expect(health[0]!.args).toContain('/healthz');
    expect(health[0]!.args).toMatch(/--interval=\d+s/);
    const port = /PORT=(\d+)/.exec(runtime.filter((i) => i.keyword === 'ENV').map((i) => i.args).join(' '))?.[1];
    expect(runtime.find((i) => i.keyword === 'EXPOSE')?.args).toBe(port);
    const dataDir = /DATA_DIR=(\S+)/.exec(runtime.filter((i) => i.keyword === 'ENV').map((i) => i.args).join(' '))?.[1];
    expect(dataDir).toBeDefined();
    expect(runtime.find((i) => i.keyword === 'VOLUME')?.args).toContain(`"${dataDir}"`);
    expect(runtime.some((i) => i.keyword === 'RUN' && i.args.includes(`chown node:node ${dataDir}`))).toBe(true);
  });

  it('starts node in exec form (it receives SIGTERM) and never uses ADD, sudo, relative WORKDIR or secrets in ENV/ARG', () => {
    const cmd = runtime.find((i) => i.keyword === 'CMD')!;
    expect(() => JSON.parse(cmd.args)).not.toThrow();
    expect(JSON.parse(cmd.args)).toEqual(['node', 'bin/freezer-manager.js', 'serve']);
    for (const i of instructions) {
      expect(i.keyword, `line ${i.line}`).not.toBe('ADD');
      expect(i.keyword, `line ${i.line}: MAINTAINER is deprecated`).not.toBe('MAINTAINER');
      if (i.keyword === 'RUN') expect(i.args, `line ${i.line}`).not.toMatch(/\bsudo\b/);
      if (i.keyword === 'WORKDIR') expect(i.args.startsWith('/'), `line ${i.line}`).toBe(true);
      if (i.keyword === 'ENV' || i.keyword === 'ARG') {
        for (const m of i.args.matchAll(/([A-Za-z_][A-Za-z0-9_]*)=/g)) expect(m[1], `line ${i.line}`).not.toMatch(SECRET_NAME);
      }
    }
  });

  it('cleans apt lists in the same layer, without recommended packages', () => {
    const aptRuns = instructions.filter((i) => i.keyword === 'RUN' && /apt-get install/.test(i.args));
    expect(aptRuns.length).toBeGreaterThan(0);
    for (const run of aptRuns) {
      expect(run.args, `line ${run.line}`).toMatch(/apt-get update/);
      expect(run.args, `line ${run.line}`).toMatch(/--no-install-recommends/);
      expect(run.args, `line ${run.line}`).toMatch(/-y\b/);
      expect(run.args, `line ${run.line}`).toMatch(/rm -rf \/var\/lib\/apt\/lists\/\*/);
    }
  });

  it('gives every file copied into the runtime an owner, and not the service user: it cannot change its own code', () => {
    const copies = runtime.filter((i) => i.keyword === 'COPY');
    expect(copies.length).toBeGreaterThan(0);
    const user = runtime.filter((i) => i.keyword === 'USER').pop()!.args.split(':')[0];
    for (const copy of copies) {
      const owner = /--chown=([^:\s]+)/.exec(copy.args)?.[1];
      expect(owner, `COPY line ${copy.line} sets --chown`).toBeDefined();
      expect(owner, `COPY line ${copy.line}`).not.toBe(user);
    }
  });

  it('keeps dependencies, outputs, data, secrets and history out of the build context', () => {
    const ignored = read('.dockerignore').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const entry of ['node_modules', '.git', 'dist', 'data', '.env', '*.pem', '*.sqlite']) expect(ignored, entry).toContain(entry);
    // What the build needs is not ignored.
    for (const needed of ['src', 'bin', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) expect(ignored).not.toContain(needed);
  });
});

describe('deploy/docker-compose.yml', () => {
  const compose = parseYaml(read('deploy/docker-compose.yml'), { merge: true }) as {
    services: Record<string, Record<string, any>>;
    volumes?: Record<string, unknown>;
  };
  const services = compose.services;
  const apps = Object.entries(services).filter(([, s]) => s.image?.startsWith('freezer-manager:'));
  const composeEnvironment = (s: Record<string, any>): Record<string, string> =>
    Array.isArray(s.environment) ? Object.fromEntries(s.environment.map((e: string) => e.split(/=(.*)/s).slice(0, 2))) : (s.environment ?? {});

  it('has two app instances, PostgreSQL, Redis, MinIO with its bucket set-up, and Caddy', () => {
    expect(apps.map(([name]) => name).sort()).toEqual(['app1', 'app2']);
    const images = Object.values(services).map((s) => String(s.image));
    for (const prefix of ['postgres:', 'redis:', 'minio/minio:', 'minio/mc:', 'caddy:']) expect(images.some((i) => i.startsWith(prefix)), prefix).toBe(true);
    const init = Object.values(services).find((s) => String(s.image).startsWith('minio/mc:'))!;
    const script = ([] as string[]).concat(init.command).join(' ');
    expect(script).toMatch(/mc mb --ignore-existing local\/freezer-photos/);
    expect(script).toMatch(/mc version enable local\/freezer-photos/);
    for (const [, app] of apps) {
      expect(app.build?.context).toBe('..');
      expect(app.depends_on?.['minio-init']?.condition).toBe('service_completed_successfully');
      expect(app.depends_on?.postgres?.condition).toBe('service_healthy');
      expect(app.depends_on?.redis?.condition).toBe('service_healthy');
      expect(composeEnvironment(app).S3_BUCKET).toBe('freezer-photos');
    }
  });

  it('pins every image and gives every long-running service a health check', () => {
    const version = JSON.parse(read('package.json')).version as string;
    for (const [name, service] of Object.entries(services)) {
      expect(pinned(String(service.image)), `${name}: ${service.image}`).toBe(true);
      if (service.restart === 'no') continue; // a one-shot job
      expect(service.healthcheck?.test, `${name} has a health check`).toBeDefined();
      expect(service.restart, name).toBe('unless-stopped');
    }
    for (const [, app] of apps) {
      expect(app.image).toBe(`freezer-manager:${version}`);
      expect(JSON.stringify(app.healthcheck.test)).toContain('/readyz');
    }
  });

  it('publishes ports only through Caddy', () => {
    for (const [name, service] of Object.entries(services)) if (name !== 'caddy') expect(service.ports, name).toBeUndefined();
    expect(services.caddy!.ports).toEqual(expect.arrayContaining(['80:80', '443:443']));
  });

  it('gives the app only variables src/config.ts reads, the same as the multi-instance test, all in the README', () => {
    const readByConfig = configVariables();
    const documented = readmeVariables();
    const expected = ['DATABASE_URL', 'REDIS_URL', 'S3_ENDPOINT', 'S3_BUCKET', 'S3_REGION', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY', 'TRUST_PROXY', 'PUBLIC_URL', 'HOST', 'PORT', 'DATA_DIR'];
    for (const [name, app] of apps) {
      const env = composeEnvironment(app);
      expect(Object.keys(env).sort(), name).toEqual([...expected].sort());
      for (const variable of Object.keys(env)) {
        expect(readByConfig.has(variable), `${name}: ${variable} is read by src/config.ts`).toBe(true);
        expect(documented.has(variable), `${name}: ${variable} is in the README's configuration table`).toBe(true);
      }
      expect(env.TRUST_PROXY).toBe('true');
      expect(env.HOST).toBe('0.0.0.0');
      expect(env.DATABASE_URL).toMatch(/^postgres:\/\/[^:]+:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\//);
      expect(env.REDIS_URL).toMatch(/^redis:\/\/redis:6379/);
      expect(env.PUBLIC_URL).toMatch(/^https:\/\//);
    }
    // The multi-instance test (another branch; checked once it has landed) runs the app on the same
    // variables, so the compose set-up stays exercised.
    const multiTest = path.join(root, 'test/multi-instance/multi-instance.test.ts');
    if (fs.existsSync(multiTest)) {
      const multi = fs.readFileSync(multiTest, 'utf8');
      for (const variable of expected) expect(multi, `the multi-instance test sets ${variable}`).toMatch(new RegExp(`\\b${variable}\\b`));
    }
  });

  it('takes every secret from the environment (.env), required, never written in the file', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const [variable, value] of Object.entries(composeEnvironment(service))) {
        if (!SECRET_NAME.test(variable)) continue;
        expect(String(value), `${name}: ${variable}`).toMatch(/^\$\{[A-Z0-9_]+:\?[^}]+\}$/);
      }
    }
    const example = read('deploy/env.example');
    for (const m of read('deploy/docker-compose.yml').matchAll(/\$\{([A-Z0-9_]+):\?/g)) expect(example, `${m[1]} in deploy/env.example`).toMatch(new RegExp(`^${m[1]}=`, 'm'));
    expect(read('.gitignore')).toMatch(/^deploy\/\.env$/m);
  });

  it('keeps its data in named volumes', () => {
    const volumes = Object.keys(compose.volumes ?? {});
    for (const [name, service] of Object.entries(services)) {
      for (const mount of (service.volumes ?? []) as string[]) {
        const source = mount.split(':')[0]!;
        if (source.startsWith('./')) expect(fs.existsSync(path.join(root, 'deploy', source)), `${name}: ${source}`).toBe(true);
        else expect(volumes, `${name}: ${source}`).toContain(source);
      }
    }
    for (const [, app] of apps) expect(app.volumes.some((v: string) => v.endsWith(`:${composeEnvironment(app).DATA_DIR}`))).toBe(true);
  });
});

/** A copy of a deploy file with a change, in a temporary directory (for the validators' negative checks). */
function brokenCopy(file: string, change: (text: string) => string): string {
  const dir = fs.mkdtempSync(path.join(process.env.FM_TEST_TMP_DIR ?? os.tmpdir(), 'fm-deploy-'));
  const copy = path.join(dir, path.basename(file));
  fs.writeFileSync(copy, change(read(file)));
  return copy;
}

describe('deploy/Caddyfile', () => {
  const caddyfile = read('deploy/Caddyfile');
  // Debian's caddy (.ci/run installs it) parses and provisions the configuration without serving it.
  const validate = (file: string) =>
    spawnSync('caddy', ['validate', '--config', file, '--adapter', 'caddyfile'], {
      env: { ...process.env, FM_DOMAIN: 'freezer.example.org', ACME_EMAIL: 'admin@example.org' },
      encoding: 'utf8',
    });

  it('is valid for caddy itself, which refuses a broken one', () => {
    const good = validate(path.join(root, 'deploy/Caddyfile'));
    expect(good.error).toBeUndefined();
    expect(good.status, good.stderr).toBe(0);
    expect(good.stdout + good.stderr).toContain('Valid configuration');
    const bad = validate(brokenCopy('deploy/Caddyfile', (t) => t.replace('health_uri /readyz', 'health_uri')));
    expect(bad.status).not.toBe(0);
  });

  it('load-balances both instances with health checks, with automatic HTTPS and /metrics kept private', () => {
    const proxy = /reverse_proxy\s+([^{]+)\{([^}]*)\}/.exec(caddyfile);
    expect(proxy).not.toBeNull();
    expect(proxy![1]!.trim().split(/\s+/).sort()).toEqual(['app1:8080', 'app2:8080']);
    expect(proxy![2]).toMatch(/health_uri \/readyz/);
    expect(proxy![2]).toMatch(/health_interval \d+s/);
    expect(proxy![2]).toMatch(/lb_policy \w+/);
    expect(caddyfile).toMatch(/^\{\$FM_DOMAIN\} \{/m); // a real domain: Caddy gets its certificate from Let's Encrypt
    expect(caddyfile).toMatch(/email \{\$ACME_EMAIL\}/);
    expect(caddyfile).not.toMatch(/tls internal|auto_https off/);
    expect(caddyfile).toMatch(/respond \/metrics 404/);
    // Braces balance.
    expect((caddyfile.match(/\{/g) ?? []).length - (caddyfile.match(/\{\$/g) ?? []).length).toBe((caddyfile.match(/\}/g) ?? []).length - (caddyfile.match(/\{\$[A-Z_]+\}/g) ?? []).length);
  });
});

describe('deploy/freezer-manager.service', () => {
  /** systemd unit sections → key → values (a key may repeat). */
  function unit(text: string): Record<string, Record<string, string[]>> {
    const out: Record<string, Record<string, string[]>> = {};
    let section = '';
    for (const raw of text.split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#') || line.startsWith(';')) continue;
      const header = /^\[(\w+)\]$/.exec(line);
      if (header) {
        section = header[1]!;
        out[section] = {};
        continue;
      }
      const eq = line.indexOf('=');
      expect(eq, `"${line}" is key=value`).toBeGreaterThan(0);
      expect(section, `"${line}" is inside a section`).not.toBe('');
      ((out[section]![line.slice(0, eq)] ??= []) as string[]).push(line.slice(eq + 1));
    }
    return out;
  }
  const parsed = unit(read('deploy/freezer-manager.service'));
  const service = parsed.Service!;
  const one = (key: string) => service[key]?.[service[key]!.length - 1];

  it('has the required sections and hardening keys', () => {
    expect(Object.keys(parsed)).toEqual(['Unit', 'Service', 'Install']);
    expect(parsed.Install!.WantedBy).toEqual(['multi-user.target']);
    expect(one('NoNewPrivileges')).toBe('yes');
    expect(one('ProtectSystem')).toBe('strict');
    expect(one('ProtectHome')).toBe('yes');
    expect(one('PrivateTmp')).toBe('yes');
    expect(one('DynamicUser') === 'yes' || (one('User') !== undefined && one('User') !== 'root')).toBe(true);
    expect(one('CapabilityBoundingSet')).toBe('');
  });

  it('may write only its DATA_DIR', () => {
    const env = Object.fromEntries((service.Environment ?? []).map((e) => e.split(/=(.*)/s).slice(0, 2)));
    expect(env.DATA_DIR).toMatch(/^\//);
    expect(one('ReadWritePaths')?.split(/\s+/)).toEqual([env.DATA_DIR]);
    expect(env.DATA_DIR).toBe(`/var/lib/${one('StateDirectory')}`);
    const variables = configVariables();
    for (const name of Object.keys(env)) if (name !== 'NODE_ENV') expect(variables.has(name), `${name} is read by src/config.ts`).toBe(true);
  });

  it('passes systemd-analyze verify, which flags a broken copy', () => {
    const verify = (file: string) => spawnSync('systemd-analyze', ['verify', file], { encoding: 'utf8' });
    const good = verify(path.join(root, 'deploy/freezer-manager.service'));
    expect(good.error).toBeUndefined();
    expect(good.status).toBe(0);
    expect(good.stderr.trim()).toBe('');
    const bad = verify(brokenCopy('deploy/freezer-manager.service', (t) => t.replace('Restart=on-failure', 'Restart=sometimes').replace('ProtectSystem=strict', 'ProtectSytem=strict')));
    expect(bad.stderr).toMatch(/restart specifier/i);
    expect(bad.stderr).toMatch(/Unknown key( name)? 'ProtectSytem'/);
  });

  it('restarts on failure and stops gracefully with SIGTERM within TimeoutStopSec', () => {
    expect(one('Restart')).toBe('on-failure');
    expect(one('KillSignal')).toBe('SIGTERM');
    expect(Number(one('TimeoutStopSec'))).toBeGreaterThanOrEqual(10);
    expect(one('ExecStart')).toMatch(/^\/usr\/bin\/node \S+\/bin\/freezer-manager\.js serve$/);
  });
});
