/**
 * A real self-hosted Temporal cluster for tests: the server built from its Go module, on a
 * PostgreSQL of our own (persistence and SQL visibility), with rebound's namespace and search
 * attributes, optionally with mutual TLS on the frontend. Several clusters can share one
 * PostgreSQL: each gets its own pair of databases.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, openSync, readFileSync, writeFileSync, closeSync } from 'node:fs';
import path from 'node:path';
import type { Postgres } from './postgres';
import { freePort } from './ports';
import { run, waitFor } from './run';
import { serverConfigYaml, type ServerPorts } from './server-config';
import { projectRoot, type TemporalBuild } from './temporal-build';
import { temporalCli } from './temporal-cli';
import { makeTlsFiles } from './tls';

/** What tests get (through vitest's provide/inject) to reach one cluster. Plain data only. */
export interface ClusterInfo {
  address: string;
  namespace: string;
  /** Present when the frontend requires mutual TLS: the files a client needs. */
  tls?: { caFile: string; certFile: string; keyFile: string; serverName: string };
}

export interface Cluster {
  info: ClusterInfo;
  stop(): Promise<void>;
}

/** Servers started and not yet exited, for a last-resort kill if the run dies before teardown. */
export const runningServerPids = new Set<number>();

/** What every cluster of one test run shares. */
export interface ClusterEnv {
  tempDir: string;
  pg: Postgres;
  build: TemporalBuild;
  cliPath: string;
  log: (msg: string) => void;
}

/** rebound's custom search attributes (the CLI contract in DESIGN.md), by type. */
export const SEARCH_ATTRIBUTES: Record<string, string> = {
  JobType: 'Keyword',
  JobStatus: 'Keyword',
  JobErrorType: 'Keyword',
  JobFailureGroup: 'Keyword',
  DeadLetteredAt: 'Datetime',
  JobAttempts: 'Int',
};

const NAMESPACE = 'default';
const RETENTION = '24h';

