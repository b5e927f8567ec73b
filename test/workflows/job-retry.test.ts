import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { JobHandle, JobRecord } from '../../src/client';
import { defineJob } from '../../src/jobs';
import { JobStatus, jobWorkflowId, retryUpdate, runningStatuses, searchAttributes as sa, type AttemptRecord, type RetryRequest } from '../../src/contract';
import { signalJob } from '../fixtures/temporal-cli';
import { eventually, rejectionOf, testEnv, unique, type TestEnv } from '../helpers';

class UpstreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamError';
  }
}

/** Fails every attempt until its payload says it is fixed. */
const fragile = defineJob({
  type: 'test.fragile',
  schema: z.object({ fixed: z.boolean().optional() }),
  retry: { initialInterval: 10, maximumInterval: 50, maximumAttempts: 2 },
  async handler(payload, ctx) {
    if (!payload.fixed) throw new UpstreamError(`upstream said no on attempt ${ctx.attempt}`);
    return { fixedOn: { round: ctx.round, attempt: ctx.attempt } };
  },
});

/** Job ids whose `test.gated` handler may return; until then it keeps running. */
const released = new Set<string>();
const gated = defineJob({
  type: 'test.gated',
  retry: { initialInterval: 10, maximumInterval: 50, maximumAttempts: 2 },
  heartbeatTimeout: '5s',
  async handler(_payload, ctx) {
    while (!released.has(ctx.jobId)) await ctx.sleep(50);
    return 'released';
  },
});

const rounds = (history: AttemptRecord[]) => history.map((a) => [a.round, a.attempt, a.outcome]);
const events = (record: JobRecord) => record.timeline.map((e) => e.event);

