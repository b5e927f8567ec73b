// Static checks of the Docker Compose deployment. There is no Docker engine in CI, so these parse
// docker-compose.yml, the files under deploy/ and the Dockerfile, and check them against what the
// cluster suite (test/cluster/, `npm run test:cluster`) runs and proves: the same server version,
// the same server config template, dynamic config and set-up scripts, the same variables given
// to the server, and the same search attributes.
import { readFileSync, existsSync } from 'node:fs';
import path from 'node:path';
import { describe, it, expect } from 'vitest';
import { parse } from 'yaml';
import { SEARCH_ATTRIBUTES } from '../cluster/cluster';
import { DYNAMIC_CONFIG, REGISTER_SEARCH_ATTRIBUTES_SCRIPT, SERVER_CONFIG_TEMPLATE, SETUP_SCHEMA_SCRIPT, serverEnv } from '../cluster/server-config';
import { TEMPORAL_VERSION } from '../cluster/temporal-build';

const root = path.join(__dirname, '..', '..');
const composePath = path.join(root, 'docker-compose.yml');
const dockerfilePath = path.join(root, 'Dockerfile');

type Service = {
  image?: string;
  build?: string | { context?: string; dockerfile?: string };
  command?: string | string[];
  entrypoint?: string | string[];
  container_name?: string;
  ports?: Array<string | { target?: number; published?: string | number; host_ip?: string }>;
  depends_on?: string[] | Record<string, { condition?: string }>;
  environment?: Record<string, string> | string[];
  volumes?: string[];
  restart?: string;
  stop_grace_period?: string;
  healthcheck?: { test?: string | string[] };
};

// `merge`: the file shares variables between services with a YAML anchor and `<<`.
const compose = parse(readFileSync(composePath, 'utf8'), { merge: true }) as { services: Record<string, Service>; volumes?: Record<string, unknown> };
const services = compose.services;
const read = (file: string) => readFileSync(file, 'utf8');
const relative = (file: string) => path.relative(root, file);

/** Published ports as `{ host, port }` ("127.0.0.1:8080:8080" -> 127.0.0.1, 8080). */
function publishedPorts(service: Service): { host?: string; port: number }[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'object') return { host: port.host_ip, port: Number(port.published) };
    const parts = String(port).split('/')[0].split(':');
    // "8080", "8080:8080", "127.0.0.1:8080:8080"
    return { host: parts.length === 3 ? parts[0] : undefined, port: Number(parts.length === 1 ? parts[0] : parts[parts.length - 2]) };
  });
}

/** depends_on as { service: condition }, whichever syntax the file uses. */
function dependencies(service: Service): Record<string, string> {
  const deps = service.depends_on ?? {};
  if (Array.isArray(deps)) return Object.fromEntries(deps.map((name) => [name, 'service_started']));
  return Object.fromEntries(Object.entries(deps).map(([name, dep]) => [name, dep?.condition ?? 'service_started']));
}

function environment(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (!Array.isArray(env)) return Object.fromEntries(Object.entries(env).map(([k, v]) => [k, String(v)]));
  return Object.fromEntries(env.map((entry) => entry.split(/=(.*)/s).slice(0, 2) as [string, string]));
}

/** The host file (relative to the project) a service mounts at `target`, if any. */
function mountedAt(service: Service, target: string): string | undefined {
  const mount = (service.volumes ?? []).map(String).find((v) => v.split(':')[1] === target);
  return mount && path.normalize(mount.split(':')[0]);
}

/** The script a one-shot step runs: `sh <target>` in its entrypoint, and the host file mounted there. */
function stepScript(service: Service): string | undefined {
  const [shell, target] = [service.entrypoint ?? []].flat();
  expect(shell).toBe('sh');
  return mountedAt(service, target);
}

/** Variables a server config template reads, and those of them it reads with no default. */
function templateVariables(template: string): { all: Set<string>; required: Set<string> } {
  const all = new Set([...template.matchAll(/env "(\w+)"/g)].map((m) => m[1]));
  const withDefault = new Set([...template.matchAll(/default [^()]*\(env "(\w+)"\)/g)].map((m) => m[1]));
  return { all, required: new Set([...all].filter((v) => !withDefault.has(v) && !v.startsWith('TEMPORAL_TLS_') && v !== 'TEMPORAL_BROADCAST_ADDRESS')) };
}

/** The `Name:Type` pairs of the registration script's `attributes='...'` list. */
function scriptAttributes(script: string): Record<string, string> {
  const list = /^attributes='([^']*)'/m.exec(script)?.[1] ?? '';
  return Object.fromEntries(list.split(/\s+/).filter(Boolean).map((pair) => pair.split(':') as [string, string]));
}