export async function startCluster(env: ClusterEnv, opts: { tls: boolean }): Promise<Cluster> {
  const name = opts.tls ? 'tls' : 'plain';
  const dir = path.join(env.tempDir, name);
  mkdirSync(dir, { recursive: true });
  const started = Date.now();

  const database = `temporal_${name}`;
  const visibilityDatabase = `temporal_${name}_visibility`;
  await setupDatabase(env, database, 'temporal');
  await setupDatabase(env, visibilityDatabase, 'visibility');

  const tls = opts.tls ? await makeTlsFiles(path.join(dir, 'certs'), env.log) : undefined;
  const ports: ServerPorts = {
    frontend: await freePort(),
    frontendMembership: await freePort(),
    history: await freePort(),
    historyMembership: await freePort(),
    matching: await freePort(),
    matchingMembership: await freePort(),
    worker: await freePort(),
    workerMembership: await freePort(),
  };
  // A copy of the dynamic config docker-compose mounts, so that the cluster behaves like it.
  const dynamicConfigFile = path.join(dir, 'dynamicconfig.yaml');
  copyFileSync(path.join(projectRoot, 'deploy', 'dynamicconfig', 'rebound.yaml'), dynamicConfigFile);
  const configFile = path.join(dir, 'config.yaml');
  writeFileSync(
    configFile,
    serverConfigYaml({ pg: env.pg, database, visibilityDatabase, ports, dynamicConfigFile, tls }),
  );

  const logFile = path.join(dir, 'server.log');
  const logFd = openSync(logFile, 'a');
  const child = spawn(env.build.serverBin, ['--config-file', configFile, '--allow-no-auth', 'start'], {
    cwd: dir,
    stdio: ['ignore', logFd, logFd],
  });
  closeSync(logFd);
  if (child.pid) runningServerPids.add(child.pid);
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
    if (child.pid) runningServerPids.delete(child.pid);
  });
  child.on('error', (err) => (exited = `failed to start: ${err.message}`));

  const info: ClusterInfo = {
    address: `127.0.0.1:${ports.frontend}`,
    namespace: NAMESPACE,
    tls: tls && { caFile: tls.caFile, certFile: tls.clientCertFile, keyFile: tls.clientKeyFile, serverName: tls.serverName },
  };
  const cluster: Cluster = { info, stop: () => stopProcess(child) };
  try {
    await initCluster(env, info, () => exited);
  } catch (err) {
    await cluster.stop();
    throw new Error(`${name} cluster: ${(err as Error).message}\nlast lines of ${logFile}:\n${tail(logFile)}`);
  }
  env.log(`${name} cluster: serving on ${info.address} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return cluster;
}

/** Creates one database and brings it to the newest schema, with the server's own SQL tool. */
async function setupDatabase(env: ClusterEnv, database: string, schema: 'temporal' | 'visibility'): Promise<void> {
  const { pg, build } = env;
  const base = ['--plugin', 'postgres12', '--ep', pg.host, '-p', String(pg.port), '-u', pg.user, '--pw', pg.password, '--db', database];
  await run(build.sqlToolBin, [...base, 'create-database']);
  await run(build.sqlToolBin, [...base, 'setup-schema', '-v', '0.0']);
  await run(build.sqlToolBin, [...base, 'update-schema', '-d', path.join(build.schemaDir, schema, 'versioned')]);
}

/** Waits for the frontend, then creates the namespace and registers the search attributes. */
async function initCluster(env: ClusterEnv, info: ClusterInfo, exited: () => string | undefined): Promise<void> {
  let lastOutput = '';
  const cli = async (args: string[]) => {
    const r = await temporalCli(env.cliPath, info, args);
    lastOutput = `temporal ${args.join(' ')} exited ${r.code}: ${(r.stderr || r.stdout).trim().slice(-500)}`;
    return r;
  };
  // Each step retries: the server is up before every service has joined the ring, and a new
  // namespace reaches the frontend's namespace cache only after its next refresh.
  const step = async (what: string, attempt: () => Promise<boolean>, timeoutMs = 120_000) => {
    try {
      await waitFor(
        what,
        async () => {
          const why = exited();
          if (why) throw new Error(`server ${why}`);
          return (await attempt()) ? true : undefined;
        },
        timeoutMs,
        1_000,
      );
    } catch (err) {
      throw new Error(`${(err as Error).message}\n${lastOutput}`);
    }
  };

  await step('the frontend to serve', async () => (await cli(['operator', 'cluster', 'health'])).stdout.includes('SERVING'));
  await step('the namespace to be created', async () => {
    const r = await cli(['operator', 'namespace', 'create', '--retention', RETENTION]);
    return r.code === 0 || /already (exists|registered)/i.test(r.stderr);
  });
  // One attribute per call: the CLI takes several --name but one --type, and (1.9.1) adds only
  // the first name. Same as docker-compose's registration step.
  for (const [name, type] of Object.entries(SEARCH_ATTRIBUTES)) {
    await step(`search attribute ${name}`, async () => {
      const r = await cli(['operator', 'search-attribute', 'create', '--name', name, '--type', type]);
      if (/different type/i.test(r.stderr)) throw new Error(r.stderr);
      return r.code === 0 || /already exists/i.test(r.stderr);
    });
  }
  // Registered is not yet usable: wait until a visibility query on them is accepted.
  await step('search attributes to be queryable', async () => {
    const r = await cli(['workflow', 'list', '--query', 'JobStatus="DeadLettered" AND JobType="x" AND JobAttempts > 0']);
    return r.code === 0;
  });
}

async function stopProcess(child: ChildProcess): Promise<void> {
  // No pid: it never started, and no 'exit' would ever come.
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const done = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  await done;
  clearTimeout(timer);
}

function tail(file: string, lines = 30): string {
  try {
    return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}
