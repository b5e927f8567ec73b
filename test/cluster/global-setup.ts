/**
 * Global setup of the cluster suite (vitest.cluster.config.ts): one PostgreSQL, and on it two
 * self-hosted Temporal servers built from the server's Go module: one plain, one whose frontend
 * requires mutual TLS. Both are provided to the tests (see ProvidedContext below); teardown stops
 * everything and removes the temp folder.
 *
 * First run on a machine: installs PostgreSQL (apt) if missing and builds the server (minutes,
 * cached in .rebound/cluster/). Later runs start in seconds.
 * REBOUND_CLUSTER_KEEP=1 keeps the temp folder (server logs, configs, certs) for a look after.
 */
import { mkdtempSync, rmSync, chmodSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { runningServerPids, startCluster, type Cluster, type ClusterEnv, type ClusterInfo } from './cluster';
import { startPostgres, type Postgres } from './postgres';
import { ensureTemporalBuild } from './temporal-build';
import { ensureTemporalCli } from './temporal-cli';

const log = (msg: string) => console.log(`[cluster] ${msg}`);

let tempDir: string | undefined;
let pg: Postgres | undefined;
const clusters: Cluster[] = [];

export async function setup(project: TestProject): Promise<void> {
  const started = Date.now();
  tempDir = mkdtempSync(path.join(os.tmpdir(), 'rebound-cluster-'));
  // mkdtemp makes it 0700; the postgres user must be able to pass through to its data folder.
  chmodSync(tempDir, 0o711);
  // Prepended: vitest's own listeners call process.exit(), after which no later listener runs.
  process.prependOnceListener('exit', killLeftovers);
  for (const signal of SIGNALS) process.prependOnceListener(signal, onSignal);

  try {
    // The build is the slow part (first run only); PostgreSQL and the CLI come up meanwhile.
    // allSettled, not all: on a failure we still wait for the others (a running `go install`,
    // a starting PostgreSQL) so that teardown finds everything there is to stop.
    const [build, cli, postgres] = await Promise.allSettled([
      ensureTemporalBuild(log),
      ensureTemporalCli(log),
      startPostgres(tempDir, log),
    ]);
    if (postgres.status === 'fulfilled') pg = postgres.value;
    if (build.status === 'rejected') throw build.reason;
    if (cli.status === 'rejected') throw cli.reason;
    if (postgres.status === 'rejected') throw postgres.reason;
    const cliPath = cli.value;
    const env: ClusterEnv = { tempDir, pg: postgres.value, build: build.value, cliPath, log };
    const results = await Promise.allSettled([startCluster(env, { tls: false }), startCluster(env, { tls: true })]);
    for (const r of results) if (r.status === 'fulfilled') clusters.push(r.value);
    const failed = results.find((r) => r.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;

    project.provide('cluster', clusters[0].info);
    project.provide('clusterTls', clusters[1].info);
    project.provide('temporalCliPath', cliPath);
    log(`ready in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } catch (err) {
    await teardown();
    throw err;
  }
}

export async function teardown(): Promise<void> {
  await Promise.allSettled(clusters.splice(0).map((c) => c.stop()));
  await pg?.stop().catch((err) => log(`postgresql did not stop cleanly: ${String(err)}`));
  pg = undefined;
  removeTempDir();
  process.removeListener('exit', killLeftovers);
  for (const signal of SIGNALS) process.removeListener(signal, onSignal);
}

/**
 * Ctrl-C or a CI stop must not leave PostgreSQL running: pg_ctl starts it in its own session, out
 * of reach of the terminal's signal, and vitest's own handler exits at once (hence prepended).
 */
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const;
function onSignal(signal: NodeJS.Signals): void {
  killLeftovers();
  process.removeListener('exit', killLeftovers);
  // Die of the signal as we would have without us, unless someone else (vitest) handles it.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function removeTempDir(): void {
  if (!tempDir) return;
  if (process.env.REBOUND_CLUSTER_KEEP === '1') log(`kept ${tempDir}`);
  else rmSync(tempDir, { recursive: true, force: true });
  tempDir = undefined;
}

/** Last resort when the run dies before teardown: nothing we started may outlive it. */
function killLeftovers(): void {
  for (const pid of runningServerPids) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      // already gone
    }
  }
  pg?.stopSync();
  removeTempDir();
}

declare module 'vitest' {
  export interface ProvidedContext {
    /** The plain (no TLS) cluster. */
    cluster: ClusterInfo;
    /** The cluster whose frontend requires a client certificate (files in `tls`). */
    clusterTls: ClusterInfo;
    /** The `temporal` CLI binary the setup used. */
    temporalCliPath: string;
  }
}
