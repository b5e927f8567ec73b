/**
 * A job at the edges a real workload hits: huge error messages, results the server would refuse,
 * numbers out of range, continue-as-new between rounds, trimmed histories, attributes of jobs
 * that recovered, and attempts cut short by a worker shutting down.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAdmin } from '../../src/admin';
import { JobStatus, deadLetterWorkflowId, jobWorkflowId, limits, searchAttributes as sa, statsQuery } from '../../src/contract';
import { InvalidOptionsError, PermanentError } from '../../src/errors';
import { defineJob } from '../../src/jobs';
import { connectWorker } from '../../src/config';
import { createWorker } from '../../src/worker';
import { eventually, quietLogger, rejectionOf, testEnv, unique, type TestEnv } from '../helpers';

const fast = { initialInterval: 1, maximumInterval: 5 };
/** How many times each job id's handler ran, to prove a handler never runs again because of its result. */
const runs = new Map<string, number>();
const ran = (jobId: string) => runs.set(jobId, (runs.get(jobId) ?? 0) + 1);

const loud = defineJob({
  type: 'edge.loud',
  schema: z.object({ size: z.number() }),
  retry: { ...fast, maximumAttempts: 2 },
  async handler(payload) {
    throw new Error(`boom ${'x'.repeat(payload.size)}`);
  },
});

const odd = defineJob({
  type: 'edge.odd-result',
  schema: z.object({ kind: z.enum(['bigint', 'circular', 'huge', 'plain-throw']) }),
  retry: { ...fast, maximumAttempts: 3 },
  async handler(payload, ctx) {
    ran(ctx.jobId);
    if (payload.kind === 'bigint') return { total: 10n };
    if (payload.kind === 'circular') {
      const value: Record<string, unknown> = { name: 'loop' };
      value.self = value;
      return value;
    }
    if (payload.kind === 'plain-throw') throw { code: 'E_QUOTA', detail: 'quota exceeded' };
    return { blob: 'y'.repeat(5 * 1024 * 1024) };
  },
});

const stubborn = defineJob({
  type: 'edge.stubborn',
  retry: { ...fast, maximumAttempts: 120 },
  async handler(_payload, ctx) {
    throw new Error(`not yet (attempt ${ctx.attempt})`);
  },
});

/** Fails its first 12 attempts; a type with no maximum sees it through. */
const persistent = defineJob({
  type: 'edge.persistent',
  retry: { ...fast, maximumAttempts: 'unlimited', jitter: { full: true } },
  async handler(_payload, ctx) {
    if (ctx.attempt <= 12) throw new Error(`still down (attempt ${ctx.attempt})`);
    return { attempt: ctx.attempt };
  },
});

const flaky = defineJob({
  type: 'edge.flaky',
  schema: z.object({ fixed: z.boolean().optional() }),
  retry: { ...fast, maximumAttempts: 1 },
  async handler(payload) {
    if (!payload.fixed) throw new PermanentError('bad input', { type: 'TimeoutError' });
    return 'ok';
  },
});

/** Long attempts, for a worker shutdown to cut short; `sleepMs` on the first attempt only. */
const slow = defineJob({
  type: 'edge.slow',
  schema: z.object({ sleepMs: z.number() }),
  retry: { ...fast, maximumAttempts: 1 },
  heartbeatTimeout: '2s',
  async handler(payload, ctx) {
    ran(ctx.jobId);
    if ((runs.get(ctx.jobId) ?? 0) === 1) await ctx.sleep(payload.sleepMs);
    return { attempt: ctx.attempt };
  },
});

const types = [loud, odd, stubborn, flaky, slow, persistent];

