/**
 * The Temporal server SIGKILLed while jobs run, and started again on the same SQLite file: the
 * worker process and the client reconnect, every job ends as it should, none lost, each dead job
 * counted once. Runs its own `temporal server start-dev`, so that it can kill it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { TypedSearchAttributes } from '@temporalio/common';
import { afterAll, describe, it } from 'vitest';
import { createJobClient } from '../../src/client';
import { loadConfig } from '../../src/config';
import { searchAttributes } from '../../src/contract';
import { findTemporalBinary, freePort } from '../../src/dev';
import { expectAllAccounted, fullSize, reportFigures, settledCount, startWorkerProcess, stopProcess, submitMixed, untilSettled, type Expected, type FaultEnv } from '../fixtures/fault-harness';
import { requireBuiltCli, type Started } from '../fixtures/rebound-cli';
import { eventually, unique } from '../helpers';

const size = fullSize ? { jobs: 120, restarts: 3 } : { jobs: 24, restarts: 1 };
const timeout = fullSize ? 1_800_000 : 600_000;

/** `temporal server start-dev` on `port` with `dbFile`; resolves once it answers. */
async function startServer(port: number, dbFile: string): Promise<ChildProcess> {
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless', '--db-filename', dbFile, '--log-level', 'error'];
  for (const key of Object.values(searchAttributes)) args.push('--search-attribute', `${key.name}=${TypedSearchAttributes.toMetadataType(key.type)}`);
  args.push('--dynamic-config-value', 'system.forceSearchAttributesCacheRefreshOnRead=true');
  const server = spawn(findTemporalBinary().path, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  server.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  await eventually(
    async () => {
      if (server.exitCode !== null) throw new Error(`the server exited:\n${stderr}`);
      const connection = await Connection.connect({ address: `127.0.0.1:${port}`, connectTimeout: '1s' });
      await connection.close();
      return true;
    },
    'the server to answer',
    120_000,
  );
  return server;
}

async function kill(server: ChildProcess): Promise<void> {
  if (server.exitCode !== null || server.signalCode !== null) return;
  const exited = new Promise((resolve) => server.once('exit', resolve));
  server.kill('SIGKILL');
  await exited;
}

describe('the fault suite: the server killed and restarted', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rebound-server-kill-'));
  const cleanup: (() => Promise<unknown>)[] = [];
  afterAll(async () => {
    for (const step of cleanup.reverse()) await step().catch(() => undefined);
    rmSync(dir, { recursive: true, force: true });
  });

  it(`SIGKILLed ${size.restarts} time(s) during ${size.jobs} mixed jobs and started on the same SQLite file, it loses none`, async () => {
    requireBuiltCli();
    const port = await freePort();
    const dbFile = path.join(dir, 'temporal.sqlite');
    let server = await startServer(port, dbFile);
    cleanup.push(() => kill(server));
    const config = loadConfig({ address: `127.0.0.1:${port}`, taskQueue: unique('tq-restart') }, {});
    const client = new Client({ connection: await Connection.connect({ address: config.address }) });
    cleanup.push(() => client.connection.close());
    const env: FaultEnv = { client, config, jobs: (defs) => createJobClient({ client, jobs: defs, taskQueue: config.taskQueue }) };
    const worker: Started = await startWorkerProcess(config.address, config.taskQueue);
    cleanup.push(() => stopProcess(worker));

    const expected: Expected = new Map();
    const started = Date.now();
    const perWave = Math.ceil(size.jobs / (size.restarts + 1));
    for (let wave = 0; wave <= size.restarts; wave++) {
      const before = await settledCount(client, config.taskQueue);
      const n = Math.min(perWave, size.jobs - expected.size);
      await submitMixed(env, n, expected);
      if (wave === size.restarts) break;
      await eventually(async () => (await settledCount(client, config.taskQueue)) >= before + Math.ceil(n / 3), 'a third of the wave to settle', 180_000);
      await kill(server);
      server = await startServer(port, dbFile);
    }
    await untilSettled(client, config.taskQueue, size.jobs, timeout);
    await expectAllAccounted(env, expected);
    await reportFigures(env, 'server killed and restarted', expected, { restarts: size.restarts, ms: Date.now() - started });
  }, timeout);
});
