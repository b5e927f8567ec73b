// Static checks of the Docker Compose deployment. There is no Docker engine in
// CI, so these only parse docker-compose.yml and the Dockerfile.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { parse } from 'yaml';

const root = path.join(__dirname, '..', '..');
const composePath = path.join(root, 'docker-compose.yml');
const dockerfilePath = path.join(root, 'Dockerfile');

type Service = {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  container_name?: string;
  ports?: Array<string | { target?: number; published?: string | number }>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  environment?: Record<string, string> | string[];
  restart?: string;
};

const compose = parse(readFileSync(composePath, 'utf8')) as { services: Record<string, Service> };
const services = compose.services;

// The search attributes rebound writes on job workflows, with their Temporal types.
const SEARCH_ATTRIBUTES: Record<string, string> = {
  JobType: 'Keyword',
  JobStatus: 'Keyword',
  JobErrorType: 'Keyword',
  JobFailureGroup: 'Keyword',
  DeadLetteredAt: 'Datetime',
  JobAttempts: 'Int',
};

/** Host ports a service publishes, as numbers ("8080:8080" -> 8080). */
function publishedPorts(service: Service): number[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'object') return Number(port.published);
    const parts = String(port).split(':');
    // "8080", "8080:8080", "127.0.0.1:8080:8080" (optionally with "/tcp")
    return Number((parts.length === 1 ? parts[0] : parts[parts.length - 2]).split('/')[0]);
  });
}

/** depends_on as { service: condition }, whichever syntax the file uses. */
function dependencies(service: Service): Record<string, string> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, 'service_started']));
  return Object.fromEntries(
    Object.entries(deps).map(([name, dep]) => [name, dep?.condition ?? 'service_started']),
  );
}

function commandText(service: Service): string {
  const parts = [service.entrypoint ?? [], service.command ?? []].flat();
  return parts.join(' ');
}

/** Every `--name X --type Y` pair in a shell script (comments ignored), as { X: Y }. */
function registeredAttributes(text: string): Record<string, string> {
  const code = text
    .split('\n')
    .filter((line) => !line.trim().startsWith('#'))
    .join('\n');
  const found: Record<string, string> = {};
  for (const match of code.matchAll(/--name\s+(\w+)\s+--type\s+(\w+)/g)) {
    found[match[1]] = match[2];
  }
  return found;
}

function environment(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (!Array.isArray(env)) return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
  return Object.fromEntries(env.map((entry) => entry.split(/=(.*)/s).slice(0, 2) as [string, string]));
}

