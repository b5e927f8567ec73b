import { WorkflowUpdateFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobHandle } from '../../src/client';
import { defineJob } from '../../src/jobs';
import { JobStatus, cancelUpdate, jobWorkflowId, searchAttributes as sa } from '../../src/contract';
import { signalJob, temporal } from '../fixtures/temporal-cli';
import { eventually, rejectionOf, testEnv, unique, type TestEnv } from '../helpers';

class UpstreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamError';
  }
}

const failing = defineJob({
  type: 'test.failing',
  retry: { initialInterval: 10, maximumInterval: 50, maximumAttempts: 2 },
  async handler() {
    throw new UpstreamError('upstream said no');
  },
});

/** Jobs whose attempt has started, and jobs whose attempt saw its cancellation. */
const started = new Set<string>();
const aborted = new Set<string>();
const slow = defineJob({
  type: 'test.slow',
  retry: { initialInterval: 10, maximumInterval: 50, maximumAttempts: 2 },
  heartbeatTimeout: '3s',
  async handler(_payload, ctx) {
    started.add(ctx.jobId);
    try {
      await ctx.sleep(60_000);
    } finally {
      if (ctx.signal.aborted) aborted.add(ctx.jobId);
    }
    return 'slept';
  },
});

/** Fails its first attempt, then waits an hour for the next. */
const waiting = defineJob({
  type: 'test.waiting',
  retry: { initialInterval: '1h', maximumAttempts: 3 },
  async handler(_payload, ctx) {
    if (ctx.attempt === 1) throw new UpstreamError('upstream busy');
    return 'done';
  },
});

const types = [failing, slow, waiting];

