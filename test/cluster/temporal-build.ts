/**
 * Builds the self-hosted Temporal server and its SQL schema tool from the server's Go module,
 * once, into `.rebound/cluster/temporal-<version>/` of the project. There is no Docker here, and
 * the `temporal` CLI's dev server is SQLite-only, so the PostgreSQL path needs the real server.
 *
 * The schemas ship inside the same module; they are copied next to the binaries so that a later
 * run does not depend on the Go module cache still holding them.
 */
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { run } from './run';

/** The server version docker-compose is meant to run. */
export const TEMPORAL_VERSION = '1.32.2';
/** The machine's Go (1.26) is too old for this module; GOTOOLCHAIN fetches this one from the proxy. */
const GO_TOOLCHAIN = 'go1.27.3';
const MODULE = 'go.temporal.io/server';

export interface TemporalBuild {
  serverBin: string;
  sqlToolBin: string;
  /** `schema/postgresql/v12` of the server module: `temporal/` and `visibility/` below it. */
  schemaDir: string;
}

export const projectRoot = path.resolve(__dirname, '..', '..');

/** Returns the cached build, building it first when missing. `log` reports progress. */
export async function ensureTemporalBuild(log: (msg: string) => void): Promise<TemporalBuild> {
  const dir = path.join(projectRoot, '.rebound', 'cluster', `temporal-${TEMPORAL_VERSION}`);
  const build: TemporalBuild = {
    serverBin: path.join(dir, 'bin', 'server'),
    sqlToolBin: path.join(dir, 'bin', 'sql'),
    schemaDir: path.join(dir, 'schema', 'postgresql', 'v12'),
  };
  // Written last: a build interrupted half-way (binaries without schemas) is redone.
  const stamp = path.join(dir, 'complete');
  if (existsSync(stamp) && existsSync(build.serverBin) && existsSync(build.sqlToolBin)) {
    log(`temporal server ${TEMPORAL_VERSION}: cached in ${path.relative(projectRoot, dir)}`);
    return build;
  }

  mkdirSync(dir, { recursive: true });
  const env = { ...process.env, GOTOOLCHAIN: GO_TOOLCHAIN, GOBIN: path.join(dir, 'bin'), GOFLAGS: '-buildvcs=false' };
  log(`temporal server ${TEMPORAL_VERSION}: building with ${GO_TOOLCHAIN} (takes minutes on 2 cores)...`);
  const started = Date.now();
  // One `go install` for both commands: they share one module version and most of the compile.
  await run(
    'go',
    ['install', `${MODULE}/cmd/server@v${TEMPORAL_VERSION}`, `${MODULE}/cmd/tools/sql@v${TEMPORAL_VERSION}`],
    { env },
  );
  const modCache = (await run('go', ['env', 'GOMODCACHE'], { env })).trim();
  cpSync(path.join(modCache, `${MODULE}@v${TEMPORAL_VERSION}`, 'schema', 'postgresql', 'v12'), build.schemaDir, {
    recursive: true,
  });
  writeFileSync(stamp, new Date().toISOString() + '\n');
  log(`temporal server ${TEMPORAL_VERSION}: built in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  return build;
}
