import { Client, Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAdmin } from '../../src/admin';
import { createJobClient, readJob } from '../../src/client';
import { connectWorker, loadConfig, type ReboundConfig } from '../../src/config';
import { JobStatus } from '../../src/contract';
import { freePort } from '../../src/dev';
import { PermanentError } from '../../src/errors';
import { defineJob } from '../../src/jobs';
import { createWorker } from '../../src/worker';
import { address, eventually, quietLogger, unique } from '../helpers';
import { scrape, valueOf, type Sample } from './scrape';

class FlakyError extends Error {
  override name = 'FlakyError';
}
class BrokenError extends Error {
  override name = 'BrokenError';
}

const quick = { initialInterval: 10, maximumInterval: 50 };
const ok = defineJob({
  type: 'metrics.ok',
  schema: z.object({}),
  async handler(_payload, ctx) {
    await ctx.sleep(70);
    return { ok: true };
  },
});
const flaky = defineJob({
  type: 'metrics.flaky',
  schema: z.object({ failTimes: z.number() }),
  retry: { ...quick, maximumAttempts: 5 },
  async handler(payload, ctx) {
    if (ctx.attempt <= payload.failTimes) throw new FlakyError(`failing attempt ${ctx.attempt}`);
    return { attempt: ctx.attempt };
  },
});
const broken = defineJob({
  type: 'metrics.broken',
  schema: z.object({ fixed: z.boolean().optional() }),
  retry: { ...quick, maximumAttempts: 2 },
  async handler(payload) {
    if (!payload.fixed) throw new BrokenError('broken');
    return 'fixed';
  },
});
const shortLived = defineJob({
  type: 'metrics.short-lived',
  schema: z.object({}),
  retention: '1s',
  async handler() {
    throw new PermanentError('refused', { type: 'Refused' });
  },
});
const defs = [ok, flaky, broken, shortLived];

