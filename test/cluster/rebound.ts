/**
 * rebound on a cluster, as a team runs it: a job module of its own (written by the test, see
 * job-module.ts), `rebound worker` processes of the built CLI, the `rebound` CLI for operators,
 * and the built library (resolved from the job module, as the team's application resolves it)
 * for application code. The connection always comes from what the test gives, never from the
 * test runner's environment or profile file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { ClusterInfo } from './cluster';
import { waitFor } from './run';
import { projectRoot } from './temporal-build';

type Library = typeof import('../../src/index');
type Client = Awaited<ReturnType<Library['connectClient']>>;
type JobClient = ReturnType<Library['createJobClient']>;
type JobDefinition = import('../../src/index').JobDefinition;

const bin = path.join(projectRoot, 'bin', 'rebound.js');

/** Throws unless the CLI and library were built: the suite runs what users run, `dist/`. */
export function requireBuilt(): void {
  if (!existsSync(path.join(projectRoot, 'dist', 'src', 'cli', 'index.js'))) throw new Error('rebound is not built: run `npm run build` first');
}

/**
 * The environment of a rebound process: the runner's, without any TEMPORAL_* or REBOUND_*
 * setting and with no profile file, plus `extra`.
 */
export function processEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEMPORAL_') && !k.startsWith('REBOUND_')));
  return { ...env, LOG_LEVEL: 'error', TEMPORAL_CONFIG_FILE: '/dev/null', ...extra };
}

/** The environment configuration (Temporal's variable names) that reaches `cluster`, TLS included. */
export function connectionEnv(cluster: ClusterInfo): NodeJS.ProcessEnv {
  return {
    TEMPORAL_ADDRESS: cluster.address,
    TEMPORAL_NAMESPACE: cluster.namespace,
    ...(cluster.tls && {
      TEMPORAL_TLS_CLIENT_CERT_PATH: cluster.tls.certFile,
      TEMPORAL_TLS_CLIENT_KEY_PATH: cluster.tls.keyFile,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: cluster.tls.caFile,
      TEMPORAL_TLS_SERVER_NAME: cluster.tls.serverName,
    }),
  };
}

/** How a run ended, and what it printed. */
export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** A running `rebound`: its output so far, and `exited` when it ends. */
export type Started = ChildProcess & { output(): Run; exited: Promise<Run> };

/** Starts `node bin/rebound.js ...args` in the environment `env` (see {@link processEnv}). */
export function startRebound(args: string[], env: NodeJS.ProcessEnv): Started {
  const child = spawn(process.execPath, [bin, ...args], { cwd: projectRoot, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const output = () => ({ code: child.exitCode, stdout, stderr });
  const exited = new Promise<Run>((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
  return Object.assign(child, { output, exited });
}

/** The one JSON document a `--json` run printed. */
export function json(run: Run): any {
  try {
    return JSON.parse(run.stdout);
  } catch {
    throw new Error(`expected one JSON document on stdout, got:\n${run.stdout}\nstderr:\n${run.stderr}`);
  }
}

export const alive = (child: ChildProcess): boolean => child.exitCode === null && child.signalCode === null;

/** Kills `child` with `signal` (SIGKILL unless told) and waits until it is gone. */
export async function stopProcess(child: Started, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (alive(child)) child.kill(signal);
  await child.exited;
}

/**
 * One team's rebound on one cluster: its job module, its task queue, its workers. `flags` are
 * the connection flags every command gets (`--address`, `--task-queue`); `env` is the
 * environment configuration (TLS for a TLS cluster). Close it to stop every worker it started.
 */
export class Team {
  readonly workers: Started[] = [];
  readonly library: Library;

  constructor(
    readonly cluster: ClusterInfo,
    readonly jobModule: string,
    readonly taskQueue: string,
    /** The environment every process gets. @defaultValue the cluster's TLS settings only; the address goes as `--address` */
    readonly env: NodeJS.ProcessEnv = processEnv(tlsOnly(connectionEnv(cluster))),
    /** Connection flags given to every command. @defaultValue `--address <cluster> --task-queue <taskQueue>` */
    readonly flags: string[] = ['--address', cluster.address, '--task-queue', taskQueue],
  ) {
    // The copy of rebound the job module itself resolves, as the team's application would.
    this.library = createRequire(jobModule)('rebound') as Library;
  }

  /** Runs `rebound ...args --jobs <module> <flags>` to its end. */
  cli(...args: string[]): Promise<Run> {
    return startRebound([...args, '--jobs', this.jobModule, ...this.flags], this.env).exited;
  }

  /** Starts `rebound worker --jobs <module>`; resolves once it runs (it logs so on stderr). */
  async startWorker(): Promise<Started> {
    const child = startRebound(['worker', '--jobs', this.jobModule, ...this.flags], { ...this.env, LOG_LEVEL: 'info' });
    this.workers.push(child);
    await waitFor(
      'the worker process to run',
      async () => {
        if (!alive(child)) throw new Error(`the worker exited before it ran:\n${child.output().stderr.slice(-4_000)}`);
        return child.output().stderr.includes('worker running') ? true : undefined;
      },
      180_000,
      100,
    ).catch(async (err: unknown) => {
      await stopProcess(child);
      throw err;
    });
    return child;
  }

  /** The worker process whose identity (`pid@host`, the SDK's default) is `identity`, if it is one of ours. */
  workerByIdentity(identity: string | undefined): Started | undefined {
    const pid = Number(identity?.split('@')[0]);
    return this.workers.find((w) => w.pid === pid && alive(w));
  }

  /** A connected client of the built library, with the same connection as the processes; close its `connection`. */
  async client(): Promise<Client> {
    const address = this.flags.includes('--address') ? this.cluster.address : undefined;
    const config = this.library.loadConfig({ address, taskQueue: this.taskQueue }, this.env);
    return this.library.connectClient(config);
  }

  /** The application's job client on `client`: the module's job types, submitted to the team's task queue. */
  jobs(client: Client): JobClient {
    const definitions = Object.values(createRequire(this.jobModule)(this.jobModule) as Record<string, JobDefinition>);
    return this.library.createJobClient({ client, jobs: definitions, taskQueue: this.taskQueue });
  }

  /** Stops every worker: SIGTERM, as a process manager would. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => stopProcess(w, 'SIGTERM')));
  }
}

/** Only the TLS part of an environment configuration: for processes given the address as a flag. */
export function tlsOnly(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => k.startsWith('TEMPORAL_TLS_')));
}
