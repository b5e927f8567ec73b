/**
 * Fairness keys: `submit(..., { fairnessKey, fairnessWeight })` reach the server as the job's task
 * priority, beside `priority`, and bad ones are refused before anything starts.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../../src/errors';
import { defineJob } from '../../src/jobs';
import { jobWorkflowId } from '../../src/contract';
import { rejectionOf, testEnv, unique, type TestEnv } from '../helpers';

const tenantJob = defineJob({
  type: 'test.tenant-work',
  retry: { initialInterval: 10, maximumInterval: 50, maximumAttempts: 2 },
  async handler(_payload, ctx) {
    return { attempt: ctx.attempt };
  },
});

describe.concurrent('submit with a fairness key', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker([tenantJob]);
  });
  afterAll(() => env.close());

  it('starts the job with its priority, fairness key and weight', async () => {
    const jobId = unique('fair');
    const handle = await env.jobs([tenantJob]).submit('test.tenant-work', {}, { jobId, priority: 2, fairnessKey: 'tenant-a', fairnessWeight: 2.5 });
    expect(await handle.result()).toEqual({ attempt: 1 });
    const workflow = env.client.workflow.getHandle(jobWorkflowId(jobId));
    expect((await workflow.describe()).priority).toEqual({ priorityKey: 2, fairnessKey: 'tenant-a', fairnessWeight: 2.5 });
  });

  it('sends a fairness key alone, leaving the priority to the server', async () => {
    const jobId = unique('fair-key');
    await env.jobs([tenantJob]).submit('test.tenant-work', {}, { jobId, fairnessKey: 'tenant-é' });
    const { priority } = await env.client.workflow.getHandle(jobWorkflowId(jobId)).describe();
    expect(priority).toMatchObject({ fairnessKey: 'tenant-é' });
    // The server reads 0 as unset: the default priority, the default weight.
    expect(priority?.priorityKey || 0).toBe(0);
    expect(priority?.fairnessWeight || 0).toBe(0);
  });

  it('starts a job without them with no fairness key', async () => {
    const jobId = unique('fair-none');
    await env.jobs([tenantJob]).submit('test.tenant-work', {}, { jobId });
    const { priority } = await env.client.workflow.getHandle(jobWorkflowId(jobId)).describe();
    expect(priority?.fairnessKey || '').toBe('');
  });

  it.each([
    [{ fairnessKey: '' }, 'fairnessKey must be a non-empty string of at most 64 bytes'],
    [{ fairnessKey: 'x'.repeat(65) }, '(65 bytes)'],
    // 33 characters, 66 bytes: the limit is in bytes.
    [{ fairnessKey: 'é'.repeat(33) }, '(66 bytes)'],
    [{ fairnessKey: 42 as unknown as string }, 'fairnessKey must be a non-empty string'],
    [{ fairnessKey: 'tenant-a', fairnessWeight: 0 }, 'fairnessWeight must be a positive finite number, got 0'],
    [{ fairnessKey: 'tenant-a', fairnessWeight: -1 }, 'fairnessWeight must be a positive finite number, got -1'],
    [{ fairnessKey: 'tenant-a', fairnessWeight: Number.NaN }, 'got NaN'],
    [{ fairnessKey: 'tenant-a', fairnessWeight: Number.POSITIVE_INFINITY }, 'got Infinity'],
    [{ fairnessKey: 'tenant-a', fairnessWeight: '2' as unknown as number }, 'got "2"'],
    [{ fairnessWeight: 2 }, 'fairnessWeight needs a fairnessKey'],
  ])('refuses %j with an InvalidOptionsError saying what is wrong, and starts nothing', async (options, message) => {
    const jobId = unique('fair-bad');
    const err = await rejectionOf(env.jobs([tenantJob]).submit('test.tenant-work', {}, { jobId, ...options }));
    expect(err).toBeInstanceOf(InvalidOptionsError);
    expect(err.message).toContain(message);
    const missing = await rejectionOf(env.client.workflow.getHandle(jobWorkflowId(jobId)).describe());
    expect(missing).toBeInstanceOf(WorkflowNotFoundError);
  });

  it('names the fairness options among the known ones when one is misspelt', async () => {
    const err = await rejectionOf(env.jobs([tenantJob]).submit('test.tenant-work', {}, { fairnesKey: 'tenant-a' } as never));
    expect(err).toBeInstanceOf(InvalidOptionsError);
    expect(err.message).toContain('did you mean "fairnessKey"');
  });
});
