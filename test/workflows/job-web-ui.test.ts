/**
 * What the Temporal Web UI shows of a job: its summary in the list, its current details on its
 * page, and the search attributes its filters use.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defineQuery } from '@temporalio/workflow';
import { JobStatus, searchAttributes as sa } from '../../src/contract';
import { deadJobType } from '../fixtures/dead-jobs';
import { testEnv, unique, type TestEnv } from '../helpers';

/** The query the Web UI runs for a workflow's current details. */
const metadataQuery = defineQuery<{ currentDetails?: string }>('__temporal_workflow_metadata');

describe('a job in the Web UI', () => {
  const type = unique('ui');
  const defs = [deadJobType(type)];
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
});
