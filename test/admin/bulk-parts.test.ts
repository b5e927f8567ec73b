/**
 * A selection too large for one workflow's input runs in parts, one after another: the same
 * outcome, progress and control as one operation.
 */
import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import type { DeadLetterAdmin } from '../../src/admin';
import { combineProgress, maxJobsPerPart } from '../../src/admin';
import { bulkOperationWorkflowType, type BulkOperationInput, type BulkProgress } from '../../src/contract';
import { JobRegistry } from '../../src/jobs';
import { deadJobType } from '../fixtures/dead-jobs';
import { adminTestEnv, eventually, quietLogger, rejectionOf, testEnv, unique, type TestEnv } from '../helpers';

describe('a bulk operation in parts', () => {
  const type = unique('parts');
  const defs = [deadJobType(type)];
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  let jobs: ReturnType<TestEnv['jobs']>;

  beforeAll(async () => {
    ({ env, jobs, admin } = await adminTestEnv(defs));
  });
  afterAll(() => env.close());

  /** Dead-letters `n` jobs with this error, and waits until all are listed. */
  const deadJobs = async (n: number, error: 'timeout' | 'validation') => {
    const handles = await Promise.all(Array.from({ length: n }, () => jobs.submit(type, { error }, { jobId: unique('p') })));
    for (const h of handles) await h.settled();
    const ids = handles.map((h) => h.jobId);
    const errorType = error === 'timeout' ? 'TimeoutError' : 'ValidationError';
    await eventually(async () => (await admin.list({ type, errorType }, { limit: 100 })).items.length === n, `${n} dead jobs listed`);
    return ids;
  };
  const retriedAt = async (id: string) => Date.parse((await admin.get(id)).timeline.find((e) => e.event === 'Retried')!.at);

  it('retries every job of the selection once, a part after the other', async () => {
    await deadJobs(7, 'timeout');
    const { matched, ids, operation } = await admin.retryAll({ type, errorType: 'TimeoutError' }, { rate: 50, jobsPerPart: 3 });
    expect(matched).toBe(7);
    const progress = await operation!.result();
    expect(progress).toMatchObject({ state: 'Completed', matched: 7, done: 7, skipped: 0, failed: 0, remaining: 0 });

    await eventually(async () => (await Promise.all(ids.map((id) => admin.get(id)))).every((r) => r.round === 2), 'every job in round 2');
    // Parts follow the selection's order: no job of a part was retried before every job of the part before.
    const times = await Promise.all(ids.map(retriedAt));
    const parts = [times.slice(0, 3), times.slice(3, 6), times.slice(6)];
    for (let i = 1; i < parts.length; i++) expect(Math.min(...parts[i])).toBeGreaterThanOrEqual(Math.max(...parts[i - 1]));
    // Read back by its id alone, it still adds up its parts.
    expect(await admin.operation(operation!.operationId).progress()).toMatchObject({ state: 'Completed', matched: 7, done: 7 });
    await admin.cancel(ids);
  });

  it('aborts as a whole: the parts not yet run touch nothing', async () => {
    await deadJobs(6, 'validation');
    // `ids` in the selection's order: the parts take them in it.
    const { ids, operation } = await admin.retryAll({ type, errorType: 'ValidationError' }, { rate: 2, jobsPerPart: 2 });
    await eventually(async () => (await operation!.progress()).done >= 1, 'the first job retried');
    await operation!.abort();
    const progress = await operation!.result();
    expect(progress.state).toBe('Aborted');
    expect(progress.done).toBeLessThan(6);
    const rounds = await Promise.all(ids.map(async (id) => (await admin.get(id)).round));
    expect(rounds.filter((r) => r === 2)).toHaveLength(progress.done);
    // The last part never started on its jobs.
    expect(rounds.slice(4)).toEqual([1, 1]);
    await admin.cancel(ids.filter((_, i) => rounds[i] === 1));
  });

  it('refuses parts larger than one workflow may carry', async () => {
    await expect(admin.retryAll({ type }, { jobsPerPart: maxJobsPerPart + 1 })).rejects.toThrow(/jobsPerPart must be a whole number from 1 to 5000/);
  });

  it('fits a full part of the longest job ids in what the server accepts', async () => {
    const input: BulkOperationInput = {
      operationId: unique('size'),
      kind: 'retry',
      rate: 10,
      jobs: Array.from({ length: maxJobsPerPart }, (_, i) => ({ jobId: `${i}`.padStart(200, 'x'), round: 1 })),
    };
    // No worker polls this task queue: the server only has to take the input.
    const handle = await env.client.workflow.start(bulkOperationWorkflowType, { workflowId: unique('bulk-size'), taskQueue: unique('idle'), args: [input] });
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.terminate('size check done');
  });
});

describe('awaitBulkPart, the wait of a part for the part before', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv();
  });
  afterAll(() => env.close());

  const silent = new DefaultLogger('ERROR', () => undefined);
  const { awaitBulkPart } = createActivities({ registry: new JobRegistry([]), logger: quietLogger });
  const run = (info: { scheduledTimestampMs: number }, missingAfterMs: number) =>
    new MockActivityEnvironment(info, { client: env.client, logger: silent }).run(awaitBulkPart, { workflowId: unique('no-such-part'), missingAfterMs });

  it('retries while the part before may still be starting', async () => {
    const err = await rejectionOf(run({ scheduledTimestampMs: Date.now() }, 60_000));
    expect(err.name).toBe('WorkflowNotFoundError');
  });

  it('gives up for good once the part before has not started for too long, so that this part touches nothing', async () => {
    const err = await rejectionOf(run({ scheduledTimestampMs: Date.now() - 120_000 }, 60_000));
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'BulkPartMissing', nonRetryable: true });
    expect(err.message).toContain('never started: this part applied nothing');
  });
});

describe('combineProgress', () => {
  const part = (state: BulkProgress['state'], done: number, remaining: number): BulkProgress => ({
    operationId: 'op',
    kind: 'retry',
    state,
    matched: done + remaining,
    done,
    skipped: 0,
    failed: 0,
    remaining,
    errors: [],
  });

  it('adds up the parts, and is Running until every part has finished', () => {
    expect(combineProgress([part('Completed', 3, 0), part('Running', 1, 2), part('Waiting', 0, 3)])).toMatchObject({ state: 'Running', matched: 9, done: 4, remaining: 5 });
    expect(combineProgress([part('Completed', 3, 0), part('Completed', 3, 0)])).toMatchObject({ state: 'Completed', done: 6, remaining: 0 });
  });

  it('is Paused while a part is, and Aborted once all finished and one was aborted', () => {
    expect(combineProgress([part('Completed', 3, 0), part('Paused', 1, 2), part('Waiting', 0, 3)]).state).toBe('Paused');
    expect(combineProgress([part('Completed', 3, 0), part('Aborted', 1, 2), part('Aborted', 0, 3)]).state).toBe('Aborted');
  });
});