describe('a worker with config.metrics', () => {
  let connection: Connection;
  let workerConnection: NativeConnection;
  let stop: () => Promise<void>;
  let url: string;
  let metricsAddress: string;
  let config: ReboundConfig;

  beforeAll(async () => {
    metricsAddress = `127.0.0.1:${await freePort()}`;
    // As REBOUND_METRICS_ADDRESS gives it: connectWorker readies the SDK's metrics, createWorker serves them with rebound's.
    config = loadConfig({ address: address(), taskQueue: unique('metrics') }, { REBOUND_METRICS_ADDRESS: metricsAddress });
    workerConnection = await connectWorker(config, quietLogger);
    const worker = await createWorker({ connection: workerConnection, config, jobs: defs, logger: quietLogger });
    const running = worker.run();
    stop = async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    };
    url = `http://${metricsAddress}/metrics`;
    connection = await Connection.connect({ address: config.address });
  });
  afterAll(async () => {
    await stop?.();
    await workerConnection?.close();
    await connection?.close();
  });

  it('counts jobs, attempts, failures, durations and dead jobs as they happened, beside the SDK’s metrics', async () => {
    const client = new Client({ connection });
    const jobs = createJobClient({ client, jobs: defs, taskQueue: config.taskQueue });
    const admin = createAdmin({ client, taskQueue: config.taskQueue, jobs: defs });
    const tq = { task_queue: config.taskQueue };
    const type = (t: string) => ({ ...tq, job_type: t });

    const handles = await Promise.all([
      ...[1, 2, 3].map(() => jobs.submit('metrics.ok', {})),
      jobs.submit('metrics.flaky', { failTimes: 2 }),
      jobs.submit('metrics.broken', {}, { jobId: unique('broken-a') }),
      jobs.submit('metrics.broken', {}, { jobId: unique('broken-b') }),
      jobs.submit('metrics.short-lived', {}),
    ]);
    const settled = await Promise.all(handles.map((h) => h.settled()));
    expect(settled.slice(0, 6).map((r) => r.status)).toEqual([...Array(4).fill(JobStatus.Succeeded), ...Array(2).fill(JobStatus.DeadLettered)]);
    // Kept dead for one second only: by the time its wait reads it, it may have expired.
    expect([JobStatus.DeadLettered, JobStatus.Expired]).toContain(settled[6].status);

    // Two broken jobs are dead now (the short-lived one may have expired already).
    await eventually(async () => valueOf((await scrape(url)).samples, 'rebound_dead_jobs', type('metrics.broken')) === 2, 'two dead broken jobs in the gauge');

    const [a, b] = [handles[4].jobId, handles[5].jobId];
    await admin.retry([a], { payload: { fixed: true } });
    await admin.cancel([b]);
    await eventually(async () => (await readJob(client, a)).status === JobStatus.Succeeded, 'the retried job to succeed');
    await eventually(async () => (await readJob(client, handles[6].jobId)).status === JobStatus.Expired, 'the short-lived job to expire', 30_000);

    const expected: [string, Record<string, string>, number][] = [
      ['rebound_jobs_started_total', type('metrics.ok'), 3],
      ['rebound_jobs_started_total', type('metrics.flaky'), 1],
      ['rebound_jobs_started_total', type('metrics.broken'), 2],
      ['rebound_attempts_total', type('metrics.ok'), 3],
      ['rebound_attempts_total', type('metrics.flaky'), 3],
      ['rebound_attempts_total', type('metrics.broken'), 5],
      ['rebound_attempts_total', type('metrics.short-lived'), 1],
      ['rebound_attempt_failures_total', { ...type('metrics.flaky'), error_type: 'FlakyError' }, 2],
      ['rebound_attempt_failures_total', { ...type('metrics.broken'), error_type: 'BrokenError' }, 4],
      ['rebound_attempt_failures_total', { ...type('metrics.short-lived'), error_type: 'Refused' }, 1],
      ['rebound_jobs_succeeded_total', type('metrics.ok'), 3],
      ['rebound_jobs_succeeded_total', type('metrics.flaky'), 1],
      ['rebound_jobs_succeeded_total', type('metrics.broken'), 1],
      ['rebound_jobs_dead_lettered_total', { ...type('metrics.broken'), error_type: 'BrokenError' }, 2],
      ['rebound_jobs_dead_lettered_total', { ...type('metrics.short-lived'), error_type: 'Refused' }, 1],
      ['rebound_jobs_retried_total', type('metrics.broken'), 1],
      ['rebound_jobs_succeeded_after_retry_total', type('metrics.broken'), 1],
      ['rebound_jobs_cancelled_total', type('metrics.broken'), 1],
      ['rebound_jobs_expired_total', type('metrics.short-lived'), 1],
      ['rebound_dead_jobs', type('metrics.broken'), 0],
      ['rebound_dead_jobs', type('metrics.short-lived'), 0],
      ['rebound_attempt_duration_seconds_count', { ...type('metrics.ok'), outcome: 'succeeded' }, 3],
      ['rebound_attempt_duration_seconds_count', { ...type('metrics.flaky'), outcome: 'failed' }, 2],
      ['rebound_attempt_duration_seconds_count', { ...type('metrics.flaky'), outcome: 'succeeded' }, 1],
    ];
    const actual = (samples: Sample[]) => expected.map(([name, labels]) => [name, labels, valueOf(samples, name, labels)]);
    let last: Sample[] = [];
    // The reports to the dead-letter queue (and so their counters) trail the jobs by a moment.
    await eventually(async () => {
      last = (await scrape(url)).samples;
      return JSON.stringify(actual(last)) === JSON.stringify(expected);
    }, 'the metrics to match what happened').catch(() => expect(actual(last)).toEqual(expected));

    // Each ok attempt slept 70 ms (a timer may fire a fraction of a millisecond early as the histogram's clock sees it):
    // at least 60 ms each, and none in the 50 ms bucket.
    expect(valueOf(last, 'rebound_attempt_duration_seconds_sum', { ...type('metrics.ok'), outcome: 'succeeded' })).toBeGreaterThanOrEqual(0.18);
    expect(valueOf(last, 'rebound_attempt_duration_seconds_bucket', { ...type('metrics.ok'), outcome: 'succeeded', le: '0.05' })).toBe(0);
    expect(valueOf(last, 'rebound_attempt_duration_seconds_bucket', { ...type('metrics.ok'), outcome: 'succeeded', le: '+Inf' })).toBe(3);
  });

  it('serves the SDK’s metrics and Node’s process metrics on the same endpoint', async () => {
    const { text, samples, contentType } = await scrape(url);
    expect(contentType).toMatch(/^text\/plain; version=0.0.4/);
    expect(samples.some((s) => s.name.startsWith('temporal_') && s.labels.task_queue === config.taskQueue), text.slice(0, 2_000)).toBe(true);
    expect(samples.some((s) => s.name === 'process_cpu_user_seconds_total')).toBe(true);
    expect((await fetch(`http://${metricsAddress}/`)).status).toBe(404);
  });
});
