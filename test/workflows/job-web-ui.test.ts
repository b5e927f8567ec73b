/**
 * What the Temporal Web UI shows of a job: its summary in the list, its current details on its
 * page, and the search attributes its filters use.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineQuery } from '@temporalio/workflow';
import { defineJob } from '../../src/jobs';
import { JobStatus, searchAttributes as sa } from '../../src/contract';
import { deadJobType } from '../fixtures/dead-jobs';
import { eventually, testEnv, unique, type TestEnv } from '../helpers';

/** Fails its first attempt, then waits a long minute before the next one. */
const patient = defineJob({
  type: 'ui.patient',
  retry: { initialInterval: '1m', maximumInterval: '1m', maximumAttempts: 3, jitter: { ratio: 0 } },
  async handler(_payload, ctx) {
    if (ctx.attempt === 1) throw new Error('mail server said 451, try later');
    return 'sent';
  },
});

/** The query the Web UI runs for a workflow's current details. */
const metadataQuery = defineQuery<{ currentDetails?: string }>('__temporal_workflow_metadata');

describe('a job in the Web UI', () => {
  const type = unique('ui');
  const defs = [deadJobType(type), patient];
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker(defs);
  });
  afterAll(() => env.close());

  it('is summarised as "<type> <jobId>", and once dead says what failed, how often, and carries the attributes its filters use', async () => {
    const handle = await env.jobs(defs).submit(type, { error: 'timeout', ms: 1203 }, { jobId: unique('ui-job') });
    const record = await handle.settled();
    expect(record.status).toBe(JobStatus.DeadLettered);

    const workflow = env.client.workflow.getHandle(handle.workflowId);
    const description = await workflow.describe();
    expect(await description.staticSummary()).toBe(`${type} ${handle.jobId}`);
    const attrs = description.typedSearchAttributes;
    expect(attrs.get(sa.jobType)).toBe(type);
    expect(attrs.get(sa.jobStatus)).toBe(JobStatus.DeadLettered);
    expect(attrs.get(sa.jobErrorType)).toBe('TimeoutError');
    expect(attrs.get(sa.jobAttempts)).toBe(1);
    expect(attrs.get(sa.deadLetteredAt)?.toISOString()).toBe(record.deadLetteredAt);
    expect(attrs.get(sa.jobFailureGroup)).toBe(record.failureGroup);

    const { currentDetails } = await workflow.query(metadataQuery);
    expect(currentDetails).toContain('Dead-lettered');
    expect(currentDetails).toContain('TimeoutError');
    expect(currentDetails).toContain('timeout after 1203 ms');
  });

  it('says, while a job waits for its next attempt, which attempt failed, with what, and when the next one runs', async () => {
    const handle = await env.jobs(defs).submit('ui.patient', {}, { jobId: unique('ui-wait') });
    const workflow = env.client.workflow.getHandle(handle.workflowId);
    const details = await eventually(async () => {
      const { currentDetails } = await workflow.query(metadataQuery);
      return currentDetails?.includes('Waiting to retry') ? currentDetails : undefined;
    }, 'the waiting details');
    expect(details).toContain('attempt 1 of 3 failed');
    expect(details).toContain('mail server said 451, try later');
    const next = /Next attempt at (\S+)\./.exec(details)?.[1];
    expect(Date.parse(next!) - Date.now()).toBeGreaterThan(30_000);
    await workflow.terminate('test done');
  });

  it('labels the timers of a parked job', async () => {
    const handle = await env.jobs(defs).submit(type, { error: 'timeout' }, { jobId: unique('ui-timer') });
    expect((await handle.settled()).status).toBe(JobStatus.DeadLettered);
    const history = await env.client.workflow.getHandle(handle.workflowId).fetchHistory();
    const timers = (history.events ?? []).filter((e) => e.timerStartedEventAttributes);
    expect(timers.length).toBeGreaterThan(0);
    const summaries = timers.map((e) => e.userMetadata?.summary?.data && Buffer.from(e.userMetadata.summary.data).toString());
    expect(summaries.join(' ')).toMatch(/dead-lettered: (expiry warning|expires), unless retried or cancelled/);
  });
});
