/**
 * Reads that only a worker can answer (the dead-letter queue's counters and groups, a bulk
 * operation's progress, a job's state) say at once that no worker polls the task queue when the
 * server lists none, and within 5 s when the pollers it lists do not answer. An export reads the
 * records dead jobs keep in their memos and needs a worker only for one too large for a memo; it
 * never yields a record without its payload and attempts. Nothing is changed.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configureAlerts, createAdmin, type DeadLetterAdmin } from '../../src/admin';
import { readJob, type JobRecord } from '../../src/client';
import {
  JobStatus,
  bulkOperationWorkflowType,
  bulkPartWorkflowId,
  deadLetterWorkflowId,
  emptyDeadLetterStats,
  pauseSignal,
  type BulkOperationInput,
} from '../../src/contract';
import { OperationNotFoundError, WorkerUnavailableError } from '../../src/errors';
import { deadJobType } from '../fixtures/dead-jobs';
import { rejectionOf, testEnv, unique, type TestEnv } from '../helpers';

const emails = deadJobType('email.send');

/** Runs `call`; its outcome and how long it took. */
async function timed<T>(call: () => Promise<T>): Promise<{ ms: number; error?: Error; value?: T }> {
  const started = Date.now();
  try {
    const value = await call();
    return { ms: Date.now() - started, value };
  } catch (err) {
    return { ms: Date.now() - started, error: err as Error };
  }
}

describe('reads with no worker ever on the task queue', () => {
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  beforeAll(async () => {
    env = await testEnv();
    admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue, jobs: [emails] });
  });
  afterAll(() => env.close());

  const expectNoPollers = (err: Error | undefined, what: string) => {
    expect(err).toBeInstanceOf(WorkerUnavailableError);
    expect(err).toMatchObject({ taskQueue: env.config.taskQueue, noPollers: true });
    expect(err?.message).toContain(`no worker polls task queue "${env.config.taskQueue}" (the server lists none)`);
    expect(err?.message).toContain(what);
  };

  it('stats and groups answer zeros while the queue never started, and need no worker for it', async () => {
    expect(await admin.stats()).toEqual(emptyDeadLetterStats(env.config.taskQueue));
    expect(await admin.groups()).toEqual([]);
  });

  it('once the queue exists, stats answers the zeros it started with published and groups says at once that no worker polls; nothing is started', async () => {
    // A queue started, as configuring its alerts starts it, and never run by a worker.
    await configureAlerts(env.client, env.config.taskQueue, { thresholds: { deadNow: 3 } });
    const stats = await timed(() => admin.stats());
    expect(stats.error).toBeUndefined();
    expect(stats.value).toEqual(emptyDeadLetterStats(env.config.taskQueue));
    expectNoPollers((await timed(() => admin.groups())).error, "the dead-letter queue's counters");
    // The query never reached the workflow: it has no workflow task done, and still one run.
    const history = await env.client.workflow.getHandle(deadLetterWorkflowId(env.config.taskQueue)).fetchHistory();
    expect(history.events?.some((e) => e.workflowTaskCompletedEventAttributes)).toBe(false);
  });

  it("a bulk operation's progress says no worker polls; pause still reaches it; an unknown one is not found", async () => {
    const operationId = randomUUID();
    const input: BulkOperationInput = { operationId, kind: 'retry', jobs: [{ jobId: unique('any'), round: 1 }], rate: 1 };
    await env.client.workflow.start(bulkOperationWorkflowType, { workflowId: bulkPartWorkflowId(operationId), taskQueue: env.config.taskQueue, args: [input] });
    const operation = admin.operation(operationId);
    const progress = await timed(() => operation.progress());
    expectNoPollers(progress.error, `the progress of bulk operation ${operationId}`);
    expect(progress.ms).toBeLessThan(5_000);

    await operation.pause();
    const history = await env.client.workflow.getHandle(bulkPartWorkflowId(operationId)).fetchHistory();
    expect(history.events?.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === pauseSignal.name)).toHaveLength(1);

    expect(await rejectionOf(admin.operation(randomUUID()).progress())).toBeInstanceOf(OperationNotFoundError);
  });

  it('export needs no worker: with no dead job it yields nothing at once', async () => {
    const records: unknown[] = [];
    const exported = await timed(async () => {
      for await (const record of admin.export()) records.push(record);
    });
    expect(exported.error).toBeUndefined();
    expect(records).toEqual([]);
  });

  it("readJob answers from the index without waiting for the state query's deadline", async () => {
    const handle = await env.jobs([emails]).submit('email.send', { error: 'timeout' }, { jobId: unique('queued') });
    const read = await timed(() => readJob(env.client, handle.jobId));
    expect(read.error).toBeUndefined();
    expect(read.value).toMatchObject({ jobId: handle.jobId, status: JobStatus.Running, indexedOnly: true });
    expect(read.ms).toBeLessThan(5_000);
  });
});

