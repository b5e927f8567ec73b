/**
 * A throw-away PostgreSQL for the cluster suite: Debian's server binaries (installed with apt-get
 * when missing), a fresh data folder in the suite's temp folder, a free loopback port, and trust
 * authentication on loopback only. Stopped with `pg_ctl stop` at teardown.
 */
import { spawnSync } from 'node:child_process';
import { chownSync, existsSync, readdirSync, appendFileSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { freePort } from './ports';
import { run } from './run';

export interface Postgres {
  host: string;
  port: number;
  user: string;
  password: string;
  stop(): Promise<void>;
  /** The same, synchronously: for a process 'exit' handler, when teardown never ran. */
  stopSync(): void;
}

/** The superuser initdb creates; the same name and password docker-compose uses. */
const USER = 'temporal';
const PASSWORD = 'temporal';

/** The newest `/usr/lib/postgresql/<major>/bin` that has initdb and pg_ctl, if any. */
function findPgBin(): string | undefined {
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
  for (const major of majors) {
    const bin = path.join(root, major, 'bin');
    if (existsSync(path.join(bin, 'initdb')) && existsSync(path.join(bin, 'pg_ctl'))) return bin;
  }
  return undefined;
}

async function ensurePgBin(log: (msg: string) => void): Promise<string> {
  const found = findPgBin();
  if (found) return found;
  log('postgresql: not installed, installing it with apt-get...');
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  await run('apt-get', ['update'], { env });
  await run('apt-get', ['install', '-y', 'postgresql'], { env });
  // Where no policy-rc.d forbids it, the package starts its own "main" cluster on 5432. We did not
  // ask for it and must not leave it running: stop whatever the install just started.
  await run('sh', ['-c', 'command -v pg_lsclusters >/dev/null && pg_lsclusters --no-header | while read v c p s rest; do [ "$s" = online ] && pg_ctlcluster "$v" "$c" stop; done; true']);
  const bin = findPgBin();
  if (!bin) throw new Error('apt-get installed postgresql but no /usr/lib/postgresql/*/bin/initdb was found');
  return bin;
}

/**
 * PostgreSQL refuses to run as root. As root we run its tools as the `postgres` system user that
 * the Debian package creates (and hand it the data folder); as anyone else, as ourselves.
 */
function asPgUser(cmd: string, args: string[]): [string, string[]] {
  return process.getuid?.() === 0 ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}

export async function startPostgres(tempDir: string, log: (msg: string) => void): Promise<Postgres> {
  const bin = await ensurePgBin(log);
  const dataDir = path.join(tempDir, 'pg');
  mkdirSync(dataDir, { mode: 0o700 });
  if (process.getuid?.() === 0) chownSync(dataDir, ...(await postgresIds()));

  await run(...asPgUser(path.join(bin, 'initdb'), ['-D', dataDir, '-U', USER, '--auth=trust', '-E', 'UTF8', '--locale=C']));

  const port = await freePort();
  // Two Temporal servers, four services each, each opening its own pools: well over the default
  // 100 connections. Durability does not matter for a test database, speed does.
  appendFileSync(
    path.join(dataDir, 'postgresql.conf'),
    [
      '',
      '# rebound cluster suite',
      `port = ${port}`,
      `listen_addresses = '127.0.0.1'`,
      `unix_socket_directories = '${dataDir}'`,
      'max_connections = 400',
      'shared_buffers = 128MB',
      'fsync = off',
      'synchronous_commit = off',
      'full_page_writes = off',
      '',
    ].join('\n'),
  );

  const pgCtl = path.join(bin, 'pg_ctl');
  await run(...asPgUser(pgCtl, ['-D', dataDir, '-l', path.join(dataDir, 'server.log'), '-w', '-t', '60', 'start']));
  log(`postgresql: ${path.basename(path.dirname(bin))} on 127.0.0.1:${port}`);

  return {
    host: '127.0.0.1',
    port,
    user: USER,
    password: PASSWORD,
    stop: async () => {
      await run(...asPgUser(pgCtl, ['-D', dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']));
    },
    stopSync: () => {
      spawnSync(...asPgUser(pgCtl, ['-D', dataDir, '-m', 'immediate', '-w', '-t', '20', 'stop']), { stdio: 'ignore' });
    },
  };
}

async function postgresIds(): Promise<[number, number]> {
  const uid = Number((await run('id', ['-u', 'postgres'])).trim());
  const gid = Number((await run('id', ['-g', 'postgres'])).trim());
  return [uid, gid];
}
