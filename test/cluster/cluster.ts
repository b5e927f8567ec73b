/**
 * A real self-hosted Temporal cluster for tests: the server built from its Go module, on a
 * PostgreSQL of our own (persistence and SQL visibility), with rebound's namespace and search
 * attributes, optionally with mutual TLS on the frontend. Several clusters can share one
 * PostgreSQL: each gets its own pair of databases.
 *
 * It runs what docker-compose.yml runs (see server-config.ts): deploy/temporal/setup-schema.sh,
 * the server on deploy/temporal/config.yaml and deploy/dynamicconfig/rebound.yaml, then
 * deploy/temporal/register-search-attributes.sh.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { Postgres } from './postgres';
import { freePort } from './ports';
import { run } from './run';
import { REGISTER_SEARCH_ATTRIBUTES_SCRIPT, SETUP_SCHEMA_SCRIPT, serverEnv, setupSchemaEnv, type ServerPorts } from './server-config';
import type { TemporalBuild } from './temporal-build';
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
  JobTags: 'KeywordList',
};

const NAMESPACE = 'default';

export async function startCluster(env: ClusterEnv, opts: { tls: boolean }): Promise<Cluster> {
  const name = opts.tls ? 'tls' : 'plain';
  const dir = path.join(env.tempDir, name);
  mkdirSync(dir, { recursive: true });
  const started = Date.now();

  const databases = { pg: env.pg, database: `temporal_${name}`, visibilityDatabase: `temporal_${name}_visibility` };
  await run('sh', [SETUP_SCHEMA_SCRIPT], { env: setupSchemaEnv(databases, env.build) });

  const tls = opts.tls ? await makeTlsFiles(path.join(dir, 'certs'), env.log) : undefined;
  const ports: ServerPorts = {
    frontend: await freePort(),
    frontendHttp: await freePort(),
    frontendMembership: await freePort(),
    history: await freePort(),
    historyMembership: await freePort(),
    matching: await freePort(),
    matchingMembership: await freePort(),
    worker: await freePort(),
    workerMembership: await freePort(),
  };

  const logFile = path.join(dir, 'server.log');
  const logFd = openSync(logFile, 'a');
  // `start` and the environment only, as the temporalio/server image starts it.
  const child = spawn(env.build.serverBin, ['start'], {
    cwd: dir,
    env: serverEnv({ ...databases, ports, tls }),
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
    await registerSearchAttributes(env, info, () => exited);
  } catch (err) {
    await cluster.stop();
    throw new Error(`${name} cluster: ${(err as Error).message}\nlast lines of ${logFile}:\n${tail(logFile)}`);
  }
  env.log(`${name} cluster: serving on ${info.address} after ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return cluster;
}

/**
 * Runs docker-compose's registration step against the cluster: it waits for the frontend, creates
 * the namespace and registers the search attributes. Given up at once when the server exits.
 */
async function registerSearchAttributes(env: ClusterEnv, info: ClusterInfo, exited: () => string | undefined): Promise<void> {
  const stop = new AbortController();
  const watch = setInterval(() => {
    const why = exited();
    if (why) stop.abort(new Error(`server ${why}`));
  }, 500);
  try {
    await run('sh', [REGISTER_SEARCH_ATTRIBUTES_SCRIPT], {
      env: { ...cliEnv(env.cliPath, info), SETUP_PAUSE_SECONDS: '0.5', SETUP_TRIES: '240' },
      signal: stop.signal,
    });
  } catch (err) {
    throw stop.signal.aborted ? (stop.signal.reason as Error) : err;
  } finally {
    clearInterval(watch);
  }
}

/**
 * The environment that points the official CLI (and anything else that reads Temporal's
 * environment configuration) at one cluster, with the client certificate of a TLS one; no
 * TEMPORAL_* variable or profile file of the developer's may point it elsewhere.
 */
export function cliEnv(cliPath: string, info: ClusterInfo): NodeJS.ProcessEnv {
  const base = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEMPORAL_')));
  return {
    ...base,
    PATH: `${path.dirname(cliPath)}${path.delimiter}${process.env.PATH ?? ''}`,
    TEMPORAL_CONFIG_FILE: '/dev/null',
    TEMPORAL_ADDRESS: info.address,
    TEMPORAL_NAMESPACE: info.namespace,
    ...(info.tls && {
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: info.tls.caFile,
      TEMPORAL_TLS_SERVER_NAME: info.tls.serverName,
      TEMPORAL_TLS_CLIENT_CERT_PATH: info.tls.certFile,
      TEMPORAL_TLS_CLIENT_KEY_PATH: info.tls.keyFile,
    }),
  };
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