describe.concurrent('cancelling a job', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker(types);
  });
  afterAll(() => env.close());

  async function deadJob(): Promise<JobHandle> {
    const handle = await env.jobs(types).submit('test.failing', {}, { jobId: unique('dead') });
    expect((await handle.settled()).status).toBe(JobStatus.DeadLettered);
    return handle;
  }

  async function runningJob(): Promise<JobHandle> {
    const handle = await env.jobs(types).submit('test.slow', {}, { jobId: unique('running') });
    await eventually(async () => started.has(handle.jobId), `the attempt of ${handle.jobId} to start`);
    expect((await handle.status()).status).toBe(JobStatus.Running);
    return handle;
  }

  const describeJob = (handle: JobHandle) => env.client.workflow.getHandle(handle.workflowId).describe();

  /** Waits until the job's workflow has closed, then checks it ended as `Cancelled` everywhere. */
  async function expectCancelled(handle: JobHandle, executionStatus: 'CANCELLED' | 'COMPLETED'): Promise<void> {
    const description = await eventually(async () => {
      const d = await describeJob(handle);
      return d.status.name !== 'RUNNING' ? d : undefined;
    }, `the workflow of ${handle.jobId} to close`);
    expect(description.status.name).toBe(executionStatus);
    expect(description.typedSearchAttributes.get(sa.jobStatus)).toBe(JobStatus.Cancelled);
    const record = await handle.status();
    expect(record.status).toBe(JobStatus.Cancelled);
    expect(record.timeline.at(-1)?.event).toBe('Cancelled');
    expect((await handle.settled()).status).toBe(JobStatus.Cancelled);
  }

  it('cancels a dead job by update', async () => {
    const handle = await deadJob();
    const state = await env.client.workflow
      .getHandle(jobWorkflowId(handle.jobId))
      .executeUpdate(cancelUpdate, { args: [{ reason: 'customer left' }] });
    expect(state.status).toBe(JobStatus.Cancelled);
    expect(state.reason).toBe('customer left');
    await expectCancelled(handle, 'COMPLETED');
    expect((await handle.status()).timeline.at(-1)?.detail).toBe('customer left');
  });

  it('cancels a dead job by the temporal CLI’s cancel signal', async () => {
    const handle = await deadJob();
    await signalJob(handle.jobId, 'cancel', { reason: 'from a script' });
    await expectCancelled(handle, 'COMPLETED');
    expect((await handle.status()).reason).toBe('from a script');
  });

  it('rejects a cancel update for a job that is not dead, and leaves it running', async () => {
    const handle = await runningJob();
    const before = await handle.status();
    const err = await rejectionOf(env.client.workflow.getHandle(handle.workflowId).executeUpdate(cancelUpdate, { args: [{}] }));
    expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
    expect((err.cause as Error | undefined)?.message).toBe(`job "${handle.jobId}" is Running, not DeadLettered`);
    expect(await handle.status()).toEqual(before);
    expect((await describeJob(handle)).status.name).toBe('RUNNING');
    await env.client.workflow.getHandle(handle.workflowId).terminate('test cleanup');
  });

  it('ends a running job as Cancelled through its handle, keeping the attempt it cut short', async () => {
    const handle = await runningJob();
    await handle.cancel();
    await expectCancelled(handle, 'CANCELLED');
    await eventually(async () => aborted.has(handle.jobId), `the attempt of ${handle.jobId} to see its cancellation`);
    expect((await handle.status()).attemptHistory.map((a) => [a.attempt, a.outcome, a.errorType])).toEqual([[1, 'Lost', 'Cancelled']]);
  });

  it('ends a job waiting between attempts as Cancelled through its handle, with only the attempts it ran', async () => {
    const handle = await env.jobs(types).submit('test.waiting', {}, { jobId: unique('waiting') });
    await eventually(async () => (await handle.status()).nextAttemptAt, `${handle.jobId} to wait for its next attempt`);
    await handle.cancel();
    await expectCancelled(handle, 'CANCELLED');
    const record = await handle.status();
    expect(record.attemptHistory.map((a) => [a.attempt, a.outcome])).toEqual([[1, 'Failed']]);
    expect(record.attempts).toBe(1);
  });

  it('cancels a dead job through its handle, and a second cancel leaves it as it ended', async () => {
    const handle = await deadJob();
    await handle.cancel();
    await expectCancelled(handle, 'CANCELLED');
    const ended = await handle.status();
    await handle.cancel();
    expect(await handle.status()).toEqual(ended);
  });

  it('ends a running job as Cancelled when its workflow is cancelled from the client, and stops its attempt', async () => {
    const handle = await runningJob();
    await env.client.workflow.getHandle(handle.workflowId).cancel();
    await expectCancelled(handle, 'CANCELLED');
    await eventually(async () => aborted.has(handle.jobId), `the attempt of ${handle.jobId} to see its cancellation`);
  });

  it('ends a dead-lettered job as Cancelled when its workflow is cancelled from the client', async () => {
    const handle = await deadJob();
    await env.client.workflow.getHandle(handle.workflowId).cancel();
    await expectCancelled(handle, 'CANCELLED');
  });

  it('ends a running job as Cancelled when `temporal workflow cancel` cancels its workflow', async () => {
    const handle = await runningJob();
    await temporal('workflow', 'cancel', '--workflow-id', handle.workflowId);
    await expectCancelled(handle, 'CANCELLED');
    await eventually(async () => aborted.has(handle.jobId), `the attempt of ${handle.jobId} to see its cancellation`);
  });

  it('reports a running job whose workflow was terminated as Cancelled, so waiting for it returns', async () => {
    const handle = await runningJob();
    await temporal('workflow', 'terminate', '--workflow-id', handle.workflowId, '--reason', 'stuck');
    expect((await describeJob(handle)).status.name).toBe('TERMINATED');
    expect((await handle.status()).status).toBe(JobStatus.Cancelled);
    expect((await handle.settled()).status).toBe(JobStatus.Cancelled);
    await expect(handle.result()).rejects.toThrow(/is Cancelled/);
  });

  it('ends a dead-lettered job as Cancelled when `temporal workflow cancel` cancels its workflow', async () => {
    const handle = await deadJob();
    await temporal('workflow', 'cancel', '--workflow-id', handle.workflowId);
    await expectCancelled(handle, 'CANCELLED');
  });
});
