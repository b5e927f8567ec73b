/**
 * The built CLI, when what it asks cannot be answered: no worker polls the task queue
 * (`dlq groups`, `operation`; `stats` and `export` need none), a page token it never gave, an address that
 * answers HTTP/2 but is not Temporal. Each says so at once, naming what is wrong, with exit 1,
 * and writes nothing it should not.
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureAlerts } from '../../src/admin';
import { bulkOperationWorkflowType, bulkPartWorkflowId, pauseSignal, type BulkOperationInput } from '../../src/contract';
import { testEnv, unique, type TestEnv } from '../helpers';
import { rebound, requireBuiltCli } from '../fixtures/rebound-cli';

describe('rebound with no worker on the task queue', () => {
  let env: TestEnv;
  let dir: string;
  const cli = (...args: string[]) => rebound(...args, '--address', env.config.address, '--task-queue', env.config.taskQueue);
  const noWorker = () => `no worker polls task queue "${env.config.taskQueue}" (the server lists none)`;

  beforeAll(async () => {
    requireBuiltCli();
    env = await testEnv();
    dir = mkdtempSync(path.join(os.tmpdir(), 'rebound-noworker-'));
    await configureAlerts(env.client, env.config.taskQueue, {});
  });
  afterAll(async () => {
    await env?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('dlq stats answers from the counters the queue published; dlq groups exits 1 at once, naming the task queue and how to start a worker', async () => {
    const stats = await cli('dlq', 'stats', '--json');
    expect(stats.code, stats.stderr).toBe(0);
    expect(JSON.parse(stats.stdout).dead.total).toBe(0);
    for (const command of ['groups']) {
      const run = await cli('dlq', command, '--json');
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(noWorker());
      expect(run.stderr).toContain(`rebound worker --task-queue ${env.config.taskQueue}`);
      expect(run.stdout).toBe('');
    }
  });

  it('dlq operation --pause sends the pause, says so, then exits 1 for the progress', async () => {
    const operationId = randomUUID();
    const input: BulkOperationInput = { operationId, kind: 'cancel', jobs: [{ jobId: unique('any'), round: 1 }], rate: 1 };
    await env.client.workflow.start(bulkOperationWorkflowType, { workflowId: bulkPartWorkflowId(operationId), taskQueue: env.config.taskQueue, args: [input] });
    const run = await cli('dlq', 'operation', operationId, '--pause');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`Sent pause to operation ${operationId}.`);
    expect(run.stderr).toContain(noWorker());
    const history = await env.client.workflow.getHandle(bulkPartWorkflowId(operationId)).fetchHistory();
    expect(history.events?.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === pauseSignal.name)).toHaveLength(1);
  });

  it('dlq export needs no worker: with no dead job it exits 0 and writes no record', async () => {
    const out = path.join(dir, 'dead.jsonl');
    const run = await cli('dlq', 'export', '--out', out);
    expect(run.code).toBe(0);
    expect(run.stderr).toContain(`Exported 0 dead jobs to ${out}.`);
    expect(readFileSync(out, 'utf8')).toBe('');
  });

  it('dlq list refuses a page token it never gave, naming it', async () => {
    for (const token of ['garbage', '!!!', 'eyJhIjoxfQ']) {
      const run = await cli('dlq', 'list', '--page-token', token, '--json');
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`page token "${token}" is not one a listing gave`);
      expect(run.stdout).toBe('');
    }
  });
});

describe('rebound against an address that is not a Temporal frontend', () => {
  let server: http2.Http2Server;
  let address: string;
  beforeAll(async () => {
    requireBuiltCli();
    // Answers every HTTP/2 request with 404, as many web servers and proxies do.
    server = http2.createServer((_req, res) => {
      res.statusCode = 404;
      res.end('not found');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    address = `127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  });
  afterAll(async () => {
    await new Promise((resolve) => server?.close(resolve));
  });

  it('exits 1 naming the address, and says it does not look like a Temporal frontend', async () => {
    for (const args of [['status', 'any-job'], ['dlq', 'stats']]) {
      const run = await rebound(...args, '--address', address);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`${address} answers, but does not look like a Temporal frontend`);
    }
  });
});