describe.concurrent('a job at the edges', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker(types);
  });
  afterAll(() => env.close());
  const jobs = () => env.jobs(types);

  it('dead-letters a job whose errors are about 1 MB each, with its history readable and the message cut, saying how long it was', async () => {
    const handle = await jobs().submit('edge.loud', { size: 1024 * 1024 }, { jobId: unique('loud') });
    const record = await handle.settled();
    expect(record).toMatchObject({ status: JobStatus.DeadLettered, attempts: 2, totalAttempts: 2, payload: { size: 1024 * 1024 } });
    expect(record.attemptHistory.map((a) => a.outcome)).toEqual(['Failed', 'Failed']);
    expect(record.message!.length).toBeLessThan(limits.messageChars + 100);
    expect(record.message).toContain(`[cut: ${1024 * 1024 + 5} characters in all]`);
    // The operator tools read and change it.
    const admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue, jobs: types });
    expect((await admin.get(handle.jobId)).status).toBe(JobStatus.DeadLettered);
    expect(await admin.cancel([handle.jobId])).toEqual([expect.objectContaining({ ok: true, status: JobStatus.Cancelled })]);
  });

  it.each([
    ['bigint', /cannot be serialised to JSON/],
    ['circular', /cannot be serialised to JSON/],
    ['huge', /too large: \d+ bytes as JSON, over the limit of 262144/],
  ] as const)('ends a job whose result is %s Succeeded, its handler run once, the result replaced by a marker naming the problem', async (kind, problem) => {
    const handle = await jobs().submit('edge.odd-result', { kind }, { jobId: unique(kind) });
    const record = await handle.settled();
    expect(record.status).toBe(JobStatus.Succeeded);
    expect(record.attempts).toBe(1);
    expect(runs.get(handle.jobId)).toBe(1);
    expect((record.result as { reboundOmitted: string }).reboundOmitted).toMatch(problem);
  });

  it('records a thrown plain object as what it says, not [object Object]', async () => {
    const handle = await jobs().submit('edge.odd-result', { kind: 'plain-throw' }, { jobId: unique('plain') });
    const record = await handle.settled();
    expect(record.status).toBe(JobStatus.DeadLettered);
    expect(record.errorType).toBe('NonErrorThrown');
    expect(record.message).toContain('{"code":"E_QUOTA","detail":"quota exceeded"}');
  });

  it.each([
    [{ maximumAttempts: 2147483648 }, "maximumAttempts must be a whole number from 1 to 2147483647, or 'unlimited', got 2147483648"],
    [{ maximumAttempts: 4294967297 }, "maximumAttempts must be a whole number from 1 to 2147483647, or 'unlimited', got 4294967297"],
    [{ backoffCoefficient: Number.POSITIVE_INFINITY }, 'backoffCoefficient must be a number from 1 to 1000, got Infinity'],
    [{ initialInterval: Number.POSITIVE_INFINITY }, 'initialInterval must be a duration from 1 ms to 100 years'],
    [{ maximumInterval: '1000y' }, 'maximumInterval must be a duration from 1 ms to 100 years'],
  ])('refuses the retry option %j with its accepted range, and starts nothing', async (retry, message) => {
    const jobId = unique('range');
    const err = await rejectionOf(jobs().submit('edge.flaky', {}, { jobId, retry: retry as never }));
    expect(err).toBeInstanceOf(InvalidOptionsError);
    expect(err.message).toContain(message);
    await expect(env.client.workflow.getHandle(jobWorkflowId(jobId)).describe()).rejects.toThrow();
  });

  it("retries a job with maximumAttempts 'unlimited' until it succeeds", async () => {
    const handle = await jobs().submit('edge.persistent', {}, { jobId: unique('persistent') });
    expect(await handle.result()).toEqual({ attempt: 13 });
    expect((await handle.status()).attempts).toBe(13);
  });

  it('counts every attempt once when the history is trimmed, keeping the first and the latest', async () => {
    const handle = await jobs().submit('edge.stubborn', {}, { jobId: unique('stubborn') });
    const record = await handle.settled();
    // The round's attempts reach the job in its activity's report, which keeps the first and the latest.
    expect(record).toMatchObject({ status: JobStatus.DeadLettered, attempts: 120, totalAttempts: 120, attemptsDropped: 120 - limits.attemptDetails });
    expect(record.attemptHistory).toHaveLength(limits.attemptDetails);
    expect(record.attemptHistory.slice(0, 3).map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(record.attemptHistory.at(-1)?.attempt).toBe(120);
    const attrs = (await env.client.workflow.getHandle(handle.workflowId).describe()).typedSearchAttributes;
    expect(attrs.get(sa.jobAttempts)).toBe(120);
  });

  it('takes the old error off a job that succeeds after a retry, and records the handler stack in the failure the server keeps', async () => {
    const handle = await jobs().submit('edge.flaky', {}, { jobId: unique('recover') });
    expect((await handle.settled()).status).toBe(JobStatus.DeadLettered);
    const wf = env.client.workflow.getHandle(handle.workflowId);
    await eventually(async () => (await wf.describe()).typedSearchAttributes.get(sa.jobErrorType) === 'TimeoutError', 'the error attribute');
    const history = await wf.fetchHistory();
    const failed = history.events?.find((e) => e.activityTaskFailedEventAttributes)?.activityTaskFailedEventAttributes;
    expect(failed?.failure?.stackTrace).toMatch(/at Object\.handler .*job-edges\.test\.ts/);

    const admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue, jobs: types });
    await admin.retry([handle.jobId], { payload: { fixed: true } });
    expect((await handle.settled()).status).toBe(JobStatus.Succeeded);
    const attrs = (await wf.describe()).typedSearchAttributes;
    expect(attrs.get(sa.jobStatus)).toBe(JobStatus.Succeeded);
    expect(attrs.get(sa.jobErrorType)).toBeUndefined();
    expect(attrs.get(sa.deadLetteredAt)).toBeUndefined();
  });

  it('continues as new between rounds without losing a report to the dead-letter queue', async () => {
    const handle = await jobs().submit('edge.flaky', {}, { jobId: unique('rounds') });
    expect((await handle.settled()).status).toBe(JobStatus.DeadLettered);
    const admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue, jobs: types });
    const firstRun = (await env.client.workflow.getHandle(handle.workflowId).describe()).runId;
    // The test server suggests continue-as-new at 60 events: a dozen rounds pass it.
    for (let round = 2; round <= 12; round++) {
      expect(await admin.retry([handle.jobId])).toEqual([expect.objectContaining({ ok: true })]);
      await eventually(async () => {
        const r = await handle.status();
        return r.round === round && r.status === JobStatus.DeadLettered;
      }, `round ${round} to dead-letter`);
    }
    await admin.retry([handle.jobId], { payload: { fixed: true } });
    const record = await eventually(async () => {
      const r = await handle.status();
      return r.status === JobStatus.Succeeded ? r : undefined;
    }, 'the last round to succeed');
    expect(record.round).toBe(13);
    expect((await env.client.workflow.getHandle(handle.workflowId).describe()).runId).not.toBe(firstRun);
    const dlq = env.client.workflow.getHandle(deadLetterWorkflowId(env.config.taskQueue));
    await eventually(async () => {
      const stats = await dlq.query(statsQuery);
      const c = stats.byType['edge.flaky'];
      return c && c.deadLettered >= 12 && c.retried >= 12 && c.succeededAfterRetry >= 1 ? stats : undefined;
    }, 'the counters of every round');
  });
});

describe('a worker shutting down during an attempt', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv();
  });
  afterAll(() => env.close());

  it('records the attempt as interrupted, does not count it, and the next worker runs it again', async () => {
    const connection = await connectWorker(env.config, quietLogger);
    const worker = await createWorker({ connection, config: env.config, jobs: types, logger: quietLogger, workerOptions: { shutdownGraceTime: '200ms' } });
    const running = worker.run();
    const handle = await env.jobs(types).submit('edge.slow', { sleepMs: 60_000 }, { jobId: unique('slow') });
    await eventually(async () => runs.get(handle.jobId) === 1, 'the first attempt to start');
    worker.shutdown();
    await running;
    await connection.close();

    await env.startWorker(types);
    const record = await handle.settled();
    // One attempt allowed, and the interrupted one did not use it up.
    expect(record).toMatchObject({ status: JobStatus.Succeeded, attempts: 1, totalAttempts: 1, result: { attempt: 1 } });
    expect(record.attemptHistory.map((a) => [a.attempt, a.outcome])).toEqual([
      [1, 'Interrupted'],
      [1, 'Succeeded'],
    ]);
  });
});