describe.concurrent('retrying a dead job', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker([fragile, gated]);
  });
  afterAll(() => env.close());

  /** Submits a `test.fragile` job and waits until it is dead-lettered after its 2 attempts. */
  async function deadJob(): Promise<JobHandle> {
    const handle = await env.jobs([fragile, gated]).submit('test.fragile', {}, { jobId: unique('fragile') });
    const record = await handle.settled();
    expect(record.status).toBe(JobStatus.DeadLettered);
    expect(rounds(record.attemptHistory)).toEqual([
      [1, 1, 'Failed'],
      [1, 2, 'Failed'],
    ]);
    return handle;
  }

  const retryByUpdate = (handle: JobHandle, request: RetryRequest = {}) =>
    env.client.workflow.getHandle(jobWorkflowId(handle.jobId)).executeUpdate(retryUpdate, { args: [request] });

  /** Waits until round 2 has settled (a signal is applied after the CLI returns). */
  const roundTwoSettled = (handle: JobHandle) =>
    eventually(async () => {
      const record = await handle.status();
      return record.round === 2 && !runningStatuses.includes(record.status) ? record : undefined;
    }, `round 2 of job ${handle.jobId} to settle`);

  const jobStatusAttribute = async (handle: JobHandle) =>
    (await env.client.workflow.getHandle(handle.workflowId).describe()).typedSearchAttributes.get(sa.jobStatus);

  function expectSucceededInRoundTwo(record: JobRecord): void {
    expect(record.status).toBe(JobStatus.Succeeded);
    expect(record.round).toBe(2);
    expect(record.payload).toEqual({ fixed: true });
    expect(record.result).toEqual({ fixedOn: { round: 2, attempt: 1 } });
    expect(rounds(record.attemptHistory)).toEqual([
      [1, 1, 'Failed'],
      [1, 2, 'Failed'],
      [2, 1, 'Succeeded'],
    ]);
    expect(events(record)).toEqual(['Submitted', 'DeadLettered', 'Retried', 'Succeeded']);
  }

  function expectDeadAgainInRoundTwo(record: JobRecord): void {
    expect(record.status).toBe(JobStatus.DeadLettered);
    expect(record.round).toBe(2);
    expect(record.totalAttempts).toBe(4);
    expect(rounds(record.attemptHistory)).toEqual([
      [1, 1, 'Failed'],
      [1, 2, 'Failed'],
      [2, 1, 'Failed'],
      [2, 2, 'Failed'],
    ]);
    expect(record.attemptHistory.every((a) => a.errorType === 'UpstreamError')).toBe(true);
    expect(events(record)).toEqual(['Submitted', 'DeadLettered', 'Retried', 'DeadLettered']);
  }

  it('succeeds when retried by update with a corrected payload', async () => {
    const handle = await deadJob();
    const accepted = await retryByUpdate(handle, { payload: { fixed: true }, reason: 'payload fixed' });
    expect(accepted).toMatchObject({ round: 2, payload: { fixed: true }, reason: 'payload fixed' });
    const record = await handle.settled();
    expectSucceededInRoundTwo(record);
    expect(record.timeline.find((e) => e.event === 'Retried')?.detail).toContain('payload fixed');
    expect(await jobStatusAttribute(handle)).toBe(JobStatus.Succeeded);
  });

  it('dead-letters again when retried by update without a change, keeping both rounds in its history', async () => {
    const handle = await deadJob();
    await retryByUpdate(handle);
    const record = await roundTwoSettled(handle);
    expectDeadAgainInRoundTwo(record);
    const attrs = (await env.client.workflow.getHandle(handle.workflowId).describe()).typedSearchAttributes;
    expect(attrs.get(sa.jobStatus)).toBe(JobStatus.DeadLettered);
    expect(attrs.get(sa.jobAttempts)).toBe(4);
  });

  it('succeeds when retried by the temporal CLI’s retry signal with a corrected payload', async () => {
    const handle = await deadJob();
    await signalJob(handle.jobId, 'retry', { payload: { fixed: true } });
    expectSucceededInRoundTwo(await roundTwoSettled(handle));
    expect(await jobStatusAttribute(handle)).toBe(JobStatus.Succeeded);
  });

  it('dead-letters again when retried by the temporal CLI’s retry signal without input', async () => {
    const handle = await deadJob();
    await signalJob(handle.jobId, 'retry');
    expectDeadAgainInRoundTwo(await roundTwoSettled(handle));
  });

  it('refuses a retry signal whose payload the schema refuses: the job stays dead with its payload, and says why', async () => {
    const handle = await deadJob();
    await signalJob(handle.jobId, 'retry', { payload: { fixed: 'yes' } });
    const record = await eventually(async () => {
      const r = await handle.status();
      return r.timeline.some((e) => e.event === 'RetryRefused') ? r : undefined;
    }, 'the retry to be refused');
    expect(record).toMatchObject({ status: JobStatus.DeadLettered, round: 1, payload: {}, payloads: [{ round: 1, payload: {} }] });
    expect(record.timeline.at(-1)?.detail).toMatch(/fixed: .*expected boolean/i);
    // Still dead and retryable: a valid payload is taken.
    await signalJob(handle.jobId, 'retry', { payload: { fixed: true } });
    const after = await roundTwoSettled(handle);
    expect(after).toMatchObject({ status: JobStatus.Succeeded, round: 2, payload: { fixed: true } });
    expect(events(after)).toEqual(['Submitted', 'DeadLettered', 'RetryRefused', 'Retried', 'Succeeded']);
  });

  it('rejects a retry update whose payload the schema refuses, with the schema message, and changes nothing', async () => {
    const handle = await deadJob();
    const err = await rejectionOf(retryByUpdate(handle, { payload: { fixed: 'yes' } }));
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((err.cause as Error).message).toMatch(/retry refused: payload for job type "test.fragile" is invalid: fixed: /);
    const record = await handle.status();
    expect(record).toMatchObject({ status: JobStatus.DeadLettered, round: 1, payload: {} });
  });

  it('keeps the payload of every round', async () => {
    const handle = await deadJob();
    await retryByUpdate(handle, { payload: { fixed: true } });
    const record = await roundTwoSettled(handle);
    expect(record.payloads).toEqual([
      { round: 1, payload: {} },
      { round: 2, payload: { fixed: true } },
    ]);
  });

  it('ignores a retry signal whose retry policy is out of range, and applies the next valid one once', async () => {
    const handle = await deadJob();
    await signalJob(handle.jobId, 'retry', { payload: { fixed: true }, retryPolicy: { maximumAttempts: 0 } });
    await signalJob(handle.jobId, 'retry', { payload: { fixed: true } });
    const record = await roundTwoSettled(handle);
    expectSucceededInRoundTwo(record);
    expect(record.retry.maximumAttempts).toBe(2);
  });

  it('applies a retry policy given with the retry to the new round', async () => {
    const handle = await deadJob();
    const accepted = await retryByUpdate(handle, { retryPolicy: { maximumAttempts: 1 } });
    expect(accepted.retry.maximumAttempts).toBe(1);
    const record = await roundTwoSettled(handle);
    expect(record.status).toBe(JobStatus.DeadLettered);
    expect(record.retry.maximumAttempts).toBe(1);
    expect(rounds(record.attemptHistory)).toEqual([
      [1, 1, 'Failed'],
      [1, 2, 'Failed'],
      [2, 1, 'Failed'],
    ]);
  });

  it('rejects a retry whose retry policy is out of range, and changes nothing', async () => {
    const handle = await deadJob();
    const before = await handle.status();
    const err = await rejectionOf(retryByUpdate(handle, { retryPolicy: { maximumAttempts: 0 } }));
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((err.cause as Error | undefined)?.message).toMatch(/maximumAttempts/);
    const after = await handle.status();
    expect(after).toEqual(before);
  });

  it('rejects a retry of a job that is not dead with a message saying so, and changes nothing', async () => {
    const jobs = env.jobs([fragile, gated]);
    const handle = await jobs.submit('test.gated', {}, { jobId: unique('running') });
    await eventually(async () => (await env.client.workflow.getHandle(handle.workflowId).describe()).raw.pendingActivities?.length, 'the attempt to start');
    const before = await handle.status();
    expect(before.status).toBe(JobStatus.Running);

    const err = await rejectionOf(retryByUpdate(handle, { payload: { other: true } }));
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((err.cause as Error | undefined)?.message).toBe(`job "${handle.jobId}" is Running, not DeadLettered`);

    expect(await handle.status()).toEqual(before);

    released.add(handle.jobId);
    const done = await handle.settled();
    expect(done.status).toBe(JobStatus.Succeeded);
    expect(done.round).toBe(1);
    expect(done.totalAttempts).toBe(1);
    expect(events(done)).not.toContain('Retried');
  });

  it('refuses a retry signal for a job that has succeeded, leaving it as it was', async () => {
    const handle = await env.jobs([fragile, gated]).submit('test.fragile', { fixed: true }, { jobId: unique('done') });
    const done = await handle.settled();
    expect(done.status).toBe(JobStatus.Succeeded);
    // The workflow has closed, so the server refuses the signal; the CLI says so and exits non-zero.
    await expect(signalJob(handle.jobId, 'retry', { payload: { fixed: false } })).rejects.toThrow(/completed|not found/i);
    expect(await handle.status()).toEqual(done);
  });
});