describe('reads after the only worker stopped (the server still lists it for minutes)', () => {
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  let ids: string[];
  let bigId: string;
  beforeAll(async () => {
    env = await testEnv();
    const { stop } = await env.startWorker([emails]);
    // A payload near the limit, kept twice in the record (the job's and its round's): too large for a memo.
    const big = await env.jobs([emails]).submit('email.send', { error: 'timeout', note: 'x'.repeat(262_000) }, { jobId: unique('big') });
    const handles = await Promise.all([1, 2].map(() => env.jobs([emails]).submit('email.send', { error: 'timeout' }, { jobId: unique('dead') })));
    for (const h of [...handles, big]) expect((await h.settled()).status).toBe(JobStatus.DeadLettered);
    ids = handles.map((h) => h.jobId);
    bigId = big.jobId;
    admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue });
    // All counted and listed before the worker goes.
    for (let i = 0; i < 100 && ((await admin.stats()).total.deadNow < 3 || (await admin.list()).items.length < 3); i++) await new Promise((r) => setTimeout(r, 100));
    await stop();
  });
  afterAll(() => env.close());

  it('stats answers from the counters the queue published, with no worker; groups says within 5 s that no worker answered', async () => {
    expect((await admin.stats()).total).toMatchObject({ deadNow: 3, deadLettered: 3 });
    const err = await rejectionOf(admin.groups());
    expect(err).toBeInstanceOf(WorkerUnavailableError);
    expect(err).toMatchObject({ taskQueue: env.config.taskQueue, noPollers: false });
    expect(err.message).toContain('no answer from a worker within 5 s');
    expect(err.message).toContain(`task queue "${env.config.taskQueue}"`);
  });

  it("export reads dead jobs' whole records from their memos with no worker, and stops at one too large for a memo, yielding nothing incomplete", async () => {
    const records: JobRecord[] = [];
    const err = await rejectionOf(
      (async () => {
        for await (const record of admin.export()) records.push(record);
      })(),
    );
    expect(err).toBeInstanceOf(WorkerUnavailableError);
    expect((err as WorkerUnavailableError).jobId).toBe(bigId);
    for (const record of records) {
      expect(ids).toContain(record.jobId);
      expect(record).toMatchObject({ status: JobStatus.DeadLettered, payload: { error: 'timeout' }, round: 1 });
      expect(record.indexedOnly).toBeUndefined();
      expect(record.attemptHistory.length).toBeGreaterThan(0);
      expect(record.timeline.at(-1)?.event).toBe('DeadLettered');
    }

    // With a worker again, the large one is read from its workflow: all three, complete. Nothing was changed.
    await env.startWorker([emails]);
    const all: JobRecord[] = [];
    for await (const record of admin.export()) all.push(record);
    expect(all.map((r) => r.jobId).sort()).toEqual([...ids, bigId].sort());
    expect(all.find((r) => r.jobId === bigId)?.payload).toMatchObject({ note: 'x'.repeat(262_000) });
    for (const id of ids) expect(await admin.get(id)).toMatchObject({ status: JobStatus.DeadLettered, round: 1 });
    expect((await admin.stats()).total).toMatchObject({ deadNow: 3, deadLettered: 3 });
  });
});
