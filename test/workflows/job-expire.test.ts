import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobFailedError } from '../../src/errors';
import { defineJob } from '../../src/jobs';
import { JobStatus, searchAttributes as sa } from '../../src/contract';
import { eventually, testEnv, unique, type TestEnv } from '../helpers';

class UpstreamError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UpstreamError';
  }
}

const fail = async (): Promise<never> => {
  throw new UpstreamError('upstream said no');
};

const shortLived = defineJob({
  type: 'test.short-retention',
  retry: { initialInterval: 10, maximumInterval: 50, maximumAttempts: 1 },
  retention: '2s',
  handler: fail,
});

const longLived = defineJob({
  type: 'test.long-retention',
  retry: { initialInterval: 10, maximumInterval: 50, maximumAttempts: 1 },
  retention: '1h',
  handler: fail,
});

const types = [shortLived, longLived];

describe('a dead job’s retention', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker(types);
  });
  afterAll(() => env.close());

  it('expires a parked job once its type’s retention has run out, leaving a job with a longer retention parked', async () => {
    const jobs = env.jobs(types);
    const short = await jobs.submit('test.short-retention', {}, { jobId: unique('short') });
    const long = await jobs.submit('test.long-retention', {}, { jobId: unique('long') });

    const dead = await short.settled();
    expect(dead.status).toBe(JobStatus.DeadLettered);
    expect(Date.parse(dead.expiresAt!) - Date.parse(dead.deadLetteredAt!)).toBe(2_000);
    expect((await long.settled()).status).toBe(JobStatus.DeadLettered);

    const expired = await eventually(async () => {
      const record = await short.status();
      return record.status === JobStatus.Expired ? record : undefined;
    }, 'the short-retention job to expire');
    const expiredAt = expired.timeline.at(-1)!;
    expect(expiredAt.event).toBe('Expired');
    expect(Date.parse(expiredAt.at) - Date.parse(dead.deadLetteredAt!)).toBeGreaterThanOrEqual(2_000);
    expect(expired.errorType).toBe('UpstreamError');

    expect((await short.settled()).status).toBe(JobStatus.Expired);
    await expect(short.result()).rejects.toSatisfy((err: Error) => err instanceof JobFailedError && err.outcome.status === JobStatus.Expired);

    const description = await env.client.workflow.getHandle(short.workflowId).describe();
    expect(description.status.name).toBe('COMPLETED');
    expect(description.typedSearchAttributes.get(sa.jobStatus)).toBe(JobStatus.Expired);

    const stillParked = await long.status();
    expect(stillParked.status).toBe(JobStatus.DeadLettered);
    expect((await env.client.workflow.getHandle(long.workflowId).describe()).status.name).toBe('RUNNING');
    await env.client.workflow.getHandle(long.workflowId).terminate('test cleanup');
  });
});
