/**
 * Delayed and scheduled jobs: the server holds them (no worker slot taken) as `Scheduled` until
 * their time, and they can be cancelled before they run.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobStatus, searchAttributes as sa } from '../../src/contract';
import { InvalidOptionsError } from '../../src/errors';
import { defineJob } from '../../src/jobs';
import { eventually, rejectionOf, testEnv, unique, type TestEnv } from '../helpers';

const ran = new Map<string, string>();
const stamp = defineJob({
  type: 'delayed.stamp',
  async handler(_payload, ctx) {
    ran.set(ctx.jobId, new Date().toISOString());
    return 'stamped';
  },
});

describe.concurrent('a delayed job', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker([stamp]);
  });
  afterAll(() => env.close());
  const jobs = () => env.jobs([stamp]);
  const attribute = async (workflowId: string) => (await env.client.workflow.getHandle(workflowId).describe()).typedSearchAttributes.get(sa.jobStatus);

  it('is Scheduled until its delay has passed, then runs', async () => {
    const submittedAt = Date.now();
    const handle = await jobs().submit('delayed.stamp', {}, { jobId: unique('delay'), delay: '3s' });
    expect(await attribute(handle.workflowId)).toBe(JobStatus.Scheduled);
    const scheduled = await handle.status();
    expect(scheduled.status).toBe(JobStatus.Scheduled);
    // Its time, from the server: the submit's time plus the delay.
    expect(Date.parse(scheduled.runAt!)).toBeGreaterThanOrEqual(submittedAt + 3_000 - 50);
    expect(Date.parse(scheduled.runAt!)).toBeLessThanOrEqual(Date.now() + 3_000);
    expect(await handle.result()).toBe('stamped');
    expect((await handle.status()).runAt).toBeUndefined();
    expect(Date.parse(ran.get(handle.jobId)!) - submittedAt).toBeGreaterThanOrEqual(3_000);
    const record = await handle.status();
    expect(record.timeline.map((e) => e.event)).toEqual(['Submitted', 'Started', 'Succeeded']);
    expect(await attribute(handle.workflowId)).toBe(JobStatus.Succeeded);
  });

  it('runs at the time it was given', async () => {
    const runAt = new Date(Date.now() + 2_000);
    const handle = await jobs().submit('delayed.stamp', {}, { jobId: unique('at'), runAt });
    await handle.result();
    expect(Date.parse(ran.get(handle.jobId)!)).toBeGreaterThanOrEqual(runAt.getTime());
  });

  it('can be cancelled before it runs, and then never runs', async () => {
    const handle = await jobs().submit('delayed.stamp', {}, { jobId: unique('cancel'), runAt: new Date(Date.now() + 3_600_000) });
    await handle.cancel();
    const record = await eventually(async () => {
      const r = await handle.status();
      return r.status === JobStatus.Cancelled ? r : undefined;
    }, 'the job to be cancelled');
    expect(record.attempts).toBe(0);
    expect(ran.has(handle.jobId)).toBe(false);
  });

  it('refuses delay and runAt together, and a delay that is no duration', async () => {
    const both = await rejectionOf(jobs().submit('delayed.stamp', {}, { delay: '1s', runAt: new Date() }));
    expect(both).toBeInstanceOf(InvalidOptionsError);
    expect(both.message).toContain('delay or runAt, not both');
    const bad = await rejectionOf(jobs().submit('delayed.stamp', {}, { delay: 'later' as never }));
    expect(bad.message).toContain('delay must be a duration');
  });
});
