import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bulkInputProblem, maxBulkInputBytes } from '../src/admin';
import { bulkOperationWorkflowType, type BulkOperationInput } from '../src/shared';
import { testEnv, unique, type TestEnv } from './helpers';

/** A bulk retry of `n` jobs with UUID ids. */
function inputOf(n: number): BulkOperationInput {
  return { operationId: randomUUID(), kind: 'retry', rate: 10, jobs: Array.from({ length: n }, () => ({ jobId: randomUUID(), round: 1 })) };
}

/** The largest selection of UUID-id jobs that stays within the limit. */
function largestFitting(): BulkOperationInput {
  let n = Math.floor(maxBulkInputBytes / 60);
  while (bulkInputProblem(inputOf(n + 500)) === undefined) n += 500;
  return inputOf(n);
}

describe('bulkInputProblem', () => {
  it('accepts a selection that fits', () => {
    expect(bulkInputProblem(inputOf(10))).toBeUndefined();
  });

  it('refuses a selection too large for one operation, naming its size, about how many fit, and what to do', () => {
    const problem = bulkInputProblem(inputOf(40_000));
    expect(problem).toMatch(/^the selection of 40000 jobs is too large for one bulk operation \(about \d+ fit\): narrow it/);
  });
});

describe('a bulk operation at the size limit', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv();
  });
  afterAll(() => env.close());

  it('is accepted by the server', async () => {
    const input = largestFitting();
    expect(input.jobs.length).toBeGreaterThan(20_000);
    // No worker polls this task queue: the server only has to store the input.
    const handle = await env.client.workflow.start(bulkOperationWorkflowType, {
      workflowId: unique('bulk-size'),
      taskQueue: env.config.taskQueue,
      args: [input],
    });
    expect((await handle.describe()).status.name).toBe('RUNNING');
    await handle.terminate('size check done');
  });
});
