/**
 * Submitting while the Temporal server is unreachable: submit tries again until its deadline,
 * and with an outbox a start that cannot reach the server is kept on disk and forwarded, in
 * order and once, by whichever process opens the outbox next. Runs a dev server of its own on a
 * SQLite file, so that it can stop it and start it again with every job kept.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection, WorkflowNotFoundError } from '@temporalio/client';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createJobClient, forwardOutbox, openOutboxStore, readOutboxStatus } from '../../src/client';
import { connectWorker, loadConfig } from '../../src/config';
import { defaultRetryPolicy, jobWorkflowId, searchAttributes } from '../../src/contract';
import { newSubmitId, startJob, type StartRequest } from '../../src/client/start-job';
import { freePort, startDevServer, type DevServer } from '../../src/dev';
import { OutboxError, ServerUnreachableError, SubmitUnreachableError } from '../../src/errors';
import { defineJob } from '../../src/jobs';
import { registerOutboxMetrics } from '../../src/metrics';
import { createWorker } from '../../src/worker';
import { outboxJob, outboxRuns } from '../fixtures/outbox-jobs';
import { eventually, quietLogger, rejectionOf, unique } from '../helpers';

const otherJob = defineJob({ type: 'test.outbox-other', schema: z.object({}), handler: async () => ({}) });

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs test/fixtures/outbox-process.ts in a process of its own, to its end. */
function outboxProcess(env: Record<string, string>): Promise<Run> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'fixtures', 'outbox-process.ts')], {
    env: { ...process.env, LOG_LEVEL: 'error', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

function parsed(run: Run): any {
  expect(run.code, run.stderr).toBe(0);
  return JSON.parse(run.stdout);
}

describe('submit while the server is unreachable', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rebound-outbox-'));
  let port: number;
  let server: DevServer | undefined;
  let connection: Connection;
  let client: Client;

  const start = async () => {
    server = await startDevServer({ port, uiPort: false, dbFile: path.join(dir, 'temporal.sqlite'), dynamicConfig: { 'system.forceSearchAttributesCacheRefreshOnRead': true } });
  };
  const stop = async () => {
    await server?.stop();
    server = undefined;
  };
  /** Runs a worker of the test's job type on `taskQueue`; resolves to its stop. */
  const startWorker = async (taskQueue: string) => {
    const config = loadConfig({ address: `127.0.0.1:${port}`, taskQueue }, {});
    const connection = await connectWorker(config, quietLogger);
    const worker = await createWorker({ connection, config, jobs: [outboxJob], logger: quietLogger });
    const running = worker.run();
    return async () => {
      worker.shutdown();
      await running;
      await connection.close();
    };
  };
  const describeJob = (jobId: string) => client.workflow.getHandle(jobWorkflowId(jobId)).describe();

  beforeAll(async () => {
    port = await freePort();
    await start();
    // Lazy, so that it outlives the server's stops and reconnects when it is back.
    connection = Connection.lazy({ address: `127.0.0.1:${port}` });
    client = new Client({ connection });
  }, 180_000);

  afterAll(async () => {
    await connection?.close();
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('keeps trying through a short outage and starts the job without an outbox', async () => {
    const jobs = createJobClient({ client, jobs: [outboxJob], taskQueue: unique('tq-outage'), submitDeadline: '3m' });
    const jobId = unique('outage');
    await stop();
    let answered = false;
    const submitting = jobs.submit('test.outbox', { n: 1 }, { jobId }).finally(() => (answered = true));
    // Down for a moment while the submit is under way.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(answered).toBe(false);
    await start();
    const handle = await submitting;
    expect(handle).toMatchObject({ jobId, created: true });
    expect(handle.queued).toBeUndefined();
    expect((await describeJob(jobId)).status.name).toBe('RUNNING');
  }, 240_000);

  it('counts a start sent again after its answer was lost as the same submit, and one of another submit as an existing job', async () => {
    const jobId = unique('resent');
    const request: StartRequest = { jobId, type: 'test.outbox', taskQueue: unique('tq-resent'), input: { jobId, type: 'test.outbox', payload: { n: 1 }, retry: defaultRetryPolicy }, submitId: newSubmitId() };
    const first = await startJob(client, request);
    expect(first).toMatchObject({ created: true });
    expect(await startJob(client, request)).toEqual({ created: true, runId: first.runId });
    expect(await startJob(client, { ...request, submitId: newSubmitId() })).toEqual({ created: false });
  });

  it('past its deadline without an outbox, throws SubmitUnreachableError naming the job and the address, and starts nothing', async () => {
    const jobs = createJobClient({ client, jobs: [outboxJob], taskQueue: unique('tq-deadline'), submitDeadline: '500ms' });
    const jobId = unique('deadline');
    await stop();
    try {
      const err = await rejectionOf(jobs.submit('test.outbox', { n: 1 }, { jobId }));
      expect(err).toBeInstanceOf(SubmitUnreachableError);
      expect(err).toBeInstanceOf(ServerUnreachableError);
      expect(err.message).toContain(`"${jobId}"`);
      expect(err.message).toContain(`127.0.0.1:${port}`);
    } finally {
      await start();
    }
    expect(await rejectionOf(describeJob(jobId))).toBeInstanceOf(WorkflowNotFoundError);
  }, 240_000);

  it('hands back a queued handle whose result() waits until the forwarder started the job, then returns its result', async () => {
    const taskQueue = unique('tq-queued-handle');
    const jobs = createJobClient({ client, jobs: [outboxJob], taskQueue, submitDeadline: '300ms', outbox: { dir: path.join(dir, 'outbox-handle') } });
    await stop();
    try {
      const handle = await jobs.submit('test.outbox', { n: 7 });
      expect(handle).toMatchObject({ queued: true, created: true });
      const result = handle.result();
      await start();
      const stopWorker = await startWorker(taskQueue);
      try {
        await eventually(async () => (await jobs.flushOutbox()).pending === 0, 'the outbox to be forwarded', 120_000);
        expect(await result).toEqual({ n: 7 });
        expect(outboxRuns.get(handle.jobId)).toBe(1);
      } finally {
        await stopWorker();
      }
    } finally {
      await jobs.close();
      if (!server) await start();
    }
  }, 300_000);

  it('sets aside a queued start whose job id another type took meanwhile, with the error, and its handle says so', async () => {
    const taskQueue = unique('tq-refused');
    const outbox = path.join(dir, 'outbox-refused');
    const jobId = unique('refused');
    await createJobClient({ client, jobs: [otherJob], taskQueue }).submit('test.outbox-other', {}, { jobId });
    const jobs = createJobClient({ client, jobs: [outboxJob], taskQueue, submitDeadline: '300ms', outbox: { dir: outbox } });
    await stop();
    try {
      const handle = await jobs.submit('test.outbox', { n: 1 }, { jobId });
      expect(handle.queued).toBe(true);
      await start();
      const pass = await eventually(async () => {
        const result = await jobs.flushOutbox();
        return result.pending === 0 && result;
      }, 'the outbox to be forwarded', 120_000);
      expect(pass).toMatchObject({ forwarded: 0, failed: 1 });
      const err = await rejectionOf(handle.result());
      expect(err).toBeInstanceOf(OutboxError);
      expect(err.message).toContain(`"${jobId}"`);
      expect(err.message).toContain('"test.outbox-other"');
      const status = await readOutboxStatus(outbox);
      expect(status).toMatchObject({ pending: 0, failed: [{ jobId, type: 'test.outbox', error: { name: 'InvalidOptionsError' } }] });
      // Nothing else was started: the id still belongs to the other job.
      expect((await describeJob(jobId)).typedSearchAttributes.get(searchAttributes.jobType)).toBe('test.outbox-other');
    } finally {
      await jobs.close();
      if (!server) await start();
    }
  }, 300_000);

  it("leaves another namespace's entries for its clients, and they do not hold this client's submits back", async () => {
    const outbox = path.join(dir, 'shared');
    const taskQueue = unique('tq-shared');
    const store = openOutboxStore(outbox);
    const foreignId = unique('foreign');
    await store.write({
      namespace: 'another-namespace',
      jobId: foreignId,
      type: 'test.outbox',
      taskQueue,
      input: { jobId: foreignId, type: 'test.outbox', payload: { n: 0 }, retry: defaultRetryPolicy },
      submitId: newSubmitId(),
    });
    const jobs = createJobClient({ client, jobs: [outboxJob], taskQueue, outbox: { dir: outbox } });
    try {
      expect(await jobs.flushOutbox()).toMatchObject({ forwarded: 0, failed: 0, pending: 1, otherNamespaces: 1 });
      const handle = await jobs.submit('test.outbox', { n: 1 }, { jobId: unique('own') });
      // Started at once, not queued behind the other namespace's entry.
      expect(handle.queued).toBeUndefined();
      expect((await describeJob(handle.jobId)).status.name).toBe('RUNNING');
      expect(await readOutboxStatus(outbox)).toMatchObject({ pending: 1 });
      expect(await rejectionOf(describeJob(foreignId))).toBeInstanceOf(WorkflowNotFoundError);
    } finally {
      await jobs.close();
    }
  });

  it('queues submits made while the server is down in one process, and another process forwards each once, in order, after a restart', async () => {
    const outbox = path.join(dir, 'outbox-restart');
    const taskQueue = unique('tq-restart');
    const jobIds = Array.from({ length: 5 }, (_, i) => unique(`queued-${i}`));
    const env = { REBOUND_TEST_ADDRESS: `127.0.0.1:${port}`, REBOUND_TEST_TASK_QUEUE: taskQueue, REBOUND_TEST_OUTBOX: outbox, REBOUND_TEST_JOB_IDS: jobIds.join(',') };

    await stop();
    const submitted = parsed(await outboxProcess({ ...env, REBOUND_TEST_MODE: 'submit' }));
    expect(submitted.handles).toEqual(jobIds.map((jobId) => ({ jobId, queued: true, created: true })));
    const queued = await readOutboxStatus(outbox);
    expect(queued).toMatchObject({ pending: jobIds.length, failed: [] });
    expect(queued.oldestAgeMs).toBeGreaterThanOrEqual(0);

    await start();
    const stopWorker = await startWorker(taskQueue);
    try {
      // Two processes open the same outbox at once: between them, each entry is forwarded once.
      const [a, b] = (await Promise.all([outboxProcess({ ...env, REBOUND_TEST_MODE: 'flush' }), outboxProcess({ ...env, REBOUND_TEST_MODE: 'flush' })])).map(parsed);
      const forwarded = [...a.passes, ...b.passes].reduce((sum: number, p: { forwarded: number }) => sum + p.forwarded, 0);
      expect(forwarded).toBe(jobIds.length);
      expect(await readOutboxStatus(outbox)).toMatchObject({ pending: 0, failed: [] });

      const jobs = createJobClient({ client, jobs: [outboxJob], taskQueue });
      for (const [n, jobId] of jobIds.entries()) expect(await jobs.getHandle(jobId).result()).toEqual({ n });
      for (const jobId of jobIds) expect(outboxRuns.get(jobId)).toBe(1);
      const startTimes = await Promise.all(jobIds.map(async (jobId) => (await describeJob(jobId)).startTime.getTime()));
      expect(startTimes).toEqual([...startTimes].sort((x, y) => x - y));
    } finally {
      await stopWorker();
    }
  }, 600_000);
});

describe('the outbox without a server', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rebound-outbox-down-'));
  let connection: Connection;
  let client: Client;

  beforeAll(async () => {
    // Nothing listens there.
    connection = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    client = new Client({ connection });
  });
  afterAll(async () => {
    await connection.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses an outbox directory it cannot write, with an OutboxError naming the directory', () => {
    const file = path.join(dir, 'a-file');
    writeFileSync(file, '');
    const blocked = path.join(file, 'outbox');
    let err: unknown;
    try {
      createJobClient({ client, jobs: [outboxJob], outbox: { dir: blocked } });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(OutboxError);
    expect((err as Error).message).toContain(`"${blocked}"`);
    expect((err as Error).message).toMatch(/cannot be made or written/);
  });

  it('keeps off while a live process holds the forwarding lock, and takes over the lock of a process that is gone', async () => {
    const outbox = path.join(dir, 'lock');
    const jobs = createJobClient({ client, jobs: [outboxJob], submitDeadline: '300ms', outbox: { dir: outbox } });
    try {
      expect((await jobs.submit('test.outbox', { n: 1 })).queued).toBe(true);
    } finally {
      // Its forwarder stops: the passes below are the only ones.
      await jobs.close();
    }
    const store = openOutboxStore(outbox);
    const forward = () => forwardOutbox(client, store, { startTimeoutMs: 300 });
    const lock = path.join(outbox, 'forward.lock');
    const holdBy = (pid: number) => writeFileSync(lock, JSON.stringify({ pid, hostname: os.hostname(), at: new Date().toISOString() }));

    holdBy(process.pid);
    expect(await forward()).toMatchObject({ forwarded: 0, pending: 1, locked: true });

    const exited = spawn(process.execPath, ['-e', '']);
    const pid = exited.pid!;
    await new Promise((resolve) => exited.on('exit', resolve));
    holdBy(pid);
    const flushed = await forward();
    expect(flushed.locked).toBeUndefined();
    // It tried (the server does not answer here): the entry stays, the lock is let go.
    expect(flushed).toMatchObject({ forwarded: 0, pending: 1 });
    expect(flushed.waiting).toBeTruthy();
    expect(existsSync(lock)).toBe(false);
  }, 60_000);

  it('queues, keeps every entry while flushes cannot reach the server, and shows the backlog in its metrics', async () => {
    const outbox = path.join(dir, 'metrics');
    const jobs = createJobClient({ client, jobs: [outboxJob], submitDeadline: '300ms', outbox: { dir: outbox } });
    try {
      const first = await jobs.submit('test.outbox', { n: 1 });
      const second = await jobs.submit('test.outbox', { n: 2 }, { delay: '1h' });
      expect(first.queued && second.queued).toBe(true);

      const flushed = await jobs.flushOutbox();
      expect(flushed).toMatchObject({ forwarded: 0, failed: 0, pending: 2 });
      expect(flushed.waiting).toBeTruthy();
      expect(await jobs.outboxStatus()).toMatchObject({ pending: 2, queued: 2, forwarded: 0, failed: [] });

      const registry = new Registry();
      await registerOutboxMetrics(registry, jobs);
      const text = await registry.metrics();
      const dirLabel = `dir="${path.resolve(outbox)}"`;
      expect(text).toContain(`rebound_outbox_backlog{${dirLabel}} 2`);
      expect(text).toContain(`rebound_outbox_queued_total{${dirLabel}} 2`);
      expect(text).toContain(`rebound_outbox_forwarded_total{${dirLabel}} 0`);
      expect(text).toContain(`rebound_outbox_failed{${dirLabel}} 0`);
    } finally {
      await jobs.close();
    }
  }, 60_000);
});
