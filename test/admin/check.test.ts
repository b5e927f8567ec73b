/**
 * admin.check(): every job of a task queue is in exactly one status, and the dead-letter queue
 * counts each dead job once; what does not add up is reported with the ids and types concerned,
 * and nothing is changed by looking.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAdmin, type DeadLetterAdmin } from '../../src/admin';
import { JobStatus, jobWorkflowId, jobWorkflowType } from '../../src/contract';
import { defineJob } from '../../src/jobs';
import { deadJobType } from '../fixtures/dead-jobs';
import { adminTestEnv, eventually, testEnv, unique, type TestEnv } from '../helpers';

const released = new Set<string>();

const ok = defineJob({ type: 'check.ok', schema: z.object({}), handler: async () => 'done' });
const held = defineJob({
  type: 'check.held',
  schema: z.object({}),
  heartbeatTimeout: '10s',
  async handler(_payload, ctx) {
    for (let i = 0; i < 6_000 && !released.has(ctx.jobId); i++) await ctx.sleep(50);
    return 'released';
  },
});
const reports = deadJobType('check.report');
const invoices = deadJobType('check.invoice');
const shortLived = deadJobType('check.short-lived', '2s');

describe('admin.check', () => {
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  let jobs: ReturnType<TestEnv['jobs']>;
  const ids = {} as Record<'ok' | 'held' | 'report' | 'invoice' | 'cancelled' | 'expired', string[]>;

  beforeAll(async () => {
    ({ env, jobs, admin } = await adminTestEnv([ok, held, reports, invoices, shortLived]));
    const submit = async (n: number, type: string, payload: unknown = {}) =>
      Promise.all(Array.from({ length: n }, () => jobs.submit(type, payload, { jobId: unique(type) })));
    // One for later: Scheduled, its workflow waiting for its start time.
    await jobs.submit('check.ok', {}, { jobId: unique('later'), delay: '1h' });
    const [oks, helds, reportJobs, invoiceJobs, cancelled, expired] = await Promise.all([
      submit(2, 'check.ok'),
      submit(1, 'check.held'),
      submit(3, 'check.report', { error: 'timeout' }),
      submit(2, 'check.invoice', { error: 'validation' }),
      submit(1, 'check.report', { error: 'validation' }),
      submit(1, 'check.short-lived', { error: 'timeout' }),
    ]);
    for (const h of [...oks]) expect((await h.settled()).status).toBe(JobStatus.Succeeded);
    for (const h of [...reportJobs, ...invoiceJobs, ...cancelled]) expect((await h.settled()).status).toBe(JobStatus.DeadLettered);
    expect((await admin.cancel([cancelled[0].jobId]))[0]).toMatchObject({ ok: true });
    await eventually(async () => (await expired[0].status()).status === JobStatus.Expired, 'the short-lived dead job to expire');
    Object.assign(ids, {
      ok: oks.map((h) => h.jobId),
      held: helds.map((h) => h.jobId),
      report: reportJobs.map((h) => h.jobId),
      invoice: invoiceJobs.map((h) => h.jobId),
      cancelled: cancelled.map((h) => h.jobId),
      expired: expired.map((h) => h.jobId),
    });
  });
  afterAll(async () => {
    for (const id of ids.held ?? []) released.add(id);
    await env?.close();
  });

  it('finds every job in one status and every dead job counted once', async () => {
    const report = await admin.check();
    expect(report.differences).toEqual([]);
    expect(report).toMatchObject({
      ok: true,
      taskQueue: env.config.taskQueue,
      jobs: { submitted: 11, succeeded: 2, deadLettered: 5, cancelled: 1, expired: 1, running: 1, scheduled: 1, unaccounted: 0 },
      counted: { total: 5, byType: { 'check.report': 3, 'check.invoice': 2 }, byErrorType: { TimeoutError: 3, ValidationError: 2 } },
      listed: { total: 5, byType: { 'check.report': 3, 'check.invoice': 2 }, byErrorType: { TimeoutError: 3, ValidationError: 2 } },
    });
  });

  it('reports a dead job terminated from outside that the dead-letter queue still counts, by type, and changes nothing', async () => {
    const [terminated, ...others] = ids.invoice;
    await env.client.workflow.getHandle(jobWorkflowId(terminated)).terminate('test: closed from outside');
    await eventually(async () => (await admin.list({ type: 'check.invoice' })).items.length === 1, 'the terminated job to leave the list');
    const before = await admin.stats();

    const report = await admin.check({ waitMs: 0 });
    expect(report.ok).toBe(false);
    expect(report.jobs).toMatchObject({ submitted: 11, deadLettered: 4, cancelled: 2, scheduled: 1, unaccounted: 0 });
    expect(report.differences).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ kind: 'deadNow', counted: 5, listed: 4 }),
        expect.objectContaining({ kind: 'deadNowByType', key: 'check.invoice', counted: 2, listed: 1, jobIds: others }),
        expect.objectContaining({ kind: 'deadNowByErrorType', key: 'ValidationError', counted: 2, listed: 1 }),
      ]),
    );
    expect(report.differences.find((d) => d.kind === 'deadNow')?.message).toContain('the dead-letter queue counts 5 job(s) dead now, visibility lists 4');
    expect(report.differences.filter((d) => d.key === 'check.report')).toEqual([]);
    expect(await admin.stats()).toEqual(before);
  });
});

describe('admin.check on a job started outside rebound', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv();
  });
  afterAll(() => env.close());

  it('names the job in no status', async () => {
    const jobId = unique('outside');
    // `temporal workflow start --type jobWorkflow` does this: no JobStatus, and no worker on the queue yet.
    await env.client.workflow.start(jobWorkflowType, { workflowId: jobWorkflowId(jobId), taskQueue: env.config.taskQueue, args: [{}] });
    const admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue });
    const report = await eventually(async () => {
      const r = await admin.check({ waitMs: 0 });
      return r.jobs.submitted === 1 && r;
    }, 'the job to be counted');
    expect(report).toMatchObject({ ok: false, jobs: { submitted: 1, running: 0, unaccounted: 1 } });
    expect(report.differences).toEqual([expect.objectContaining({ kind: 'unaccounted', listed: 1, jobIds: [jobId] })]);
  });
});
