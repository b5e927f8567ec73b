/**
 * Scenario 4, operating a large dead-letter queue: dead jobs are made in steps (1,000, 5,000,
 * 20,000 by default) by a job type with one attempt that throws a PermanentError; at each step the
 * operator API is timed: list, filtered list, stats, groups, export, a retryAll dry run, and
 * retryAll applied to a fixed subset at several rates; with the dead-letter queue workflow's
 * history, the stats answer's size and the worker's memory.
 */
import { performance } from 'node:perf_hooks';
import { createAdmin, deadJobQuery, type DeadLetterAdmin, type DeadLetterStats } from '../../src';
import type { ScenarioContext, ScenarioReport } from '../context';
import { check, num } from '../format';
import { drain, waitFor } from '../load';
import { median, percentile } from '../stats';
import { startRebound, type JobSpec, type System } from '../systems';
import { defaultRetry } from './common';

const errorTypes = (i: number) => (i % 10 < 7 ? 'ValidationError' : i % 10 < 9 ? 'CardDeclined' : 'QuotaExceeded');

/** Calls that threw, over the scenario, by operation: their messages. */
const failures: Record<string, string[]> = {};

/** Times `n` calls of `fn`, one after another; milliseconds each (a call that throws counts with the time it took, and is noted). */
async function timed(what: string, n: number, fn: () => Promise<unknown>): Promise<number[]> {
  const out: number[] = [];
  for (let k = 0; k < n; k++) {
    const t = performance.now();
    try {
      await fn();
    } catch (err) {
      (failures[what] ??= []).push(String(err instanceof Error ? err.message : err).slice(0, 300));
    }
    out.push(performance.now() - t);
  }
  return out;
}

interface RateRun {
  asked: number;
  matched: number;
  done: number;
  /** retryAll's own call: listing the selection and starting the operation. */
  startMs: number;
  /** From the operation's start to its result. */
  runMs: number;
  /** done / runMs. */
  achieved: number;
  /** Between 10% and 90% done, from progress read every 250 ms; NaN when too quick to tell. */
  steady: number;
  /** Until the retried jobs were all dead again (they fail again). */
  deadAgainMs: number;
}

interface Level {
  dead: number;
  /** Making this step's dead jobs: from the first submit until visibility lists them all. */
  buildMs: number;
  buildRate: number;
  /** After visibility listed them all, until stats().total.deadNow counted them all. */
  countedAfterMs: number;
  listP50: number;
  listP95: number;
  filteredP95: number;
  filteredMatched: number;
  statsP50: number;
  statsP95: number;
  groupsP95: number;
  groups: number;
  exported: number;
  exportRate: number;
  dryRunMs: number[];
  dryRunMatched: number;
  rates: RateRun[];
  dlqHistoryEvents: number;
  dlqHistoryKiB: number;
  dlqGeneration: number;
  statsKiB: number;
  workerRssMb: number;
}

async function retryAtRate(ctx: ScenarioContext, admin: DeadLetterAdmin, system: System, rate: number, redo: number): Promise<RateRun> {
  const t0 = performance.now();
  const selection = await admin.retryAll({ type: 'bench.doomed-redo' }, { rate, reason: `bench at ${rate}/s` });
  const t1 = performance.now();
  const samples: { at: number; done: number }[] = [];
  const progress = selection.operation
    ? await selection.operation.result({ everyMs: 250, onProgress: (p) => samples.push({ at: performance.now(), done: p.done + p.skipped + p.failed }) })
    : undefined;
  const t2 = performance.now();
  const done = progress?.done ?? 0;
  const a = samples.find((s) => s.done >= selection.matched * 0.1);
  const b = [...samples].reverse().find((s) => s.done <= selection.matched * 0.9);
  // The operation's progress moves in steps: a window that saw no step says nothing.
  const steady = a && b && b.at - a.at >= 500 && b.done > a.done ? ((b.done - a.done) * 1_000) / (b.at - a.at) : Number.NaN;
  const deadAgainMs = await waitFor(
    async () => (await ctx.temporal.client.workflow.count(deadJobQuery(system.queue, { type: 'bench.doomed-redo' }))).count >= redo,
    300_000,
    250,
  );
  return { asked: rate, matched: selection.matched, done, startMs: t1 - t0, runMs: t2 - t1, achieved: (done * 1_000) / (t2 - t1), steady, deadAgainMs };
}

