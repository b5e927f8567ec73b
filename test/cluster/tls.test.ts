/**
 * rebound on the cluster whose frontend requires mutual TLS, its TLS settings given the way
 * Temporal's environment configuration names them: the TEMPORAL_TLS_* variables (with the address
 * as --address, or as TEMPORAL_ADDRESS too), or a profile of the TOML file the official CLI
 * reads too (TEMPORAL_CONFIG_FILE, TEMPORAL_PROFILE) and no connection flag at all. Without the
 * client certificate the CLI fails, naming the address.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { ClusterInfo } from './cluster';
import { jobTypes, writeJobModule } from './job-module';
import { connectionEnv, json, processEnv, requireBuilt, startRebound, Team } from './rebound';
import { runCapture } from './run';

const cluster = inject('clusterTls');
const cliPath = inject('temporalCliPath');
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

/** A Temporal client config file (TOML) with one profile that reaches `cluster` with its client certificate. */
function profileFile(dir: string, profile: string, c: ClusterInfo): string {
  const tls = c.tls!;
  const file = path.join(dir, 'temporal.toml');
  writeFileSync(
    file,
    [
      `[profile.${profile}]`,
      `address = ${JSON.stringify(c.address)}`,
      `namespace = ${JSON.stringify(c.namespace)}`,
      '',
      `[profile.${profile}.tls]`,
      `client_cert_path = ${JSON.stringify(tls.certFile)}`,
      `client_key_path = ${JSON.stringify(tls.keyFile)}`,
      `server_ca_cert_path = ${JSON.stringify(tls.caFile)}`,
      `server_name = ${JSON.stringify(tls.serverName)}`,
      '',
    ].join('\n'),
  );
  return file;
}

describe('rebound on the mutual-TLS cluster, its client certificate from environment configuration', () => {
  let jobModule: ReturnType<typeof writeJobModule>;
  let dir: string;
  const teams: Team[] = [];

  /** A team whose processes get `env` and no connection flag but `--task-queue`; one worker started. */
  const startTeam = async (env: NodeJS.ProcessEnv) => {
    const taskQueue = unique('tls');
    const team = new Team(cluster, jobModule.file, taskQueue, env, ['--task-queue', taskQueue]);
    teams.push(team);
    await team.startWorker();
    return team;
  };

  beforeAll(() => {
    requireBuilt();
    jobModule = writeJobModule();
    dir = mkdtempSync(path.join(os.tmpdir(), 'rebound-tls-profile-'));
  });
  afterAll(async () => {
    await Promise.all(teams.map((t) => t.close()));
    jobModule?.remove();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('TEMPORAL_TLS_* variables (the address as --address, then as TEMPORAL_ADDRESS): a job succeeds, one dead-letters and is retried', async () => {
    // The worker and these commands get --address; the client certificate comes from the variables.
    const taskQueue = unique('tls');
    const team = new Team(cluster, jobModule.file, taskQueue);
    teams.push(team);
    await team.startWorker();

    const ok = await team.cli('submit', jobTypes.succeed, '--wait', '--json');
    expect(ok.code, ok.stderr).toBe(0);
    expect(json(ok)).toMatchObject({ status: 'Succeeded', attempts: 1 });

    const dead = await team.cli('submit', jobTypes.refuse, '--payload', '{"untilRetried":true}', '--wait', '--json');
    expect(dead.code, dead.stderr).toBe(0);
    const { jobId } = json(dead);
    expect(json(dead)).toMatchObject({ status: 'DeadLettered', error: { type: 'Refused' } });

    // Everything from the variables, TEMPORAL_ADDRESS included: no connection flag at all.
    const fromEnv = (...args: string[]) => startRebound([...args, '--task-queue', taskQueue], processEnv(connectionEnv(cluster))).exited;
    const retried = await fromEnv('dlq', 'retry', jobId, '--json');
    expect(retried.code, retried.stderr).toBe(0);
    // Submitting an id that exists starts nothing and waits for the job that has it.
    const settled = await fromEnv('submit', jobTypes.refuse, '--id', jobId, '--jobs', jobModule.file, '--wait', '--json');
    expect(json(settled)).toMatchObject({ created: false, status: 'Succeeded', result: { round: 2 } });
  });

  it('a profile of the config file the official CLI reads: the worker, rebound and temporal all use it', async () => {
    const file = profileFile(dir, 'rebound-tls', cluster);
    const env = processEnv({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'rebound-tls' });
    const team = await startTeam(env);

    const ok = await team.cli('submit', jobTypes.succeed, '--wait', '--json');
    expect(ok.code, ok.stderr).toBe(0);
    const { workflowId } = json(ok);
    expect(json(ok)).toMatchObject({ status: 'Succeeded' });

    // The official CLI, with the same file and profile and no flag of its own.
    const described = await runCapture(cliPath, ['workflow', 'describe', '--workflow-id', workflowId, '--output', 'json'], { env });
    expect(described.code, described.stderr).toBe(0);
    expect(JSON.parse(described.stdout).workflowExecutionInfo.execution.workflowId).toBe(workflowId);

    // A profile the file does not have is refused, named, rather than ignored for the defaults.
    const missing = await startRebound(['dlq', 'list'], { ...env, TEMPORAL_PROFILE: 'no-such-profile' }).exited;
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('profile "no-such-profile"');
  });

  it('without the client certificate, the CLI fails with a message naming the address', async () => {
    const { TEMPORAL_TLS_CLIENT_CERT_PATH: _cert, TEMPORAL_TLS_CLIENT_KEY_PATH: _key, ...noCert } = connectionEnv(cluster);
    const run = await startRebound(['dlq', 'list'], processEnv(noCert)).exited;
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`cannot reach the Temporal server at ${cluster.address}`);
  });
});
