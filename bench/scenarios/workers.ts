/**
 * Scenario 7, one and two worker processes: the success path of scenario 1 (rebound, awaited with
 * `handle.result()`) with one rebound worker process and with two.
 */
import type { ScenarioContext, ScenarioReport } from '../context';
import { med, times } from '../format';
import { spread } from '../stats';
import { startRebound } from '../systems';
import { interleaved, laneRun, pick, ratios, withSystem } from './common';

export async function workersScenario(ctx: ScenarioContext): Promise<ScenarioReport> {
  const jobs = ctx.size('jobs', 200, 20);
  const inFlight = ctx.size('inFlight', 50, 10);
  const warmup = ctx.size('warmup', 10, 3);
  const timeoutMs = ctx.size('timeoutMs', 600_000, 120_000);
  const counts: Record<string, number> = { '1 worker': 1, '2 workers': 2 };
  const names = Object.keys(counts);
  const runs = await interleaved(ctx, names, (name) =>
    withSystem(
      () => startRebound(ctx, { workers: counts[name] }),
      (s) => laneRun(s, { jobs, inFlight, warmup, timeoutMs, payload: (i) => ({ i }) }),
    ),
  );
  const scale = spread(ratios(pick(runs['2 workers'], 'throughput'), pick(runs['1 worker'], 'throughput')));
  return {
    id: 'workers',
    title: 'One and two rebound worker processes',
    params: { jobs, inFlight, warmup, reps: ctx.options.reps },
    tables: [
      {
        title: `Success path (${jobs} jobs, ${inFlight} in flight, handle.result()) with one and two worker processes`,
        columns: ['workers', 'jobs/s', 'p50 ms', 'p99 ms', 'worker CPU ms/job (all)', 'server CPU ms/job', 'worker RSS MiB (all)'],
        rows: [
          ...names.map((n) => [
            n,
            med(spread(pick(runs[n], 'throughput')), 1),
            med(spread(pick(runs[n], 'p50Ms'))),
            med(spread(pick(runs[n], 'p99Ms'))),
            med(spread(pick(runs[n], 'workerMsPerJob')), 2),
            med(spread(pick(runs[n], 'serverMsPerJob')), 2),
            med(spread(pick(runs[n], 'workerRssMb'))),
          ]),
          ['2 / 1', times(scale), '', '', '', '', ''],
        ],
      },
    ],
    targets: [],
    notes: ['The machine has 2 cores shared by the dev server, the workers and the load generator: a second worker process can add little here.'],
    data: { runs },
  };
}
