import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidOptionsError, PayloadTooLargeError } from '../../src/errors';
import { defineJob } from '../../src/jobs';
import { JobStatus, jobWorkflowId } from '../../src/contract';
import { rejectionOf, testEnv, unique, type TestEnv } from '../helpers';

/** Handler calls per job id, counted in the handler's closure. */
const calls = new Map<string, number>();

const counted = defineJob({
  type: 'test.counted',
  schema: z.object({ to: z.string().email(), sleepMs: z.number().int().min(0).optional() }),
  retry: { initialInterval: 10, maximumInterval: 50, maximumAttempts: 2 },
  async handler(payload, ctx) {
    calls.set(ctx.jobId, (calls.get(ctx.jobId) ?? 0) + 1);
    if (payload.sleepMs) await ctx.sleep(payload.sleepMs);
    return { sentTo: payload.to };
  },
});

describe.concurrent('submit', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker([counted]);
  });
  afterAll(() => env.close());

  /** Fails unless no workflow exists for `jobId`. */
  async function expectNoWorkflow(jobId: string): Promise<void> {
    const err = await rejectionOf(env.client.workflow.getHandle(jobWorkflowId(jobId)).describe());
    expect(err).toBeInstanceOf(WorkflowNotFoundError);
  }

  it('starts a job that runs its handler and returns the handler’s result', async () => {
    const jobId = unique('ok');
    const handle = await env.jobs([counted]).submit('test.counted', { to: 'a@example.com' }, { jobId });
    expect(handle).toMatchObject({ jobId, workflowId: jobWorkflowId(jobId), created: true });
    expect(handle.runId).toBeTruthy();
    expect(await handle.result()).toEqual({ sentTo: 'a@example.com' });
    expect(calls.get(jobId)).toBe(1);
  });

  it('refuses an unknown type with an UnknownJobTypeError naming it, and starts nothing', async () => {
    const jobId = unique('unknown');
    const err = await rejectionOf(env.jobs([counted]).submit('test.nope', { to: 'a@example.com' }, { jobId }));
    expect(err.name).toBe('UnknownJobTypeError');
    expect(err.message).toContain('"test.nope"');
    expect(err.message).toContain('test.counted');
    await expectNoWorkflow(jobId);
  });

  it('refuses a payload the schema rejects with a PayloadValidationError naming the field, and starts nothing', async () => {
    const jobId = unique('invalid');
    const err = await rejectionOf(env.jobs([counted]).submit('test.counted', { to: 'not an email' }, { jobId }));
    expect(err.name).toBe('PayloadValidationError');
    expect(err.message).toContain('"test.counted"');
    expect(err.message).toMatch(/\bto: /);
    await expectNoWorkflow(jobId);
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses maxAttempts %s with an InvalidOptionsError naming maximumAttempts, and starts nothing', async (maximumAttempts) => {
    const jobId = unique('attempts');
    const err = await rejectionOf(env.jobs([counted]).submit('test.counted', { to: 'a@example.com' }, { jobId, retry: { maximumAttempts } }));
    expect(err.name).toBe('InvalidOptionsError');
    expect(err.message).toMatch(/maximumAttempts/);
    await expectNoWorkflow(jobId);
  });

  it('refuses a 3 MB payload with a PayloadTooLargeError naming its size and the limit, and starts nothing', async () => {
    const jobId = unique('huge');
    const err = await rejectionOf(env.jobs([counted]).submit('test.counted', { to: 'ada@example.com', note: 'x'.repeat(3 * 1024 * 1024) } as never, { jobId }));
    expect(err).toBeInstanceOf(PayloadTooLargeError);
    expect(err.message).toMatch(/is 3145\d{3} bytes as JSON, over the limit of 262144 bytes/);
    await expectNoWorkflow(jobId);
  });

  it('waits for a result from the server alone: the job is not queried while it runs', async () => {
    const jobs = env.jobs([counted]);
    const handle = await jobs.submit('test.counted', { to: 'ada@example.com', sleepMs: 300 }, { jobId: unique('wait') });
    expect(await handle.result()).toEqual({ sentTo: 'ada@example.com' });
    const history = await env.client.workflow.getHandle(handle.workflowId).fetchHistory();
    // A query leaves no event, but the job's history is exactly the success path: nothing else woke it.
    const types = (history.events ?? []).map((e) => e.eventType);
    expect(types.length).toBeLessThanOrEqual(12);
  });

  it.each([0, 6, 10, 2.5])('refuses priority %s, saying the range and which end is first, and starts nothing', async (priority) => {
    const jobId = unique('prio');
    const err = await rejectionOf(env.jobs([counted]).submit('test.counted', { to: 'ada@example.com' }, { jobId, priority }));
    expect(err).toBeInstanceOf(InvalidOptionsError);
    expect(err.message).toContain('priority must be a whole number from 1 (first) to 5 (last)');
    await expectNoWorkflow(jobId);
  });

  it('refuses an empty job id with an InvalidOptionsError naming jobId', async () => {
    const err = await rejectionOf(env.jobs([counted]).submit('test.counted', { to: 'a@example.com' }, { jobId: '' }));
    expect(err.name).toBe('InvalidOptionsError');
    expect(err.message).toMatch(/jobId/);
  });

  it('runs a job id submitted twice while it runs only once, and hands back the same job', async () => {
    const jobId = unique('twice-running');
    const jobs = env.jobs([counted]);
    const first = await jobs.submit('test.counted', { to: 'a@example.com', sleepMs: 500 }, { jobId });
    const second = await jobs.submit('test.counted', { to: 'b@example.com' }, { jobId });
    expect(first.created).toBe(true);
    expect(second.created).toBe(false);
    expect(second.jobId).toBe(jobId);
    expect(second.workflowId).toBe(first.workflowId);
    expect(await second.result()).toEqual({ sentTo: 'a@example.com' });
    expect((await second.status()).payload).toEqual({ to: 'a@example.com', sleepMs: 500 });
    expect(calls.get(jobId)).toBe(1);
  });

  it('runs a job id submitted again after it completed only once, and hands back the completed job', async () => {
    const jobId = unique('twice-done');
    const jobs = env.jobs([counted]);
    const first = await jobs.submit('test.counted', { to: 'a@example.com' }, { jobId });
    expect(await first.result()).toEqual({ sentTo: 'a@example.com' });
    const again = await jobs.submit('test.counted', { to: 'b@example.com' }, { jobId });
    expect(again.created).toBe(false);
    const record = await again.status();
    expect(record.status).toBe(JobStatus.Succeeded);
    expect(record.result).toEqual({ sentTo: 'a@example.com' });
    expect(record.totalAttempts).toBe(1);
    // The latest run of the workflow id is still the first one: nothing new was started.
    expect((await env.client.workflow.getHandle(jobWorkflowId(jobId)).describe()).runId).toBe(first.runId);
    expect(calls.get(jobId)).toBe(1);
  });
});
