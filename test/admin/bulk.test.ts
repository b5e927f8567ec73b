import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin, type DeadLetterAdmin } from '../../src/admin';
import { JobStatus } from '../../src/contract';
import { deadJobType } from '../fixtures/dead-jobs';
import { adminTestEnv, eventually, testEnv, unique, type TestEnv } from '../helpers';

const reports = deadJobType('report.build');
const others = deadJobType('other.kind');

describe('admin.retryAll and admin.cancelAll', () => {
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  let jobs: ReturnType<TestEnv['jobs']>;

  beforeAll(async () => {
    ({ env, jobs, admin } = await adminTestEnv([reports, others]));
  });
  afterAll(() => env.close());

  /** Dead-letters `n` jobs of `type` whose error type is unique to this call, and waits until all are listed. */
  const deadJobs = async (n: number, type = 'report.build', error: 'timeout' | 'validation' = 'timeout') => {
    const handles = await Promise.all(Array.from({ length: n }, () => jobs.submit(type, { error }, { jobId: unique('bulk') })));
    for (const h of handles) await h.settled();
    const ids = handles.map((h) => h.jobId);
    await eventually(async () => {
      const listed = new Set((await admin.list({ type }, { limit: 1000 })).items.map((i) => i.jobId));
      return ids.every((id) => listed.has(id));
    }, `${n} dead jobs listed`);
    return ids;
  };
  const rounds = async (ids: string[]) => Promise.all(ids.map(async (id) => (await admin.get(id)).round));

  it('a dry run counts the selection and changes nothing', async () => {
    const ids = await deadJobs(3, 'other.kind');
    const preview = await admin.retryAll({ type: 'other.kind' }, { dryRun: true });
    expect(preview.matched).toBe(3);
    expect(preview.ids.sort()).toEqual([...ids].sort());
    expect(preview.operation).toBeUndefined();
    expect(await rounds(ids)).toEqual([1, 1, 1]);
    const cancelPreview = await admin.cancelAll({ type: 'other.kind' }, { dryRun: true });
    expect(cancelPreview.matched).toBe(3);
    for (const id of ids) expect((await admin.get(id)).status).toBe(JobStatus.DeadLettered);
    await admin.cancel(ids);
  });

  it("applies a dry run's selection, and none dead-lettered since, when given its `until`", async () => {
    const previewed = await deadJobs(3, 'other.kind', 'validation');
    const preview = await admin.retryAll({ type: 'other.kind', errorType: 'ValidationError' }, { dryRun: true });
    expect(preview.ids.sort()).toEqual([...previewed].sort());
    const later = await deadJobs(1, 'other.kind', 'validation');

    const { matched, ids, operation } = await admin.retryAll({ type: 'other.kind', errorType: 'ValidationError', until: new Date(preview.until!) }, { rate: 100 });
    expect(matched).toBe(3);
    expect(ids.sort()).toEqual([...previewed].sort());
    expect(await operation!.result()).toMatchObject({ state: 'Completed', done: 3 });
    await eventually(async () => (await rounds(previewed)).every((r) => r === 2), 'previewed jobs in round 2');
    expect(await rounds(later)).toEqual([1]);
    await admin.cancel([...previewed, ...later]);
  });

  it('retries 10 jobs at 5 per second, touching only those, not a job dead-lettered after it started', async () => {
    const selected = await deadJobs(10);
    const bystander = await deadJobs(1, 'other.kind');
    const started = Date.now();
    const { matched, operation } = await admin.retryAll({ type: 'report.build' }, { rate: 5, reason: 'bulk test' });
    expect(matched).toBe(10);
    const late = await deadJobs(1);
    const progress = await operation!.result();
    const took = Date.now() - started;
    expect(progress).toMatchObject({ state: 'Completed', matched: 10, done: 10, failed: 0, skipped: 0, remaining: 0 });
    expect(took).toBeGreaterThanOrEqual(1_600);
    // Each selected job ran one more round and died again; the others were not touched.
    await eventually(async () => (await rounds(selected)).every((r) => r === 2), 'selected jobs in round 2');
    expect(await rounds(late)).toEqual([1]);
    expect(await rounds(bystander)).toEqual([1]);
    await admin.cancel([...selected, ...late, ...bystander]);
  });

  it('goes on after a worker restart in the middle, and applies each job once', async () => {
    // Its own task queue, so that this test alone controls the workers.
    const own = await testEnv();
    try {
      const first = await own.startWorker([reports]);
      const ownJobs = own.jobs([reports]);
      const ownAdmin = createAdmin({ client: own.client, taskQueue: own.config.taskQueue, jobs: [reports] });
      const handles = await Promise.all(Array.from({ length: 8 }, () => ownJobs.submit('report.build', {}, { jobId: unique('restart') })));
      for (const h of handles) await h.settled();
      const ids = handles.map((h) => h.jobId);
      await eventually(async () => (await ownAdmin.list({}, { limit: 100 })).items.length === 8, '8 dead jobs listed');
      const { operation } = await ownAdmin.retryAll({}, { rate: 4 });
      await eventually(async () => (await operation!.progress()).done >= 1, 'the operation to start');
      await first.stop();
      await own.startWorker([reports]);
      const progress = await operation!.result();
      // A job retried just before its worker stopped is recognised by its request id when re-sent: done, not skipped.
      expect(progress).toMatchObject({ state: 'Completed', matched: 8, done: 8, skipped: 0, failed: 0, remaining: 0 });
      const roundsNow = async () => Promise.all(ids.map(async (id) => (await ownAdmin.get(id)).round));
      await eventually(async () => (await roundsNow()).every((r) => r === 2), 'every job in round 2');
      expect(await roundsNow()).toEqual(ids.map(() => 2));
      await ownAdmin.cancel(ids);
    } finally {
      await own.close();
    }
  });

  it('can be paused, resumed and aborted', async () => {
    const ids = await deadJobs(6);
    const { operation } = await admin.retryAll({ type: 'report.build' }, { rate: 1 });
    await operation!.pause();
    await eventually(async () => (await operation!.progress()).state === 'Paused', 'paused');
    await new Promise((r) => setTimeout(r, 2_000));
    // A batch (one second of work) under way when the pause came may finish; nothing more starts.
    const stillPaused = await operation!.progress();
    expect(stillPaused.state).toBe('Paused');
    expect(stillPaused.done).toBeLessThanOrEqual(1);
    await operation!.resume();
    await eventually(async () => (await operation!.progress()).done > stillPaused.done, 'progress after resume');
    await operation!.abort();
    const final = await operation!.result();
    expect(final.state).toBe('Aborted');
    expect(final.done).toBeLessThan(6);
    expect(final.remaining).toBeGreaterThan(0);
    const r = await rounds(ids);
    expect(r.filter((x) => x === 2).length).toBe(final.done);
    await eventually(async () => {
      const live = (await Promise.all(ids.map((id) => admin.get(id)))).filter((j) => j.status === JobStatus.DeadLettered);
      return live.length === ids.length;
    }, 'retried jobs dead again');
    await admin.cancel(ids);
  });

  it('cancelAll cancels the selection at its rate; cancelled jobs end Cancelled and leave the list', async () => {
    const ids = await deadJobs(4, 'report.build', 'validation');
    const { matched, operation } = await admin.cancelAll({ type: 'report.build', errorType: 'ValidationError' }, { rate: 20, reason: 'obsolete' });
    expect(matched).toBe(4);
    expect(await operation!.result()).toMatchObject({ state: 'Completed', done: 4 });
    for (const id of ids) expect((await admin.get(id)).status).toBe(JobStatus.Cancelled);
    await eventually(async () => (await admin.list({ errorType: 'ValidationError' })).items.length === 0, 'the list to be empty');
  });
});
