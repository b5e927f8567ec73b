/**
 * What the benchmark ran on: the machine, the versions of everything measured, and the code's commit.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

/** The machine and versions of one run. */
export interface MachineInfo {
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  os: string;
  node: string;
  packages: Record<string, string>;
  temporalCli: string;
  redisServer: string;
  commit: string;
  /** Files changed since the commit (other work in progress is measured with it). */
  uncommitted: string[];
}

const root = process.env.BENCH_ROOT ?? path.join(__dirname, '..', '..');

function run(cmd: string, args: string[], trim = true): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', cwd: root, timeout: 30_000 });
  return r.status === 0 ? (trim ? r.stdout.trim() : r.stdout) : '';
}

function version(pkg: string): string {
  try {
    const file = pkg === 'rebound' ? path.join(root, 'package.json') : require.resolve(`${pkg}/package.json`, { paths: [root] });
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

/** Reads the machine and versions. */
export function machineInfo(temporalBinary: string | undefined, redisBinary: string | undefined): MachineInfo {
  const nproc = Number(run('nproc', [])) || os.cpus().length;
  return {
    cpus: nproc,
    cpuModel: os.cpus()[0]?.model ?? 'unknown',
    memoryGiB: Math.round((os.totalmem() / 2 ** 30) * 10) / 10,
    os: `${os.type()} ${os.release()}`,
    node: process.version,
    packages: Object.fromEntries(['rebound', '@temporalio/client', '@temporalio/worker', 'bullmq', 'ioredis'].map((p) => [p, version(p)])),
    temporalCli: temporalBinary ? run(temporalBinary, ['--version']) : 'not found',
    redisServer: redisBinary ? run(redisBinary, ['--version']) : 'not found',
    commit: run('git', ['rev-parse', '--short', 'HEAD']) || 'unknown',
    // Porcelain lines start with two status columns and a space: not to be trimmed away.
    uncommitted: run('git', ['status', '--porcelain', '--untracked-files=no'], false)
      .split('\n')
      .map((l) => l.slice(3))
      .filter(Boolean),
  };
}