export async function deadLetterScenario(ctx: ScenarioContext): Promise<ScenarioReport> {
  const levels = ctx.sizes('levels', [1_000, 5_000], [60]);
  const redo = ctx.size('redo', 500, 10);
  const samples = ctx.size('samples', 30, 10);
  const exportSeconds = ctx.size('exportSeconds', 20, 5);
  const lanes = ctx.size('submitLanes', 50, 20);
  const rates = ctx.sizes('rates', [10, 50, 100, 1_000], [50, 1_000]);
  const buildTimeoutMs = ctx.size('buildTimeoutMs', 90 * 60_000, 240_000);
  const client = ctx.temporal.client;
  const system = await startRebound(ctx);
  const admin = createAdmin({ client, taskQueue: system.queue });
  const single = { ...defaultRetry, maximumAttempts: 1 };
  const out: Level[] = [];
  const started = new Date(Date.now() - 60_000);
  try {
    let made = 0;
    for (const level of levels) {
      const jobs: JobSpec[] = [];
      for (let i = made; i < level; i++) {
        jobs.push({ id: `${system.queue}-${i}`, type: i < redo ? 'bench.doomed-redo' : 'bench.doomed', payload: { i, permanent: errorTypes(i) }, retry: single });
      }
      ctx.log(`making dead jobs ${made} to ${level}`);
      const t = performance.now();
      const d = await drain(system, jobs, lanes, buildTimeoutMs);
      const listed = await waitFor(async () => (await client.workflow.count(deadJobQuery(system.queue))).count >= level, buildTimeoutMs, 500);
      const buildMs = performance.now() - t;
      if (!Number.isFinite(d.drainMs) || !Number.isFinite(listed)) throw new Error(`only ${made + d.settled} of ${level} dead jobs after ${num(buildMs / 1_000)} s`);
      const countedAfterMs = await waitFor(async () => (await admin.stats()).total.deadNow >= level, 300_000, 250);
      made = level;
      ctx.log(`${level} dead in ${num(buildMs / 1_000)} s; timing the operator API`);

      const list = await timed('list', samples, () => admin.list({}, { limit: 50 }));
      const filter = { type: 'bench.doomed', errorType: 'CardDeclined', since: started };
      const filtered = await timed('filtered list', samples, () => admin.list(filter, { limit: 50 }));
      const filteredMatched = (await admin.list(filter, { limit: 50 }).catch(() => ({ items: [] }))).items.length;
      const stats = await timed('stats', samples, () => admin.stats());
      const groupsTimes = await timed('groups', samples, () => admin.groups());
      const groups = (await admin.groups().catch(() => [])).length;

      let exported = 0;
      const e0 = performance.now();
      for await (const _record of admin.export()) {
        exported++;
        if (exported >= level || performance.now() - e0 > exportSeconds * 1_000) break;
      }
      const exportRate = (exported * 1_000) / (performance.now() - e0);

      let dryRunMatched = 0;
      const dryRunMs = await timed('retryAll dry run', 3, async () => {
        dryRunMatched = (await admin.retryAll({}, { dryRun: true })).matched;
      });

      const rateRuns: RateRun[] = [];
      for (const rate of rates) {
        ctx.log(`retryAll of ${redo} jobs at ${rate}/s`);
        rateRuns.push(await retryAtRate(ctx, admin, system, rate, redo));
      }

      const dlq = await client.workflow.getHandle(`rebound-dlq-${system.queue}`).describe();
      // Right after the retries, the queue may still be busy with their reports: ask a few times.
      let s: DeadLetterStats | undefined;
      await waitFor(async () => {
        try {
          s = await admin.stats();
          return true;
        } catch (err) {
          (failures['stats (sizes)'] ??= []).push(String(err instanceof Error ? err.message : err).slice(0, 300));
          return false;
        }
      }, 60_000, 1_000);
      const usage = await system.cpu();
      out.push({
        dead: level,
        buildMs,
        buildRate: ((level - (out.at(-1)?.dead ?? 0)) * 1_000) / buildMs,
        countedAfterMs,
        listP50: percentile(list, 50),
        listP95: percentile(list, 95),
        filteredP95: percentile(filtered, 95),
        filteredMatched,
        statsP50: percentile(stats, 50),
        statsP95: percentile(stats, 95),
        groupsP95: percentile(groupsTimes, 95),
        groups,
        exported,
        exportRate,
        dryRunMs,
        dryRunMatched,
        rates: rateRuns,
        dlqHistoryEvents: dlq.historyLength,
        dlqHistoryKiB: (dlq.historySize ?? Number.NaN) / 1_024,
        dlqGeneration: s?.generation ?? Number.NaN,
        statsKiB: s ? JSON.stringify(s).length / 1_024 : Number.NaN,
        workerRssMb: usage.workers[0]?.rssMb ?? Number.NaN,
      });
    }
  } finally {
    await system.close();
  }

  const top = out[out.length - 1];
  const rateRow = (rate: number) => out.map((l) => {
    const r = l.rates.find((x) => x.asked === rate);
    return r ? `${num(r.achieved, 1)} (steady ${num(r.steady, 1)})` : 'n/a';
  });
  const within = rates.filter((r) => r <= 100).map((r) => top?.rates.find((x) => x.asked === r)).filter((r): r is RateRun => r !== undefined);
  const worstDeviation = within.length ? Math.max(...within.map((r) => Math.abs(r.achieved - r.asked) / r.asked)) : Number.NaN;
  const maxRss = out.length ? Math.max(...out.map((l) => l.workerRssMb)) : Number.NaN;
  const at = top ? `at ${num(top.dead)} dead` : '';
  return {
    id: 'dead-letter',
    title: 'Dead-letter operations',
    params: { levels, redo, samples, exportSeconds, submitLanes: lanes, rates },
    tables: [
      {
        title: `Operator API against a growing dead-letter queue (${samples} calls each, one after another)`,
        columns: ['figure', ...out.map((l) => `${num(l.dead)} dead`)],
        rows: [
          ['making the dead jobs of this step: s (dead jobs/s)', ...out.map((l) => `${num(l.buildMs / 1_000)} (${num(l.buildRate, 1)})`)],
          ['stats() counted them all, s after visibility listed them', ...out.map((l) => num(l.countedAfterMs / 1_000, 1))],
          ['list, first page of 50: p50 / p95 ms', ...out.map((l) => `${num(l.listP50)} / ${num(l.listP95)}`)],
          ['list filtered by type, error type, since: p95 ms', ...out.map((l) => num(l.filteredP95))],
          ['stats(): p50 / p95 ms', ...out.map((l) => `${num(l.statsP50, 1)} / ${num(l.statsP95, 1)}`)],
          ['groups(): p95 ms (groups)', ...out.map((l) => `${num(l.groupsP95, 1)} (${l.groups})`)],
          [`export: jobs/s (jobs read in at most ${exportSeconds} s)`, ...out.map((l) => `${num(l.exportRate)} (${num(l.exported)})`)],
          ['retryAll dry run of every dead job: median s (matched)', ...out.map((l) => `${num(median(l.dryRunMs) / 1_000, 2)} (${num(l.dryRunMatched)})`)],
          ...rates.map((r) => [`retryAll of ${redo} jobs at ${r}/s: achieved jobs/s`, ...rateRow(r)]),
          ['retryAll call itself (select + start) at the first rate, ms', ...out.map((l) => num(l.rates[0]?.startMs ?? Number.NaN))],
          ['dead-letter queue workflow: events in its current run, KiB (runs so far)', ...out.map((l) => `${num(l.dlqHistoryEvents)}, ${num(l.dlqHistoryKiB)} (${l.dlqGeneration + 1})`)],
          ['stats() answer size, KiB', ...out.map((l) => num(l.statsKiB, 1))],
          ['worker RSS, MiB', ...out.map((l) => num(l.workerRssMb))],
        ],
        note: 'achieved rate = jobs done / time from the operation\'s start to its result; steady = between 10% and 90% done',
      },
    ],
    targets: top
      ? [
          check(`dead-letter ${at}: list page p95 < 250 ms`, top.listP95, `${num(top.listP95)} ms`, (v) => v < 250),
          check(`dead-letter ${at}: stats p95 < 50 ms`, top.statsP95, `${num(top.statsP95, 1)} ms`, (v) => v < 50),
          check(`dead-letter ${at}: export ≥ 2,000 jobs/s`, top.exportRate, `${num(top.exportRate)} jobs/s`, (v) => v >= 2_000),
          check(`dead-letter ${at}: retryAll dry run < 3 s`, median(top.dryRunMs), `${num(median(top.dryRunMs) / 1_000, 2)} s`, (v) => v < 3_000),
          check(
            `dead-letter ${at}: retryAll within 5% of the asked rate up to 100/s`,
            worstDeviation,
            within.map((r) => `${num(r.achieved, 1)}/s asked ${r.asked}/s`).join('; '),
            (v) => v <= 0.05,
          ),
          check('dead-letter: worker RSS < 500 MB', maxRss, `${num(maxRss)} MiB at most`, (v) => v < 500),
        ]
      : [],
    notes: [
      ...Object.entries(failures).map(([what, messages]) => `${messages.length} ${what} call(s) threw, e.g.: ${messages[0]}`),
      `Dead jobs are made by submitting a job type with \`maximumAttempts: 1\` whose handler throws a PermanentError (3 error types, 3 messages: ${levels.length > 1 ? 'a handful of' : 'a few'} failure groups), ${lanes} submits at a time; the first ${redo} are of another type, the subset that retryAll retries (they fail again and are dead-lettered again).`,
      'Export reads each dead job\'s full record (from the memo it keeps since it was dead-lettered, a page of the listing at a time); it is bounded in time, so at large sizes its rate is over the jobs read.',
    ],
    data: { levels: out, failures },
  };
}
