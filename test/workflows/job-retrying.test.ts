/**
 * The `Retrying` status: a job whose attempt failed, with another to follow, reads `Retrying`
 * (set once per round) until it settles; waiting for it treats it as running.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { temporal } from '@temporalio/proto';
import { defaultPayloadConverter } from '@temporalio/common';
import { Worker } from '@temporalio/worker';
import { createAdmin } from '../../src/admin';
import { JobStatus, searchAttributes as sa } from '../../src/contract';
import { defineJob } from '../../src/jobs';
import { workflowBundle } from '../../src/worker';
import { eventually, testEnv, unique, type TestEnv } from '../helpers';

/** Releases of held attempts, by job id. */
const held = new Map<string, () => void>();

/** Fails its first `fail` attempts, then holds the next one until released, then succeeds. */
const flaky = defineJob({
  type: unique('flaky'),
  retry: { maximumAttempts: 5, initialInterval: 10, maximumInterval: 50 },
  async handler(payload: { fail: number; hold?: boolean }, ctx) {
    if (ctx.attempt <= payload.fail) throw new Error(`attempt ${ctx.attempt} failed`);
    if (payload.hold) await new Promise<void>((resolve) => held.set(ctx.jobId, resolve));
    return 'ok';
  },
});

/** JobStatus values the job's history set, in order. */
async function statusesSet(env: TestEnv, workflowId: string): Promise<string[]> {
  const history = await env.client.workflow.getHandle(workflowId).fetchHistory();
  return (history.events ?? [])
    .map((e: temporal.api.history.v1.IHistoryEvent) => e.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields?.[sa.jobStatus.name])
    .filter((p) => p !== undefined && p !== null)
    .map((p) => defaultPayloadConverter.fromPayload<string>(p as never));
}

describe('a retrying job', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker([flaky]);
  });
  afterAll(async () => {
    for (const release of held.values()) release();
    await env.close();
  });

  it('reads Retrying after its first failed attempt, set once however many fail, and still settles as Succeeded', async () => {
    const jobs = env.jobs([flaky]);
    const handle = await jobs.submit(flaky.type, { fail: 2, hold: true }, { jobId: unique('retrying') });
    await eventually(async () => held.has(handle.jobId), 'the third attempt to start');
    const record = await handle.status();
    expect(record).toMatchObject({ status: JobStatus.Retrying, attempts: 2 });
    const described = await env.client.workflow.getHandle(handle.workflowId).describe();
    expect(described.typedSearchAttributes.get(sa.jobStatus)).toBe(JobStatus.Retrying);

    // Waiting treats it as running: it returns only once the job succeeded.
    const settled = handle.settled();
    held.get(handle.jobId)!();
    expect(await settled).toMatchObject({ status: JobStatus.Succeeded, attempts: 3 });
    expect(await statusesSet(env, handle.workflowId)).toEqual([JobStatus.Retrying, JobStatus.Succeeded]);
  });

  it('reads Retrying again in the round that follows a retry of the dead job', async () => {
    const jobs = env.jobs([flaky]);
    const admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue });
    const handle = await jobs.submit(flaky.type, { fail: 100 }, { jobId: unique('rounds'), retry: { maximumAttempts: 2 } });
    expect((await handle.settled()).status).toBe(JobStatus.DeadLettered);
    const [retried] = await admin.retry([handle.jobId], { retryPolicy: { maximumAttempts: 3 } });
    expect(retried.ok).toBe(true);
    const record = await eventually(async () => {
      const r = await handle.settled();
      return r.round === 2 && r;
    }, 'the second round to dead-letter');
    expect(record).toMatchObject({ status: JobStatus.DeadLettered, attempts: 3 });
    expect(await statusesSet(env, handle.workflowId)).toEqual([
      JobStatus.Retrying,
      JobStatus.DeadLettered,
      JobStatus.Running,
      JobStatus.Retrying,
      JobStatus.DeadLettered,
    ]);
    // The history, its patch marker and its Retrying statuses included, replays on the code as it is.
    const history = await env.client.workflow.getHandle(handle.workflowId).fetchHistory();
    expect(history.events?.some((e) => e.markerRecordedEventAttributes?.markerName === 'core_patch')).toBe(true);
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, handle.workflowId);
  });

  it('never reads Retrying when its only attempt fails', async () => {
    const handle = await env.jobs([flaky]).submit(flaky.type, { fail: 1 }, { jobId: unique('once'), retry: { maximumAttempts: 1 } });
    expect((await handle.settled()).status).toBe(JobStatus.DeadLettered);
    expect(await statusesSet(env, handle.workflowId)).toEqual([JobStatus.DeadLettered]);
  });
});