describe('docker-compose.yml', () => {
  it('defines postgresql, temporal, temporal-ui, register-search-attributes and worker services', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining(['postgresql', 'temporal', 'temporal-ui', 'register-search-attributes', 'worker']),
    );
  });

  it('runs PostgreSQL 16 on a named volume with a pg_isready healthcheck', () => {
    const pg = services.postgresql as Service & { volumes?: string[]; healthcheck?: { test?: string | string[] } };
    expect(pg.image).toMatch(/^postgres:16/);
    const volume = (pg.volumes ?? []).map(String).find((v) => v.endsWith(':/var/lib/postgresql/data'));
    expect(volume).toBeDefined();
    const volumeName = volume!.split(':')[0];
    expect(Object.keys((compose as { volumes?: Record<string, unknown> }).volumes ?? {})).toContain(volumeName);
    expect([pg.healthcheck?.test ?? []].flat().join(' ')).toContain('pg_isready');
  });

  it('publishes the Temporal frontend on 7233 and starts it after PostgreSQL is healthy', () => {
    const temporal = services.temporal;
    expect(temporal.image).toMatch(/^temporalio\/auto-setup:1\.2\d\.\d+/);
    expect(publishedPorts(temporal)).toContain(7233);
    expect(dependencies(temporal)).toMatchObject({ postgresql: 'service_healthy' });
    expect(environment(temporal)).toMatchObject({ DB: 'postgres12', POSTGRES_SEEDS: 'postgresql' });
  });

  it('keeps the dynamic config file it points Temporal at in deploy/', () => {
    const configPath = environment(services.temporal).DYNAMIC_CONFIG_FILE_PATH;
    expect(configPath).toBeDefined();
    const mount = ((services.temporal as { volumes?: string[] }).volumes ?? [])
      .map(String)
      .find((v) => v.split(':')[1] === configPath);
    expect(mount).toBeDefined();
    const hostFile = path.join(root, mount!.split(':')[0]);
    expect(hostFile.startsWith(path.join(root, 'deploy'))).toBe(true);
    expect(existsSync(hostFile)).toBe(true);
    expect(() => parse(readFileSync(hostFile, 'utf8'))).not.toThrow();
  });

  it('publishes the Temporal Web UI on 8080', () => {
    const ui = services['temporal-ui'];
    expect(ui.image).toMatch(/^temporalio\/ui:/);
    expect(publishedPorts(ui)).toContain(8080);
    expect(environment(ui)).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233' });
  });

  it('registers every rebound search attribute with its right type', () => {
    const step = services['register-search-attributes'];
    const text = commandText(step);
    expect(step.image).toMatch(/^temporalio\/admin-tools:/);
    expect(text).toContain('temporal operator search-attribute create');
    expect(text).toContain('--namespace default');
    expect(text).toContain('--address temporal:7233');
    expect(registeredAttributes(text)).toEqual(SEARCH_ATTRIBUTES);
  });

  it('runs the registration once, after Temporal is healthy, and tolerates attributes that already exist', () => {
    const step = services['register-search-attributes'];
    expect(step.restart).toBe('no');
    expect(dependencies(step)).toMatchObject({ temporal: 'service_healthy' });
    expect(commandText(step)).toContain('already exists');
  });

  it('builds the worker from the Dockerfile and runs `rebound worker` against the compose Temporal', () => {
    const worker = services.worker;
    const build = typeof worker.build === 'string' ? { context: worker.build } : worker.build;
    expect(build?.context).toBe('.');
    expect(build?.dockerfile ?? 'Dockerfile').toBe('Dockerfile');
    expect([worker.command ?? []].flat().join(' ')).toBe('node bin/rebound.js worker');
    expect(environment(worker)).toMatchObject({
      TEMPORAL_ADDRESS: 'temporal:7233',
      TEMPORAL_NAMESPACE: 'default',
      REBOUND_TASK_QUEUE: 'rebound',
      // A team's job module by variable, rebound's examples when it is not set.
      REBOUND_JOBS: '${REBOUND_JOBS:-rebound/examples}',
    });
  });

  it('lets the worker scale: no container_name and no published ports', () => {
    const worker = services.worker;
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports ?? []).toHaveLength(0);
  });

  it('starts workers only after the search attributes were registered successfully', () => {
    expect(dependencies(services.worker)).toMatchObject({
      'register-search-attributes': 'service_completed_successfully',
    });
  });
});

describe('Dockerfile', () => {
  const dockerfile = existsSync(dockerfilePath) ? readFileSync(dockerfilePath, 'utf8') : '';
  const instructions = dockerfile
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'));

  it('exists next to docker-compose.yml', () => {
    expect(existsSync(dockerfilePath)).toBe(true);
  });

  it('is a multi-stage build on node:20-bookworm-slim', () => {
    const stages = instructions.filter((line) => /^FROM\s/i.test(line));
    expect(stages.length).toBeGreaterThanOrEqual(2);
    for (const stage of stages) expect(stage).toMatch(/node:20-bookworm-slim/);
    expect(instructions.some((line) => /^COPY\s+--from=/i.test(line))).toBe(true);
  });

  it('installs only production dependencies in the image it runs as the node user', () => {
    const lastFrom = instructions.map((line) => /^FROM\s/i.test(line)).lastIndexOf(true);
    const runtime = instructions.slice(lastFrom).join('\n');
    expect(runtime).toContain('npm ci --omit=dev');
    expect(runtime).toMatch(/^USER\s+node$/m);
  });

  it('is a base for a job module: rebound resolves by its name anywhere under /app', () => {
    expect(instructions).toContain('RUN ln -s /app /app/node_modules/rebound');
  });

  it('runs the rebound worker by default', () => {
    const cmd = instructions.filter((line) => /^CMD\s/i.test(line)).pop();
    expect(cmd).toBeDefined();
    expect(JSON.parse(cmd!.replace(/^CMD\s+/i, ''))).toEqual(['node', 'bin/rebound.js', 'worker']);
  });
});