// What the suite gives its servers (ports and addresses are placeholders here).
const suiteServerEnv = serverEnv({
  pg: { host: 'pg', port: 5432, user: 'u', password: 'p' },
  database: 'temporal',
  visibilityDatabase: 'temporal_visibility',
  ports: { frontend: 1, frontendHttp: 2, frontendMembership: 3, history: 4, historyMembership: 5, matching: 6, matchingMembership: 7, worker: 8, workerMembership: 9 },
});

describe('docker-compose.yml, against what the cluster suite runs', () => {
  it('defines the database, its two set-up steps, the server, the Web UI, the workers and Prometheus', () => {
    expect(Object.keys(services).sort()).toEqual(
      ['postgresql', 'setup-schema', 'temporal', 'register-search-attributes', 'temporal-ui', 'worker', 'prometheus'].sort(),
    );
  });

  it("runs the suite's server version: temporalio/server and temporalio/admin-tools of the same release", () => {
    expect(services.temporal.image).toBe(`temporalio/server:${TEMPORAL_VERSION}`);
    expect(services['setup-schema'].image).toBe(`temporalio/admin-tools:${TEMPORAL_VERSION}`);
    expect(services['register-search-attributes'].image).toBe(`temporalio/admin-tools:${TEMPORAL_VERSION}`);
    // The deprecated image that set itself up at start.
    expect(readFileSync(composePath, 'utf8')).not.toContain('auto-setup');
  });

  it('runs PostgreSQL on a named volume with a pg_isready healthcheck', () => {
    const pg = services.postgresql;
    expect(pg.image).toMatch(/^postgres:\d+/);
    const volume = (pg.volumes ?? []).map(String).find((v) => v.endsWith(':/var/lib/postgresql/data'));
    expect(volume).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(volume!.split(':')[0]);
    expect([pg.healthcheck?.test ?? []].flat().join(' ')).toContain('pg_isready');
  });

  it("sets the schemas up in a one-shot step running the suite's script with the server's SQL tool, once PostgreSQL is healthy", () => {
    const step = services['setup-schema'];
    expect(stepScript(step)).toBe(relative(SETUP_SCHEMA_SCRIPT));
    expect(step.restart).toBe('no');
    expect(dependencies(step)).toMatchObject({ postgresql: 'service_healthy' });

    const script = read(SETUP_SCHEMA_SCRIPT);
    expect(script).toContain('temporal-sql-tool');
    expect(script).toContain('/etc/temporal/schema/postgresql/v12');
    expect(script.match(/setup-schema -v 0\.0/g)).toHaveLength(2);
    expect(script).toContain('update-schema -d "$schemas/temporal/versioned"');
    expect(script).toContain('update-schema -d "$schemas/visibility/versioned"');
    // It reaches the database the server is given.
    const { POSTGRES_SEEDS, DB_PORT, POSTGRES_USER, POSTGRES_PWD } = environment(services.temporal);
    expect(environment(step)).toMatchObject({ POSTGRES_SEEDS, DB_PORT, POSTGRES_USER, POSTGRES_PWD });
  });

  it("starts the server on the suite's config template and dynamic config, after the schemas are set up", () => {
    const temporal = services.temporal;
    const env = environment(temporal);
    expect(mountedAt(temporal, env.TEMPORAL_SERVER_CONFIG_FILE_PATH)).toBe(relative(suiteServerEnv.TEMPORAL_SERVER_CONFIG_FILE_PATH));
    expect(mountedAt(temporal, env.DYNAMIC_CONFIG_FILE_PATH)).toBe(relative(suiteServerEnv.DYNAMIC_CONFIG_FILE_PATH));
    expect(relative(SERVER_CONFIG_TEMPLATE)).toBe('deploy/temporal/config.yaml');
    expect(relative(DYNAMIC_CONFIG)).toBe('deploy/dynamicconfig/rebound.yaml');
    expect(() => parse(read(DYNAMIC_CONFIG))).not.toThrow();
    expect(dependencies(temporal)).toMatchObject({ 'setup-schema': 'service_completed_successfully' });
    expect(publishedPorts(temporal)).toContainEqual({ host: '127.0.0.1', port: 7233 });
  });

  it('gives the server only variables the suite gives its servers too, and every one the template needs', () => {
    const env = environment(services.temporal);
    const suiteKeys = Object.keys(suiteServerEnv);
    expect(Object.keys(env).filter((k) => !suiteKeys.includes(k))).toEqual([]);
    expect(env.TEMPORAL_ALLOW_NO_AUTH).toBe(suiteServerEnv.TEMPORAL_ALLOW_NO_AUTH);

    const template = read(SERVER_CONFIG_TEMPLATE);
    const { all, required } = templateVariables(template);
    expect([...required].filter((v) => !(v in env))).toEqual([]);
    // And the suite sets nothing the template (or the server itself) does not read.
    const readByServer = new Set([...all, 'PATH', 'TEMPORAL_SERVER_CONFIG_FILE_PATH', 'TEMPORAL_ALLOW_NO_AUTH']);
    expect(suiteKeys.filter((k) => !readByServer.has(k))).toEqual([]);
  });

  it('renders a config of 4 history shards on PostgreSQL, for persistence and SQL visibility alike', () => {
    const template = read(SERVER_CONFIG_TEMPLATE);
    expect(template.split('\n').slice(0, 3).join('\n')).toContain('# enable-template');
    expect(template).toMatch(/^ {2}numHistoryShards: 4$/m);
    expect(template).toMatch(/^ {2}defaultStore: postgres-default$/m);
    expect(template).toMatch(/^ {2}visibilityStore: postgres-visibility$/m);
    expect(template.match(/pluginName: postgres12/g)).toHaveLength(2);
    expect(template).not.toMatch(/elasticsearch/i);
  });

  it('creates the namespace and registers every rebound search attribute with its type, after the server is up', () => {
    const step = services['register-search-attributes'];
    expect(stepScript(step)).toBe(relative(REGISTER_SEARCH_ATTRIBUTES_SCRIPT));
    expect(step.restart).toBe('no');
    expect(dependencies(step)).toMatchObject({ temporal: 'service_healthy' });
    expect(environment(step)).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233', TEMPORAL_NAMESPACE: 'default' });

    const script = read(REGISTER_SEARCH_ATTRIBUTES_SCRIPT);
    expect(scriptAttributes(script)).toEqual(SEARCH_ATTRIBUTES);
    expect(script).toContain('temporal operator namespace create');
    expect(script).toContain('temporal operator search-attribute create');
    expect(script).toContain('already exists');
  });

  it('publishes the Temporal Web UI on 127.0.0.1:8080, pointed at the server', () => {
    const ui = services['temporal-ui'];
    expect(ui.image).toMatch(/^temporalio\/ui:\d+\.\d+\.\d+$/);
    expect(publishedPorts(ui)).toContainEqual({ host: '127.0.0.1', port: 8080 });
    expect(environment(ui)).toMatchObject({ TEMPORAL_ADDRESS: 'temporal:7233' });
  });

  it("builds the worker from the Dockerfile and runs `rebound worker` on a team's job module, with metrics on 9464", () => {
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
      REBOUND_METRICS_ADDRESS: '0.0.0.0:9464',
    });
  });

  it('lets the worker scale (no container_name, no published port) and stop gracefully', () => {
    const worker = services.worker;
    expect(worker.container_name).toBeUndefined();
    expect(worker.ports ?? []).toHaveLength(0);
    // Above the worker's 30 s shutdown grace plus 10 s (README, "What is guaranteed").
    expect(Number.parseInt(worker.stop_grace_period ?? '0', 10)).toBeGreaterThan(40);
  });

  it('starts workers only after the search attributes were registered successfully', () => {
    expect(dependencies(services.worker)).toMatchObject({ 'register-search-attributes': 'service_completed_successfully' });
  });

  it("runs Prometheus on deploy/prometheus.yml, scraping every worker's port 9464", () => {
    const prometheus = services.prometheus;
    expect(prometheus.image).toMatch(/^prom\/prometheus:v\d+\.\d+\.\d+$/);
    expect(mountedAt(prometheus, '/etc/prometheus/prometheus.yml')).toBe('deploy/prometheus.yml');
    expect(publishedPorts(prometheus)).toContainEqual({ host: '127.0.0.1', port: 9090 });

    const config = parse(read(path.join(root, 'deploy', 'prometheus.yml'))) as {
      scrape_configs: { dns_sd_configs?: { names: string[]; port: number }[]; static_configs?: { targets: string[] }[] }[];
    };
    const targets = config.scrape_configs.flatMap((job) => [
      ...(job.dns_sd_configs ?? []).flatMap((sd) => sd.names.map((name) => `${name}:${sd.port}`)),
      ...(job.static_configs ?? []).flatMap((s) => s.targets),
    ]);
    expect(targets).toContain('worker:9464');
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
