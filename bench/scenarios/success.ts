/**
 * Scenario 1, the success path against raw Temporal: jobs that succeed at once, a fixed number in
 * flight, each submitted and awaited. Also what parking a dead job costs beside succeeding one, and
 * the history events a job leaves (succeeded, failed twice then succeeded, dead after 3 attempts).
 */
import { createAdmin, jobWorkflowId } from '../../src';
import type { ScenarioContext, ScenarioReport, Table } from '../context';
import { check, med, num, times } from '../format';
import { historySize, settledHistoryLength, type HistorySize } from '../histories';
import { waitFor } from '../load';
import { spread } from '../stats';
import { startRaw, startRebound, type System } from '../systems';
import { defaultRetry, drainRun, interleaved, jobSpecs, laneRun, pick, ratios, withSystem, type DrainRun, type LaneRun } from './common';

const systems: Record<string, { label: string; open: (ctx: ScenarioContext) => Promise<System> }> = {
  raw: { label: 'raw Temporal', open: (ctx) => startRaw(ctx) },
  rebound: { label: 'rebound, awaited with handle.result()', open: (ctx) => startRebound(ctx, { wait: 'result' }) },
  'rebound-wf': { label: "rebound, awaited with the job workflow's result", open: (ctx) => startRebound(ctx, { wait: 'workflow-result' }) },
};

function laneTable(title: string, names: string[], runs: Record<string, LaneRun[]>, labels: Record<string, string>): Table {
  return {
    title,
    columns: ['system', 'jobs/s', 'p50 ms', 'p99 ms', 'worker CPU ms/job', 'server CPU ms/job', 'worker RSS MiB', 'not ended'],
    rows: names.map((n) => [
      labels[n],
      med(spread(pick(runs[n], 'throughput')), 1),
      med(spread(pick(runs[n], 'p50Ms'))),
      med(spread(pick(runs[n], 'p99Ms'))),
      med(spread(pick(runs[n], 'workerMsPerJob')), 2),
      med(spread(pick(runs[n], 'serverMsPerJob')), 2),
      med(spread(pick(runs[n], 'workerRssMb'))),
      String(runs[n].reduce((s, r) => s + r.errors, 0)),
    ]),
  };
}

interface ParkRun extends DrainRun {
  /** From the first submit until the dead-letter queue counted every dead job; NaN for succeeding jobs. */
  countedMs: number;
}

/** Histories of one job of each kind, for one system. */
async function histories(ctx: ScenarioContext, system: System, kind: 'raw' | 'rebound'): Promise<Record<string, HistorySize>> {
  const kinds = {
    success: { failTimes: 0 },
    'fails twice, then succeeds': { failTimes: 2 },
    'dead after 3 attempts': { failTimes: 99 },
  };
  const out: Record<string, HistorySize> = {};
  for (const [name, payload] of Object.entries(kinds)) {
    const id = `${system.queue}-history-${name.replace(/\W+/g, '-')}`;
    await system.run({ id, payload: { i: 0, ...payload }, retry: defaultRetry });
    const workflowId = kind === 'raw' ? `raw-${id}` : jobWorkflowId(id);
    // A dead job keeps running (parked): wait until its report to the dead-letter queue is in.
    if (kind === 'rebound') await settledHistoryLength(ctx.temporal.client, workflowId);
    out[name] = await historySize(ctx.temporal.client, workflowId);
  }
  return out;
}

/** The events that tell histories apart: workflow tasks, activities, signals, timers, attribute and memo updates. */
function eventSummary(h: HistorySize): string {
  const n = (t: string) => h.byType[t] ?? 0;
  const parts: [string, number][] = [
    ['workflow tasks', n('WORKFLOW_TASK_COMPLETED')],
    ['activities', n('ACTIVITY_TASK_SCHEDULED')],
    ['signals', n('WORKFLOW_EXECUTION_SIGNALED')],
    ['timers', n('TIMER_STARTED')],
    ['search attribute upserts', n('UPSERT_WORKFLOW_SEARCH_ATTRIBUTES')],
    ['memo updates', n('WORKFLOW_PROPERTIES_MODIFIED')],
  ];
  return parts
    .filter(([, c]) => c > 0)
    .map(([name, c]) => `${name} ${c}`)
    .join(', ');
}

