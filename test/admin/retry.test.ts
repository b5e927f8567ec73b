import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterAdmin } from '../../src/admin';
import { JobStatus } from '../../src/contract';
import { deadJobType } from '../fixtures/dead-jobs';
import { adminTestEnv, eventually, unique, type TestEnv } from '../helpers';

const emails = deadJobType('email.send');

describe('admin.get and admin.retry', () => {
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  let jobs: ReturnType<TestEnv['jobs']>;

  beforeAll(async () => {
    ({ env, jobs, admin } = await adminTestEnv([emails]));
  });
  afterAll(() => env.close());

  const deadJob = async (payload: object = { error: 'timeout' }) => {
    const handle = await jobs.submit('email.send', payload, { jobId: unique('job') });
    expect((await handle.settled()).status).toBe(JobStatus.DeadLettered);
    return handle.jobId;
  };

  it('get returns the submitted payload and an attempt history as long as the attempts made', async () => {
    const id = await deadJob({ error: 'timeout', ms: 42 });
    const record = await admin.get(id);
    expect(record.payload).toEqual({ error: 'timeout', ms: 42 });
    expect(record.attemptHistory).toHaveLength(record.attempts);
    expect(record.attemptHistory[0]).toMatchObject({ attempt: 1, errorType: 'TimeoutError', message: 'timeout after 42 ms' });
    expect(record.timeline.map((t) => t.event)).toEqual(['Submitted', 'DeadLettered']);
  });

  it('lists a job retried and dead again with the attempts of its last round, as get reports them, and the total beside', async () => {
    const id = await deadJob();
    const [result] = await admin.retry([id], { reason: 'try again unchanged' });
    expect(result).toMatchObject({ jobId: id, ok: true });
    const record = await eventually(async () => {
      const r = await admin.get(id);
      return r.status === JobStatus.DeadLettered && r.round === 2 && r;
    }, 'the job to be dead again in round 2');
    const item = await eventually(async () => {
      const { items } = await admin.list({}, { limit: 100 });
      const found = items.find((i) => i.jobId === id);
      return found?.round === 2 && found;
    }, 'the list to show round 2');
    expect(item.attempts).toBe(record.attempts);
    expect(item.attempts).toBe(1);
    expect(item.totalAttempts).toBe(record.totalAttempts);
    expect(item.totalAttempts).toBe(2);
  });

  it('retry with a corrected payload succeeds, leaves the list and updates the counters', async () => {
    const id = await deadJob();
    await eventually(async () => (await admin.list({})).items.some((i) => i.jobId === id), 'the job to be listed');
    // A snapshot of the counters that has counted this job: dead now as many as are listed.
    const before = await eventually(async () => {
      const s = await admin.stats();
      let listed = 0;
      for await (const item of admin.all({})) listed += item.jobId === id ? 1 : 0;
      const all = (await admin.list({}, { limit: 1000 })).items.length;
      return listed === 1 && s.total.deadNow === all && s;
    }, 'the dead-lettering to be counted');
    const [result] = await admin.retry([id], { payload: { fixed: true }, reason: 'fixed the template' });
    expect(result).toMatchObject({ jobId: id, ok: true });
    const record = await jobs.getHandle(id).settled();
    expect(record.status).toBe(JobStatus.Succeeded);
    expect(record.result).toBe('ok');
    expect(record.round).toBe(2);
    expect(record.reason).toBe('fixed the template');
    await eventually(async () => !(await admin.list({})).items.some((i) => i.jobId === id), 'the job to leave the list');
    const after = await eventually(async () => {
      const s = await admin.stats();
      return s.total.succeededAfterRetry === before.total.succeededAfterRetry + 1 && s;
    }, 'the success after retry to be counted');
    expect(after.total.retried).toBe(before.total.retried + 1);
    expect(after.total.deadNow).toBe(before.total.deadNow - 1);
  });

  it('retry with a payload the schema refuses is rejected and changes nothing', async () => {
    const id = await deadJob();
    const [result] = await admin.retry([id], { payload: { error: 'nonsense' } });
    expect(result.ok).toBe(false);
    expect(result.error?.name).toBe('PayloadValidationError');
    const record = await admin.get(id);
    expect(record.status).toBe(JobStatus.DeadLettered);
    expect(record.round).toBe(1);
  });

  it('retry of a job that is not dead is refused with a clear error and changes nothing', async () => {
    const handle = await jobs.submit('email.send', { fixed: true }, { jobId: unique('ok') });
    await handle.settled();
    const [result] = await admin.retry([handle.jobId]);
    expect(result).toMatchObject({ ok: false, error: { name: 'JobNotDeadError' } });
    expect(result.error?.message).toContain('Succeeded');
    expect((await admin.get(handle.jobId)).round).toBe(1);
  });

  it('retry and cancel of an unknown id say which job is unknown', async () => {
    const [retried] = await admin.retry(['no-such-job']);
    expect(retried.error).toMatchObject({ name: 'JobNotFoundError' });
    expect(retried.error?.message).toContain('no-such-job');
    const [cancelled] = await admin.cancel(['no-such-job']);
    expect(cancelled.error).toMatchObject({ name: 'JobNotFoundError' });
  });

  it('cancel ends a dead job Cancelled and takes it off the list', async () => {
    const id = await deadJob();
    await eventually(async () => (await admin.list({})).items.some((i) => i.jobId === id), 'the job to be listed');
    const [result] = await admin.cancel([id], { reason: 'customer deleted' });
    expect(result).toMatchObject({ ok: true, status: JobStatus.Cancelled });
    expect((await admin.get(id)).status).toBe(JobStatus.Cancelled);
    await eventually(async () => !(await admin.list({})).items.some((i) => i.jobId === id), 'the job to leave the list');
  });
});
