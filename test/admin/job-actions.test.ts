import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin, type DeadLetterAdmin } from '../../src/admin';
import { JobStatus } from '../../src/contract';
import { JobNotFoundError, JobNotPausedError, JobNotWaitingError, JobPausedError } from '../../src/errors';
import { defineJob } from '../../src/jobs';
import { deadJobType } from '../fixtures/dead-jobs';
import { adminTestEnv, eventually, rejectionOf, unique, type TestEnv } from '../helpers';

/** Fails its first `failTimes` attempts, then succeeds; waits an hour between attempts unless hurried. */
const slow = defineJob({
  type: 'report.build',
  retry: { maximumAttempts: 3, initialInterval: '1h', maximumInterval: '2h' },
  handler: async (payload: { failTimes?: number }, ctx) => {
    if (ctx.attempt <= (payload.failTimes ?? 1)) throw new Error(`attempt ${ctx.attempt} failed`);
    return { attempt: ctx.attempt };
  },
});
const dead = deadJobType('email.send');

/** Its first run hangs until cancelled; any later run succeeds at once. */
let hangingRuns = 0;
const hanging = defineJob({
  type: 'sync.run',
  retry: { maximumAttempts: 2, initialInterval: '1h', maximumInterval: '2h' },
  heartbeatTimeout: '1s',
  handler: async (_payload: unknown, ctx) => {
    hangingRuns++;
    if (hangingRuns === 1) await ctx.sleep(600_000);
    return { attempt: ctx.attempt };
  },
});

