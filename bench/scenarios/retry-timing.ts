/**
 * Scenario 3, retry timing accuracy: jobs fail twice, then succeed, under a fixed 1 s retry
 * interval (rebound without jitter). Each attempt writes when it started and failed; the figure
 * is the delay between a failure and the next attempt's start, less the 1 s intended.
 */
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { ScenarioContext, ScenarioReport } from '../context';
import { check, med, num } from '../format';
import { parseMarks } from '../handler';
import { percentile, spread } from '../stats';
import { startBull, startRaw, startRebound, type System } from '../systems';
import { drainRun, interleaved, jobSpecs, pick, withSystem } from './common';

interface TimingRun {
  samples: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
  minMs: number;
  drainMs: number;
}

/** Retry delays less the intended one, from each job's mark file. */
function lateness(dir: string, intendedMs: number): number[] {
  const out: number[] = [];
  for (const file of readdirSync(dir)) {
    const marks = parseMarks(readFileSync(path.join(dir, file), 'utf8'));
    for (const fail of marks.filter((m) => m.event === 'fail')) {
      const next = marks.find((m) => m.event === 'start' && m.attempt === fail.attempt + 1);
      if (next) out.push(next.at - fail.at - intendedMs);
    }
  }
  return out;
}

export async function retryTimingScenario(ctx: ScenarioContext): Promise<ScenarioReport> {
  const jobs = ctx.size('jobs', 60, 10);
  const lanes = ctx.size('submitLanes', 10, 10);
  const intervalMs = ctx.size('intervalMs', 1_000, 1_000);
  const timeoutMs = ctx.size('timeoutMs', 300_000, 120_000);
  const retry = { initialIntervalMs: intervalMs, backoffCoefficient: 1, maximumIntervalMs: intervalMs, maximumAttempts: 3 };
  const open: Record<string, { label: string; open: () => Promise<System> }> = {
    rebound: { label: 'rebound (jitter ratio 0)', open: () => startRebound(ctx) },
    raw: { label: 'raw Temporal', open: () => startRaw(ctx) },
  };
  if (ctx.redis) {
    const redis = ctx.redis;
    open.bullmq = { label: 'BullMQ (fixed backoff)', open: () => startBull(ctx, redis.plain, { name: 'BullMQ' }) };
  }
  const names = Object.keys(open);
  const runs = await interleaved(ctx, names, (name, rep) =>
    withSystem(open[name].open, async (s): Promise<TimingRun> => {
      const markDir = path.join(ctx.dir, `${name}-${rep}`);
      mkdirSync(markDir, { recursive: true });
      const d = await drainRun(s, jobSpecs(s, jobs, (i) => ({ i, failTimes: 2, markDir }), retry), lanes, timeoutMs);
      const late = lateness(markDir, intervalMs);
      return {
        samples: late.length,
        p50Ms: percentile(late, 50),
        p99Ms: percentile(late, 99),
        maxMs: late.length ? Math.max(...late) : Number.NaN,
        minMs: late.length ? Math.min(...late) : Number.NaN,
        drainMs: d.drainMs,
      };
    }),
  );
  const p99 = (n: string) => spread(pick(runs[n] ?? [], 'p99Ms'));
  const margin = spread(pick(runs.rebound, 'p99Ms').map((v, i) => v - (runs.raw[i]?.p99Ms ?? Number.NaN)));
  return {
    id: 'retry-timing',
    title: 'Retry timing accuracy',
    params: { jobs, submitLanes: lanes, retry, reps: ctx.options.reps },
    tables: [
      {
        title: `${jobs} jobs failing twice then succeeding, ${num(intervalMs)} ms fixed retry interval: actual delay minus intended, ms`,
        columns: ['system', 'samples', 'p50', 'p99', 'max', 'min'],
        rows: names.map((n) => [
          open[n].label,
          String(runs[n].reduce((s, r) => s + r.samples, 0)),
          med(spread(pick(runs[n], 'p50Ms'))),
          med(p99(n)),
          med(spread(pick(runs[n], 'maxMs'))),
          med(spread(pick(runs[n], 'minMs'))),
        ]),
        note: 'a delay runs from the moment the handler throws to the moment the next attempt\'s handler starts',
      },
    ],
    targets: [check('retry timing: rebound p99 ≤ raw p99 + 100 ms', margin.median, `rebound p99 − raw p99 = ${med(margin)} ms`, (v) => v <= 100)],
    notes: [`Jobs are submitted ${lanes} at a time, so the systems are lightly loaded: this measures timer accuracy, not throughput.`],
    data: { runs },
  };
}
