import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { PermanentError } from '../../src/errors';
import { defineJob } from '../../src/jobs';
import { JobStatus } from '../../src/contract';
import { testEnv, unique, type TestEnv } from '../helpers';

class FlakyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'FlakyError';
  }
}

const flaky = defineJob({
  type: 'test.flaky',
  schema: z.object({ failTimes: z.number().int().min(0), fixed: z.boolean().optional() }),
  retry: { initialInterval: 200, backoffCoefficient: 2, maximumInterval: '5s', maximumAttempts: 5, jitter: { ratio: 0.2 } },
  heartbeatTimeout: '5s',
  async handler(payload, ctx) {
    if (!payload.fixed && ctx.attempt <= payload.failTimes) throw new FlakyError(`flaky failure on attempt ${ctx.attempt}`);
    return { done: true, attempt: ctx.attempt };
  },
});

const broken = defineJob({
  type: 'test.broken',
  schema: z.object({ permanent: z.boolean().optional(), fixed: z.boolean().optional() }),
  retry: { initialInterval: 10, maximumInterval: 50, maximumAttempts: 3 },
  retention: '2s',
  async handler(payload) {
    if (payload.fixed) return 'fixed';
    if (payload.permanent) throw new PermanentError('bad input', { type: 'ValidationError' });
    throw new FlakyError('always fails');
  },
});

describe('jobWorkflow', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker([flaky, broken]);
  });
  afterAll(() => env.close());

  it('retries a transient failure with jittered exponential backoff, then succeeds', async () => {
    const jobs = env.jobs([flaky, broken]);
    const handle = await jobs.submit('test.flaky', { failTimes: 2 }, { jobId: unique('flaky') });
    expect(await handle.result()).toEqual({ done: true, attempt: 3 });
    const record = await handle.status();
    expect(record.status).toBe(JobStatus.Succeeded);
    expect(record.attempts).toBe(3);
    const history = record.attemptHistory;
    expect(history.map((a) => a.outcome)).toEqual(['Failed', 'Failed', 'Succeeded']);
    expect(history[0].errorType).toBe('FlakyError');
    const [first, second] = history.map((a) => a.nextDelayMs!);
    expect(first).toBeGreaterThanOrEqual(200 * 0.8);
    expect(first).toBeLessThanOrEqual(200 * 1.2);
    expect(second).toBeGreaterThanOrEqual(400 * 0.8);
    expect(second).toBeLessThanOrEqual(400 * 1.2);
    for (let i = 1; i < history.length; i++) {
      const waited = Date.parse(history[i].startedAt!) - Date.parse(history[i - 1].endedAt!);
      expect(waited).toBeGreaterThanOrEqual(history[i - 1].nextDelayMs!);
    }
  });

  it.each([
    ['equal', { equal: true }, [100, 200], [200, 400]],
    ['full', { full: true }, [1, 200], [1, 400]],
    ['max', { max: 100 }, [200, 300], [400, 500]],
  ] as const)('keeps %s jitter within its bounds, and waits each delay before the next attempt', async (_kind, jitter, firstBounds, secondBounds) => {
    const jobs = env.jobs([flaky, broken]);
    const handle = await jobs.submit('test.flaky', { failTimes: 2 }, { jobId: unique('jitter'), retry: { initialInterval: 200, backoffCoefficient: 2, maximumInterval: 10_000, jitter } });
    expect(await handle.result()).toEqual({ done: true, attempt: 3 });
    const history = (await handle.status()).attemptHistory;
    const [first, second] = history.map((a) => a.nextDelayMs!);
    expect(first).toBeGreaterThanOrEqual(firstBounds[0]);
    expect(first).toBeLessThanOrEqual(firstBounds[1]);
    expect(second).toBeGreaterThanOrEqual(secondBounds[0]);
    expect(second).toBeLessThanOrEqual(secondBounds[1]);
    for (let i = 1; i < history.length; i++) {
      expect(Date.parse(history[i].startedAt!) - Date.parse(history[i - 1].endedAt!)).toBeGreaterThanOrEqual(history[i - 1].nextDelayMs!);
    }
  });

  it('dead-letters after exactly maxAttempts attempts', async () => {
    const jobs = env.jobs([flaky, broken]);
    const handle = await jobs.submit('test.broken', {}, { jobId: unique('dead') });
    const record = await handle.settled();
    expect(record.status).toBe(JobStatus.DeadLettered);
    expect(record.attempts).toBe(3);
    expect(record.attemptHistory).toHaveLength(3);
    expect(record.errorType).toBe('FlakyError');
    expect(record.deadLetteredAt).toBeTruthy();
  });

  it('dead-letters a permanent error after one attempt, with its error type and stack', async () => {
    const jobs = env.jobs([flaky, broken]);
    const record = await (await jobs.submit('test.broken', { permanent: true }, { jobId: unique('permanent') })).settled();
    expect(record.status).toBe(JobStatus.DeadLettered);
    expect(record.attempts).toBe(1);
    expect(record.attemptHistory).toHaveLength(1);
    expect(record.attemptHistory[0]).toMatchObject({ outcome: 'Failed', errorType: 'ValidationError', message: 'bad input', nonRetryable: true });
    expect(record.attemptHistory[0].stack).toContain('bad input');
    expect(record.errorType).toBe('ValidationError');
  });

  it('dead-letters after one attempt an error whose type the submit marks non-retryable', async () => {
    const jobs = env.jobs([flaky, broken]);
    const handle = await jobs.submit('test.broken', {}, { jobId: unique('nonretryable'), retry: { nonRetryableErrorTypes: ['FlakyError'] } });
    const record = await handle.settled();
    expect(record.status).toBe(JobStatus.DeadLettered);
    expect(record.attempts).toBe(1);
    expect(record.errorType).toBe('FlakyError');
  });
});
