/**
 * Scenario 2, the failure mix: 70% of jobs succeed, 20% fail twice then succeed, 10% fail three
 * times and are given up (rebound dead-letters them, raw Temporal fails the workflow, BullMQ moves
 * them to its failed set). All are submitted at once; the figure is the time until the system
 * counts every job settled. BullMQ runs twice: on Redis as it ships, and on Redis with an
 * append-only file synced every second, which is closer to the durability of the others.
 */
import type { ScenarioContext, ScenarioReport } from '../context';
import { check, med, times } from '../format';
import type { BenchPayload } from '../handler';
import { spread } from '../stats';
import { startBull, startRaw, startRebound, type System } from '../systems';
import { defaultRetry, drainRun, interleaved, jobSpecs, pick, ratios, withSystem, type DrainRun } from './common';

/** Job i of the mix: 7 in 10 succeed, 2 fail twice first, 1 fails every attempt. */
export function mixPayload(i: number): BenchPayload {
  const k = i % 10;
  return k < 7 ? { i } : k < 9 ? { i, failTimes: 2 } : { i, failTimes: 99 };
}

export async function failureMixScenario(ctx: ScenarioContext): Promise<ScenarioReport> {
  const jobs = ctx.size('jobs', 400, 60);
  const lanes = ctx.size('submitLanes', 50, 20);
  const warmup = ctx.size('warmup', 10, 3);
  const timeoutMs = ctx.size('timeoutMs', 900_000, 120_000);
  const open: Record<string, { label: string; open: () => Promise<System> }> = {
    rebound: { label: 'rebound', open: () => startRebound(ctx) },
    raw: { label: 'raw Temporal', open: () => startRaw(ctx) },
  };
  if (ctx.redis) {
    const redis = ctx.redis;
    open.bullmq = { label: 'BullMQ (Redis as shipped)', open: () => startBull(ctx, redis.plain, { name: 'BullMQ' }) };
    open['bullmq-aof'] = { label: 'BullMQ (Redis AOF everysec)', open: () => startBull(ctx, redis.aof, { name: 'BullMQ + AOF' }) };
  }
  const names = Object.keys(open);
  const runs = await interleaved(ctx, names, (name) =>
    withSystem(open[name].open, async (s): Promise<DrainRun> => {
      await drainRun(s, jobSpecs(s, warmup, mixPayload, defaultRetry, undefined, 'warm-'), lanes, timeoutMs);
      return drainRun(s, jobSpecs(s, jobs, mixPayload), lanes, timeoutMs);
    }),
  );
  const vs = (other: string) => spread(ratios(pick(runs.rebound, 'drainMs'), pick(runs[other] ?? [], 'drainMs')));
  const raw = vs('raw');
  return {
    id: 'failure-mix',
    title: 'Failure mix: drain time',
    params: { jobs, submitLanes: lanes, warmup, reps: ctx.options.reps, mix: '70% succeed, 20% fail twice then succeed, 10% fail 3 times (given up)', retry: defaultRetry },
    tables: [
      {
        title: `${jobs} jobs (70% succeed, 20% fail twice then succeed, 10% given up after 3 attempts), submitted ${lanes} at a time`,
        columns: ['system', 'drain s', 'jobs/s', 'submit s', 'worker CPU ms/job', 'server CPU ms/job', 'rebound drain / this'],
        rows: names.map((n) => [
          open[n].label,
          med(spread(pick(runs[n], 'drainMs').map((v) => v / 1_000)), 1),
          med(spread(pick(runs[n], 'throughput')), 1),
          med(spread(pick(runs[n], 'submitMs').map((v) => v / 1_000)), 1),
          med(spread(pick(runs[n], 'workerMsPerJob')), 2),
          med(spread(pick(runs[n], 'serverMsPerJob')), 2),
          n === 'rebound' ? '' : times(vs(n)),
        ]),
        note: 'server CPU: the Temporal dev server for rebound and raw Temporal, redis-server for BullMQ',
      },
    ],
    targets: [check('failure mix: rebound drain ≤ 1.1x raw Temporal', raw.median, times(raw), (v) => v <= 1.1)],
    notes: [
      `Retry policy everywhere: ${defaultRetry.maximumAttempts} attempts, first retry after ${defaultRetry.initialIntervalMs} ms, doubling (BullMQ: \`backoff: { type: 'exponential', delay: ${defaultRetry.initialIntervalMs} }\`); rebound without jitter. Handlers do no work of their own.`,
      'Drain time is from the first submit until the system\'s own count (visibility count for Temporal, `getJobCounts` for BullMQ, polled every 200 ms) reaches every job. BullMQ workers run 100 jobs at once, as many as a Temporal worker\'s default activity slots.',
    ],
    data: { runs },
  };
}
