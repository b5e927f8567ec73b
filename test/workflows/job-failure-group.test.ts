import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentError } from '../../src/errors';
import { defineJob } from '../../src/jobs';
import { JobStatus } from '../../src/contract';
import { testEnv, unique, type TestEnv } from '../helpers';

/** Fails naming its own job id, as handlers often do. */
const lookup = defineJob({
  type: 'test.lookup',
  retry: { maximumAttempts: 1, initialInterval: 10, maximumInterval: 50 },
  async handler(_payload, ctx) {
    throw new PermanentError(`record for job ${ctx.jobId} not found`, { type: 'NotFound' });
  },
});

describe("a dead job's failure group", () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker([lookup]);
  });
  afterAll(() => env.close());

  it('is the same for failures that differ only in the job ids they name, whatever the ids look like', async () => {
    const jobs = env.jobs([lookup]);
    const ids = [unique('order'), `invoice.${unique('x')}`, crypto.randomUUID()];
    const records = await Promise.all(ids.map(async (jobId) => (await jobs.submit('test.lookup', {}, { jobId })).settled()));
    for (const r of records) expect(r.status).toBe(JobStatus.DeadLettered);
    expect(records.map((r) => r.message)).toEqual(ids.map((id) => `record for job ${id} not found`));
    expect(records[0].failureGroup).toBeTruthy();
    expect(new Set(records.map((r) => r.failureGroup)).size).toBe(1);
  });
});
