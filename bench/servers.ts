/**
 * The servers the benchmark runs against, each started by the harness on loopback and stopped at
 * the end: Temporal's dev server on a fresh SQLite file (through rebound/dev), and Redis
 * (Debian's `redis-server`, installed when missing) in a temporary folder.
 */
import { execFileSync, spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, openSync, closeSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { connectClient, loadConfig } from '../src';
import { findTemporalBinary, freePort, installTemporalCli, startDevServer, type DevServer } from '../src/dev';
import { findPid, tail } from './processes';

/** The `temporal` binary: found as `rebound dev` finds it, else installed the way it installs it. */
export function temporalBinary(): string {
  try {
    return findTemporalBinary().path;
  } catch {
    process.stderr.write('bench: no temporal CLI found; installing it with pip into .rebound/temporal-cli\n');
    return installTemporalCli().path;
  }
}

/** A running Temporal dev server with a client on it. */
export interface TemporalServer {
  server: DevServer;
  client: Client;
  dbFile: string;
  /** pid of the server process, to read its CPU time. */
  pid: number | undefined;
  stop(): Promise<void>;
}

/** How the dev server keeps its data: rebound dev's SQLite settings unless told otherwise. */
export interface StorageSettings {
  /** `--sqlite-pragma` values; `[]` for the server's own defaults. @defaultValue rebound dev's */
  sqlitePragmas?: readonly string[];
  /** No file at all: the server keeps everything in memory. */
  inMemory?: boolean;
}

/** Starts a dev server on a fresh SQLite file in `dir` (or in memory). */
export async function startTemporal(binary: string, dir: string, dynamicConfig: Record<string, unknown>, storage: StorageSettings = {}): Promise<TemporalServer> {
  mkdirSync(dir, { recursive: true });
  const dbFile = storage.inMemory ? '' : path.join(dir, 'temporal.sqlite');
  const server = await startDevServer({
    binary,
    uiPort: false,
    ...(dbFile ? { dbFile } : {}),
    ...(storage.sqlitePragmas ? { sqlitePragmas: storage.sqlitePragmas } : {}),
    dynamicConfig,
    logLevel: 'error',
  });
  const port = server.address.split(':').pop()!;
  const pid = findPid(['start-dev', '--port', port]) ?? findPid(['start-dev', `--port=${port}`]);
  const client = await connectClient(loadConfig({ address: server.address, namespace: server.namespace }, {}));
  return {
    server,
    client,
    dbFile,
    pid,
    async stop() {
      await client.connection.close().catch(() => undefined);
      await server.stop();
    },
  };
}

/** `redis-server` on the PATH, installed from Debian's packages when missing; undefined when it cannot be had. */
export function redisServerBinary(): string | undefined {
  const which = () => spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' }).stdout.trim() || undefined;
  const found = which();
  if (found) return found;
  process.stderr.write('bench: redis-server not found; installing it: apt-get update && apt-get install -y redis-server\n');
  try {
    execFileSync('sh', ['-c', 'apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server'], { stdio: 'inherit', timeout: 600_000 });
  } catch (err) {
    process.stderr.write(`bench: could not install redis-server: ${String(err)}\n`);
    return undefined;
  }
  return which();
}

/** A running Redis. */
export interface RedisServer {
  port: number;
  pid: number | undefined;
  /** What it was started with beyond port, bind and folder. */
  args: string[];
  stop(): Promise<void>;
}

function ping(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host: '127.0.0.1', port });
    socket.setTimeout(1_000);
    socket.once('connect', () => socket.write('PING\r\n'));
    socket.once('data', (data) => {
      socket.destroy();
      resolve(data.toString().startsWith('+PONG'));
    });
    socket.once('error', () => resolve(false));
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
  });
}

/** Starts `redis-server` on a free loopback port with its files in `dir`, with `args` beyond Redis's defaults. */
export async function startRedis(binary: string, dir: string, args: string[]): Promise<RedisServer> {
  mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const log = path.join(dir, 'redis.log');
  const fd = openSync(log, 'a');
  const child: ChildProcess = spawn(binary, ['--port', String(port), '--bind', '127.0.0.1', '--dir', dir, '--daemonize', 'no', ...args], {
    stdio: ['ignore', fd, fd],
  });
  closeSync(fd);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  for (let i = 0; i < 100 && !(await ping(port)); i++) {
    if (child.exitCode !== null) throw new Error(`redis-server exited at start:\n${tail(log)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!(await ping(port))) {
    child.kill('SIGKILL');
    throw new Error(`redis-server did not answer on port ${port}:\n${tail(log)}`);
  }
  return {
    port,
    pid: child.pid,
    args,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 10_000))]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}