export async function successScenario(ctx: ScenarioContext): Promise<ScenarioReport> {
  const jobs = ctx.size('jobs', 200, 20);
  const inFlight = ctx.size('inFlight', 50, 10);
  const warmup = ctx.size('warmup', 10, 3);
  const timeoutMs = ctx.size('timeoutMs', 600_000, 120_000);
  // The quick smoke check leaves out the second way of awaiting rebound: it runs no code of its own.
  const names = Object.keys(systems).filter((n) => !(ctx.options.quick && n === 'rebound-wf'));
  const labels = Object.fromEntries(names.map((n) => [n, systems[n].label]));

  const runs = await interleaved(ctx, names, (name) =>
    withSystem(
      () => systems[name].open(ctx),
      (s) => laneRun(s, { jobs, inFlight, warmup, timeoutMs, payload: (i) => ({ i }) }),
    ),
  );

  // Parking a dead job against succeeding one: the same drain of single-attempt jobs.
  const singleAttempt = { ...defaultRetry, maximumAttempts: 1 };
  const park = await interleaved(ctx, ['succeed', 'dead-letter'], (name) =>
    withSystem(
      () => startRebound(ctx, { name }),
      async (s): Promise<ParkRun> => {
        const dead = name === 'dead-letter';
        const payload = (i: number) => (dead ? { i, permanent: 'ValidationError' } : { i });
        const type = dead ? 'bench.doomed' : 'bench.work';
        const admin = createAdmin({ client: ctx.temporal.client, taskQueue: s.queue });
        await drainRun(s, jobSpecs(s, warmup, payload, singleAttempt, type, 'warm-'), inFlight, timeoutMs);
        const start = Date.now();
        const d = await drainRun(s, jobSpecs(s, jobs, payload, singleAttempt, type), inFlight, timeoutMs);
        let countedMs = Number.NaN;
        if (dead) {
          const waited = await waitFor(async () => (await admin.stats()).total.deadNow >= jobs + warmup, timeoutMs, 250);
          if (Number.isFinite(waited)) countedMs = Date.now() - start;
        }
        return { ...d, countedMs };
      },
    ),
  );

  ctx.log('histories');
  const raw = await withSystem(() => startRaw(ctx), (s) => histories(ctx, s, 'raw'));
  const rebound = await withSystem(() => startRebound(ctx), (s) => histories(ctx, s, 'rebound'));

  const throughputRatio = spread(ratios(pick(runs.rebound, 'throughput'), pick(runs.raw, 'throughput')));
  const p50Ratio = spread(ratios(pick(runs.rebound, 'p50Ms'), pick(runs.raw, 'p50Ms')));
  const p99Ratio = spread(ratios(pick(runs.rebound, 'p99Ms'), pick(runs.raw, 'p99Ms')));
  const cpuRatio = spread(ratios(pick(runs.rebound, 'workerMsPerJob'), pick(runs.raw, 'workerMsPerJob')));
  const serverRatio = spread(ratios(pick(runs.rebound, 'serverMsPerJob'), pick(runs.raw, 'serverMsPerJob')));
  const wfRuns = runs['rebound-wf'] ?? [];
  const wf = {
    throughput: spread(ratios(pick(wfRuns, 'throughput'), pick(runs.raw, 'throughput'))),
    p50: spread(ratios(pick(wfRuns, 'p50Ms'), pick(runs.raw, 'p50Ms'))),
    p99: spread(ratios(pick(wfRuns, 'p99Ms'), pick(runs.raw, 'p99Ms'))),
    cpu: spread(ratios(pick(wfRuns, 'workerMsPerJob'), pick(runs.raw, 'workerMsPerJob'))),
    server: spread(ratios(pick(wfRuns, 'serverMsPerJob'), pick(runs.raw, 'serverMsPerJob'))),
  };
  const parkTime = spread(ratios(pick(park['dead-letter'], 'drainMs'), pick(park.succeed, 'drainMs')));
  const parkCpu = spread(ratios(pick(park['dead-letter'], 'workerMsPerJob'), pick(park.succeed, 'workerMsPerJob')));
  const parkServer = spread(ratios(pick(park['dead-letter'], 'serverMsPerJob'), pick(park.succeed, 'serverMsPerJob')));

  const historyKinds = Object.keys(raw);
  return {
    id: 'success',
    title: 'Success path against raw Temporal',
    params: { jobs, inFlight, warmup, reps: ctx.options.reps, retry: defaultRetry, workerLogLevel: ctx.logLevel },
    tables: [
      laneTable(`${jobs} jobs that succeed at once, ${inFlight} in flight, each submitted then awaited`, names, runs, labels),
      {
        title: 'rebound / raw Temporal, within each repetition',
        columns: ['figure', 'rebound (handle.result())', 'rebound (workflow result)'],
        rows: [
          ['throughput', times(throughputRatio), times(wf.throughput)],
          ['p50 latency', times(p50Ratio), times(wf.p50)],
          ['p99 latency', times(p99Ratio), times(wf.p99)],
          ['worker CPU per job', times(cpuRatio), times(wf.cpu)],
          ['server CPU per job', times(serverRatio), times(wf.server)],
        ],
      },
      {
        title: `Parking a dead job against succeeding one: ${jobs} single-attempt jobs submitted ${inFlight} at a time, drained`,
        columns: ['jobs', 'drain s', 'jobs/s', 'worker CPU ms/job', 'server CPU ms/job', 'dead-letter queue counted all, s'],
        rows: [
          ...(['succeed', 'dead-letter'] as const).map((n) => [
            n === 'succeed' ? 'succeed at once' : 'dead-letter at once (PermanentError)',
            med(spread(pick(park[n], 'drainMs').map((v) => v / 1_000)), 1),
            med(spread(pick(park[n], 'throughput')), 1),
            med(spread(pick(park[n], 'workerMsPerJob')), 2),
            med(spread(pick(park[n], 'serverMsPerJob')), 2),
            n === 'succeed' ? '' : med(spread(pick(park[n], 'countedMs').map((v) => v / 1_000)), 1),
          ]),
          ['dead / succeed', times(parkTime), '', times(parkCpu), times(parkServer), ''],
        ],
      },
      {
        title: 'History of one job: events (encoded KiB)',
        columns: ['job', 'raw Temporal', 'rebound', "rebound's events beyond start and end"],
        rows: historyKinds.map((k) => [
          k,
          `${raw[k].events} (${num(raw[k].bytes / 1_024, 1)})`,
          `${rebound[k].events} (${num(rebound[k].bytes / 1_024, 1)})`,
          eventSummary(rebound[k]),
        ]),
        note: "raw Temporal's dead job is a failed workflow; rebound's is parked, its history read once its report to the dead-letter queue is in.",
      },
    ],
    targets: [
      check('success path: rebound throughput ≥ 0.95 of raw', throughputRatio.median, times(throughputRatio), (v) => v >= 0.95),
      check('success path: rebound p99 latency ≤ 1.1x raw', p99Ratio.median, times(p99Ratio), (v) => v <= 1.1),
      check('success path: rebound worker CPU per job ≤ 1.15x raw', cpuRatio.median, times(cpuRatio), (v) => v <= 1.15),
      check('parking a dead job ≤ 1.15x succeeding one (drain time)', parkTime.median, times(parkTime), (v) => v <= 1.15),
    ],
    notes: [
      'Latency is from the submit call to the result. The first rebound row waits with rebound\'s own `handle.result()`; the second awaits the job workflow\'s completion with Temporal\'s client (`getHandle(workflowId).result()`, a long poll), so that the cost of the wait itself can be told from the engine\'s.',
      'Worker CPU is user + system time of the worker process (every thread), read from the process itself before and after the measured jobs; server CPU is the dev server process\'s, from /proc.',
    ],
    data: { runs, park, histories: { raw, rebound } },
  };
}
