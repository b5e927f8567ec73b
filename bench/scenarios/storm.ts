/**
 * Scenario 6, a dead-letter storm: many jobs dead-lettered as fast as the worker can (5,000 by
 * default, submitted at once). While it lasts, `stats()` is read over and over and timed; after it,
 * the time until the dead-letter queue's `deadNow` equals what visibility lists as dead.
 */
import { performance } from 'node:perf_hooks';
import { createAdmin, deadJobQuery } from '../../src';
import type { ScenarioContext, ScenarioReport } from '../context';
import { check, med, num } from '../format';
import { inLanes, sleep, waitFor } from '../load';
import { percentile, spread } from '../stats';
import { startRebound } from '../systems';
import { defaultRetry, interleaved, pick, withSystem } from './common';

interface StormRun {
  jobs: number;
  submitMs: number;
  /** From the first submit until visibility listed every job dead. */
  stormMs: number;
  /** Dead-letterings per second over the storm. */
  rate: number;
  /** Dead-letterings within the first minute, from visibility. */
  deadInFirstMinute: number;
  statsCalls: number;
  /** stats() calls that threw (counted in the latencies with the time they took). */
  statsErrors: number;
  errorSample?: string;
  statsP50: number;
  statsP95: number;
  statsMax: number;
  /** Largest gap seen during the storm between visibility's dead count and deadNow. */
  maxLag: number;
  /** From the end of the storm until stats().total.deadNow equalled visibility's count. */
  exactAfterMs: number;
}

export async function stormScenario(ctx: ScenarioContext): Promise<ScenarioReport> {
  const jobs = ctx.size('jobs', 1_500, 60);
  const lanes = ctx.size('submitLanes', 50, 20);
  const timeoutMs = ctx.size('timeoutMs', 30 * 60_000, 180_000);
  const reps = ctx.size('reps', Math.min(ctx.options.reps, 1), 1);
  const client = ctx.temporal.client;
  const single = { ...defaultRetry, maximumAttempts: 1 };
  const runs = await interleaved({ ...ctx, options: { ...ctx.options, reps } }, ['rebound'], () =>
    withSystem(
      () => startRebound(ctx),
      async (s): Promise<StormRun> => {
        const admin = createAdmin({ client, taskQueue: s.queue });
        const deadCount = async () => (await client.workflow.count(deadJobQuery(s.queue))).count;
        const t0 = performance.now();
        let stormOver = false;
        const latencies: number[] = [];
        const errors: string[] = [];
        let maxLag = 0;
        let deadInFirstMinute = Number.NaN;
        // Visibility's count at one minute, whether stats() answers or not.
        const minute = setTimeout(() => {
          deadCount().then(
            (n) => (deadInFirstMinute = n),
            () => undefined,
          );
        }, 60_000);
        // Reads stats() back to back, and visibility's count every second, while the storm lasts.
        const watcher = (async () => {
          let lastCount = 0;
          while (!stormOver && performance.now() - t0 < timeoutMs) {
            const t = performance.now();
            try {
              const stats = await admin.stats();
              latencies.push(performance.now() - t);
              if (performance.now() - lastCount >= 1_000) {
                lastCount = performance.now();
                const listed = await deadCount();
                maxLag = Math.max(maxLag, listed - stats.total.deadNow);
              }
            } catch (err) {
              // A call that fails counts with the time it took: that is what an operator waited.
              latencies.push(performance.now() - t);
              errors.push(String(err instanceof Error ? err.message : err).slice(0, 300));
            }
            await sleep(100);
          }
        })();
        const specs = Array.from({ length: jobs }, (_, i) => ({ id: `${s.queue}-${i}`, type: 'bench.doomed', payload: { i, permanent: i % 2 ? 'ValidationError' : 'CardDeclined' }, retry: single }));
        await inLanes(lanes, jobs, t0 + timeoutMs, (i) => s.submit(specs[i]));
        const submitMs = performance.now() - t0;
        const listed = await waitFor(async () => (await deadCount()) >= jobs, Math.max(0, timeoutMs - submitMs), 250);
        const stormMs = performance.now() - t0;
        stormOver = true;
        clearTimeout(minute);
        await watcher;
        if (Number.isNaN(deadInFirstMinute) && stormMs <= 60_000) deadInFirstMinute = jobs;
        const end = performance.now();
        const exact = await waitFor(async () => (await admin.stats()).total.deadNow === (await deadCount()), 300_000, 250);
        if (!Number.isFinite(listed)) ctx.log(`only ${await deadCount()} of ${jobs} dead after ${num(stormMs / 1_000)} s`);
        return {
          jobs,
          submitMs,
          stormMs: Number.isFinite(listed) ? stormMs : Number.NaN,
          rate: (jobs * 1_000) / stormMs,
          deadInFirstMinute,
          statsCalls: latencies.length,
          statsErrors: errors.length,
          errorSample: errors[0],
          statsP50: percentile(latencies, 50),
          statsP95: percentile(latencies, 95),
          statsMax: latencies.length ? Math.max(...latencies) : Number.NaN,
          maxLag,
          exactAfterMs: Number.isFinite(exact) ? performance.now() - end : Number.NaN,
        };
      },
    ),
  );
  const r = runs.rebound;
  const p95 = spread(pick(r, 'statsP95'));
  const exact = spread(pick(r, 'exactAfterMs'));
  return {
    id: 'storm',
    title: 'Dead-letter storm',
    params: { jobs, submitLanes: lanes, reps },
    tables: [
      {
        title: `${num(jobs)} jobs dead-lettered at once (submitted ${lanes} at a time)`,
        columns: ['figure', 'rebound'],
        rows: [
          ['storm: first submit until visibility lists all dead, s', med(spread(pick(r, 'stormMs').map((v) => v / 1_000)), 1)],
          ['dead-letterings per second', med(spread(pick(r, 'rate')), 1)],
          ['dead within the first minute', med(spread(pick(r, 'deadInFirstMinute')))],
          ['stats() during the storm: calls (of which failed)', `${med(spread(pick(r, 'statsCalls')))} (${med(spread(pick(r, 'statsErrors')))})`],
          ['stats() during the storm: p50 / p95 / max ms', `${med(spread(pick(r, 'statsP50')))} / ${med(p95)} / ${med(spread(pick(r, 'statsMax')))}`],
          ['largest gap between visibility and deadNow seen during the storm (at answered stats() calls)', med(spread(pick(r, 'maxLag')))],
          ['deadNow equal to visibility, s after the storm', med(spread(exact.values.map((v) => v / 1_000)), 1)],
        ],
      },
    ],
    targets: [
      check('storm: stats p95 < 1 s during the storm', p95.median, `${med(p95)} ms`, (v) => v < 1_000),
      check('storm: counters exact within 30 s after it', exact.median, `${med(spread(exact.values.map((v) => v / 1_000)), 1)} s`, (v) => v <= 30_000),
    ],
    notes: [
      ...r.filter((x) => x.errorSample).map((x) => `${x.statsErrors} stats() call(s) failed during the storm, e.g.: ${x.errorSample}`),
      `"Within a minute" asks for ${num(jobs / 60, 0)} dead-letterings a second; the table says what the worker managed on this machine.`,
      'stats() is read back to back (100 ms apart) from a separate lane while jobs are submitted and dead-lettered.',
    ],
    data: { runs },
  };
}
