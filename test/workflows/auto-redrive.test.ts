import { WithStartWorkflowOperation } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin, type DeadLetterAdmin } from '../../src/admin';
import { JobStatus, redriveGateWorkflowId, redriveGateWorkflowType, redriveSlotUpdate, type JobState, type RedriveGateInput } from '../../src/contract';
import { defineJob } from '../../src/jobs';
import { eventually, testEnv, unique, type TestEnv } from '../helpers';

class UpstreamDown extends Error {
  name = 'UpstreamDown';
}
class BadInput extends Error {
  name = 'BadInput';
}

const redrive = { errorTypes: ['UpstreamDown'], cooldown: 300, maxTimes: 2, ratePerSecond: 20 };

/** Its dependency is back by the time the job is retried: round 2 succeeds. */
const recovers = defineJob({
  type: 'test.redrive-recovers',
  retry: { initialInterval: 10, maximumAttempts: 2 },
  autoRedrive: redrive,
  async handler(_payload, ctx) {
    if (ctx.round === 1) throw new UpstreamDown('upstream is down');
    return { round: ctx.round };
  },
});

/** Its dependency never comes back. */
const neverRecovers = defineJob({
  type: 'test.redrive-never',
  retry: { initialInterval: 10, maximumAttempts: 2 },
  autoRedrive: redrive,
  async handler() {
    throw new UpstreamDown('upstream is down');
  },
});

/** Fails with an error type the redrive does not cover. */
const otherError = defineJob({
  type: 'test.redrive-other',
  retry: { initialInterval: 10, maximumAttempts: 1 },
  autoRedrive: redrive,
  async handler() {
    throw new BadInput('bad input');
  },
});

/** Redriven only after an hour: operators act first. */
const slow = defineJob({
  type: 'test.redrive-slow',
  retry: { initialInterval: 10, maximumAttempts: 1 },
  autoRedrive: { errorTypes: ['UpstreamDown'], cooldown: '1h' },
  async handler(_payload, ctx) {
    if (ctx.round === 1) throw new UpstreamDown('upstream is down');
    return 'ok';
  },
});

const defs = [recovers, neverRecovers, otherError, slow];
const events = (state: JobState) => state.timeline.map((e) => e.event);
const redrives = (state: JobState) => state.timeline.filter((e) => e.event === 'Retried' && e.detail === 'auto-redrive').length;

describe.concurrent('automatic redrive', () => {
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker(defs);
    admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue, jobs: defs });
  });
  afterAll(() => env.close());

  it('redrives a dead job after the cooldown, and it succeeds once its dependency recovered', async () => {
    const handle = await env.jobs(defs).submit('test.redrive-recovers', {}, { jobId: unique('recovers') });
    const record = await eventually(async () => {
      const r = await handle.status();
      return r.status === JobStatus.Succeeded && r;
    }, 'the job to succeed after its redrive');
    expect(events(record).filter((e) => e === 'DeadLettered')).toHaveLength(1);
    expect(redrives(record)).toBe(1);
    expect(record.round).toBe(2);
    expect(record.reason).toBe('auto-redrive');
    expect(record.autoRedrives).toBe(1);
    expect(record.result).toEqual({ round: 2 });
  });

  it('redrives a job whose dependency never recovers its maximum number of times, then leaves it dead', async () => {
    const handle = await env.jobs(defs).submit('test.redrive-never', {}, { jobId: unique('never') });
    const record = await eventually(async () => {
      const r = await handle.status();
      return r.status === JobStatus.DeadLettered && r.round === 3 && r;
    }, 'the third dead-lettering');
    expect(events(record).filter((e) => e === 'DeadLettered')).toHaveLength(3);
    expect(redrives(record)).toBe(2);
    expect(record.autoRedrives).toBe(2);
    // Nothing more is scheduled: it waits for an operator like any dead job.
    expect(record.autoRedriveAt).toBeUndefined();
    await eventually(async () => (await admin.list({ type: 'test.redrive-never' })).items.some((j) => j.jobId === handle.jobId), 'the job to be listed as dead');
  });

  it('leaves a job dead of an error type it does not cover', async () => {
    const handle = await env.jobs(defs).submit('test.redrive-other', {}, { jobId: unique('other') });
    const record = await handle.settled();
    expect(record.status).toBe(JobStatus.DeadLettered);
    expect(record.errorType).toBe('BadInput');
    expect(record.autoRedriveAt).toBeUndefined();
    expect(redrives(record)).toBe(0);
  });

  it("lets an operator's retry or cancel win over a redrive to come", async () => {
    const jobs = env.jobs(defs);
    const [toRetry, toCancel] = await Promise.all([jobs.submit('test.redrive-slow', {}, { jobId: unique('slow-retry') }), jobs.submit('test.redrive-slow', {}, { jobId: unique('slow-cancel') })]);
    for (const h of [toRetry, toCancel]) {
      await eventually(async () => (await h.status()).autoRedriveAt !== undefined, 'the redrive to be scheduled');
    }
    await eventually(async () => (await admin.list({ type: 'test.redrive-slow' })).items.length === 2, 'both jobs to be listed as dead');
    const [retried] = await admin.retry([toRetry.jobId], { reason: 'fixed by hand' });
    const [cancelled] = await admin.cancel([toCancel.jobId], { reason: 'not needed' });
    expect([retried.ok, cancelled.ok]).toEqual([true, true]);
    const after = await toRetry.settled();
    expect(after.status).toBe(JobStatus.Succeeded);
    expect(after.reason).toBe('fixed by hand');
    expect(redrives(after)).toBe(0);
    expect((await toCancel.settled()).status).toBe(JobStatus.Cancelled);
  });

  it("spaces a type's redrives out at its rate, whoever asks", async () => {
    const type = unique('gated');
    const { taskQueue } = env.config;
    const take = async () => {
      const startWorkflowOperation = new WithStartWorkflowOperation(redriveGateWorkflowType, {
        workflowId: redriveGateWorkflowId(taskQueue, type),
        taskQueue,
        args: [{ taskQueue, type } satisfies RedriveGateInput],
        workflowIdConflictPolicy: 'USE_EXISTING',
      });
      return Date.parse((await env.client.workflow.executeUpdateWithStart(redriveSlotUpdate, { args: [{ ratePerSecond: 2 }], startWorkflowOperation })).at);
    };
    const slots: number[] = [];
    for (let i = 0; i < 3; i++) slots.push(await take());
    expect(slots[1] - slots[0]).toBeGreaterThanOrEqual(500);
    expect(slots[2] - slots[1]).toBeGreaterThanOrEqual(500);
  });
});