describe('admin.retryNow, admin.pause and admin.resume', () => {
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  let jobs: ReturnType<TestEnv['jobs']>;

  beforeAll(async () => {
    ({ env, jobs } = await adminTestEnv([slow, dead, hanging]));
    admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue, actor: 'ops-bot' });
  });
  afterAll(() => env.close());

  /** A job whose first attempt failed and which now waits an hour for its next. */
  const waitingJob = async (failTimes = 1) => {
    const handle = await jobs.submit('report.build', { failTimes }, { jobId: unique('job') });
    await eventually(async () => (await admin.get(handle.jobId)).nextAttemptAt, 'the job to wait for its next attempt');
    return handle;
  };

  it('retryNow skips the wait: the job succeeds on its next attempt, numbered 2, with no attempt used up', async () => {
    const handle = await waitingJob();
    const result = await admin.retryNow(handle.jobId, { reason: 'the provider is back' });
    expect(result).toMatchObject({ jobId: handle.jobId, action: 'retryNow', actor: 'ops-bot', paused: false });
    const record = await handle.settled();
    expect(record.status).toBe(JobStatus.Succeeded);
    expect(record.result).toEqual({ attempt: 2 });
    expect(record.attempts).toBe(2);
    expect(record.attemptHistory.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'Failed'],
      [2, 'Succeeded'],
    ]);
    const note = record.timeline.find((t) => t.event === 'RetriedNow');
    expect(note).toMatchObject({ actor: 'ops-bot', reason: 'the provider is back' });
  });

  it('retryNow never runs more attempts than the policy allows: the last attempt hurried dead-letters the job', async () => {
    const handle = await waitingJob(5);
    await admin.retryNow(handle.jobId);
    await eventually(async () => (await admin.get(handle.jobId)).attempts === 2 && (await admin.get(handle.jobId)).nextAttemptAt, 'attempt 2 to fail');
    await admin.retryNow(handle.jobId);
    const record = await handle.settled();
    expect(record.status).toBe(JobStatus.DeadLettered);
    expect(record.attempts).toBe(3);
    expect(record.attemptHistory.map((a) => a.attempt)).toEqual([1, 2, 3]);
  });

  it('pause keeps the job from running its next attempt until resume, and the record shows it paused', async () => {
    const handle = await waitingJob();
    await admin.pause(handle.jobId, { reason: 'investigating', actor: 'alice' });
    const paused = await eventually(async () => (await admin.get(handle.jobId)).paused && (await admin.get(handle.jobId)), 'the job to read as paused');
    expect(paused.paused).toMatchObject({ by: 'alice', reason: 'investigating' });
    expect(paused.nextAttemptAt).toBeUndefined();
    // Hurrying a paused job is refused: it would run the attempt the pause holds back.
    expect(await rejectionOf(admin.retryNow(handle.jobId))).toBeInstanceOf(JobPausedError);
    expect(await rejectionOf(admin.pause(handle.jobId))).toBeInstanceOf(JobPausedError);
    // Still paused, still one attempt made.
    const still = await admin.get(handle.jobId);
    expect(still.status).toBe(JobStatus.Retrying);
    expect(still.attempts).toBe(1);
    await admin.resume(handle.jobId, { actor: 'alice' });
    const record = await handle.settled();
    expect(record.status).toBe(JobStatus.Succeeded);
    expect(record.attempts).toBe(2);
    expect(record.paused).toBeUndefined();
    const events = record.timeline.filter((t) => t.event === 'Paused' || t.event === 'Resumed').map((t) => [t.event, t.actor]);
    expect(events).toEqual([
      ['Paused', 'alice'],
      ['Resumed', 'alice'],
    ]);
  });

  it('an attempt running when its job is paused is interrupted, not counted, and runs again under its number once resumed', async () => {
    const handle = await jobs.submit('sync.run', {}, { jobId: unique('job') });
    // A pause sent to a running attempt (it started in the instant the pause was sent).
    const description = await eventually(async () => {
      const d = await env.client.workflow.getHandle(handle.workflowId).describe();
      return d.raw.pendingActivities?.some((a) => a.activityType?.name === 'runJob' && a.state === 2) && d;
    }, 'the attempt to run');
    const activity = description.raw.pendingActivities!.find((a) => a.activityType?.name === 'runJob')!;
    const execution = { workflowId: handle.workflowId };
    await env.client.workflowService.pauseActivity({ namespace: env.client.options.namespace, execution, id: activity.activityId, identity: 'test', reason: 'race' });
    await eventually(async () => (await admin.get(handle.jobId)).paused, 'the job to read as paused');
    // The attempt learns of the pause from its next heartbeat, and ends; the server keeps the activity paused.
    await eventually(async () => {
      const d = await env.client.workflow.getHandle(handle.workflowId).describe();
      const a = d.raw.pendingActivities?.find((p) => p.activityType?.name === 'runJob');
      return a?.state === 4 && a.lastFailure;
    }, 'the running attempt to end, paused', 30_000);
    await admin.resume(handle.jobId);
    const record = await handle.settled();
    expect(record.status).toBe(JobStatus.Succeeded);
    expect(record.result).toEqual({ attempt: 1 });
    expect(record.attempts).toBe(1);
    expect(record.attemptHistory.map((a) => [a.attempt, a.outcome, a.errorType ?? null])).toEqual([
      [1, 'Interrupted', 'Paused'],
      [1, 'Succeeded', null],
    ]);
  });

  it('refuses jobs that are not waiting: unknown, dead, succeeded, and resume of a job not paused', async () => {
    expect(await rejectionOf(admin.retryNow(unique('missing')))).toBeInstanceOf(JobNotFoundError);
    const deadHandle = await jobs.submit('email.send', {}, { jobId: unique('job') });
    expect((await deadHandle.settled()).status).toBe(JobStatus.DeadLettered);
    const notWaiting = await rejectionOf(admin.pause(deadHandle.jobId));
    expect(notWaiting).toBeInstanceOf(JobNotWaitingError);
    expect(notWaiting.message).toContain('DeadLettered');
    const done = await jobs.submit('report.build', { failTimes: 0 }, { jobId: unique('job') });
    expect((await done.settled()).status).toBe(JobStatus.Succeeded);
    const succeeded = await rejectionOf(admin.retryNow(done.jobId));
    expect(succeeded).toBeInstanceOf(JobNotWaitingError);
    expect(succeeded.message).toContain('Succeeded');
    const waiting = await waitingJob();
    expect(await rejectionOf(admin.resume(waiting.jobId))).toBeInstanceOf(JobNotPausedError);
  });

  it('records each action in the audit log with who and why', async () => {
    const handle = await waitingJob();
    await admin.pause(handle.jobId, { reason: 'hold', actor: 'bob' });
    await admin.resume(handle.jobId);
    await handle.settled();
    const entries = await eventually(async () => {
      const log = await admin.audit({ jobId: handle.jobId });
      return log.length === 2 && log;
    }, 'two audit entries');
    expect(entries.map((e) => [e.action, e.actor, e.reason ?? null, e.type])).toEqual([
      ['pause', 'bob', 'hold', 'report.build'],
      ['resume', 'ops-bot', null, 'report.build'],
    ]);
  });
});
