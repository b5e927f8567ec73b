/**
 * Scenario 5, a crash round: jobs whose handlers take 50-200 ms are submitted at a steady pace;
 * midway the worker is SIGKILLed, and restarted a moment later. Every handler appends to a file
 * named after its job, so that afterwards it can be told which jobs were lost, which ran again
 * after the crash, which completed twice, and whether every job meant to be dead is dead.
 */
import { mkdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { createAdmin } from '../../src';
import type { ScenarioContext, ScenarioReport } from '../context';
import { check, med, num } from '../format';
import { parseMarks, type BenchPayload } from '../handler';
import { sleep, waitFor } from '../load';
import { spread } from '../stats';
import { startBull, startRebound, type System } from '../systems';
import { benchTimeouts } from '../jobs';
import { defaultRetry, interleaved, jobSpecs, pick, withSystem } from './common';

interface CrashRun {
  jobs: number;
  /** Jobs in flight (started, not ended) when the worker was killed. */
  inFlightAtKill: number;
  /** Jobs that never settled within the time allowed. */
  lost: number;
  /** Jobs whose handler started again without its attempt having failed: reruns after the crash. */
  ranAgain: number;
  /** Jobs whose handler completed more than once. */
  completedTwice: number;
  /** Jobs meant to be dead that are not listed dead. */
  deadMissing: number;
  /** Jobs listed dead that were meant to succeed. */
  deadUnexpected: number;
  /** rebound only: the dead-letter queue's deadNow against the jobs meant to be dead; NaN elsewhere. */
  counterOff: number;
  /** From the restart until every job settled. */
  recoverMs: number;
  /** From the last submit until every job settled. */
  afterLastSubmitMs: number;
}

function crashPayload(markDir: string) {
  return (i: number): BenchPayload => ({
    i,
    sleepMs: 50 + ((i * 37) % 151),
    markDir,
    ...(i % 10 === 9 ? { permanent: 'ValidationError' } : i % 10 === 8 ? { failTimes: 1 } : {}),
  });
}

async function crashRound(ctx: ScenarioContext, s: System, o: { jobs: number; rate: number; killAfterMs: number; downMs: number; timeoutMs: number; markDir: string }): Promise<CrashRun> {
  mkdirSync(o.markDir, { recursive: true });
  const jobs = jobSpecs(s, o.jobs, crashPayload(o.markDir));
  const t0 = performance.now();
  const submits: Promise<void>[] = [];
  let killedAt = Number.NaN;
  let restartedAt = Number.NaN;
  let inFlightAtKill = 0;
  const killer = (async () => {
    await sleep(o.killAfterMs);
    const victim = s.workers[0];
    victim.kill();
    await victim.exited;
    killedAt = performance.now();
    inFlightAtKill = countInFlight(o.markDir, jobs.map((j) => j.id));
    ctx.log(`killed the worker at ${num((killedAt - t0) / 1_000, 1)} s with ${inFlightAtKill} handlers running`);
    await sleep(o.downMs);
    s.workers.splice(0, 1);
    await s.addWorker();
    restartedAt = performance.now();
  })();
  for (let i = 0; i < jobs.length; i++) {
    const due = t0 + (i * 1_000) / o.rate - performance.now();
    if (due > 0) await sleep(due);
    submits.push(s.submit(jobs[i]));
  }
  await Promise.all(submits);
  const lastSubmit = performance.now();
  await killer;
  let settled = 0;
  const waited = await waitFor(async () => (settled = await s.settled()) >= o.jobs, o.timeoutMs, 250);
  const end = performance.now();
  const dead = new Set(await s.deadIds());
  const expectedDead = new Set(jobs.filter((j) => j.payload.permanent).map((j) => j.id));
  let ranAgain = 0;
  let completedTwice = 0;
  for (const job of jobs) {
    const marks = readMarks(o.markDir, job.id);
    if (marks.filter((m) => m.event === 'done').length > 1) completedTwice++;
    if (marks.some((m, k) => k > 0 && m.event === 'start' && marks[k - 1].event !== 'fail')) ranAgain++;
  }
  let counterOff = Number.NaN;
  if (s.name === 'rebound') {
    const admin = createAdmin({ client: ctx.temporal.client, taskQueue: s.queue });
    await waitFor(async () => (await admin.stats()).total.deadNow === expectedDead.size, 30_000, 500);
    counterOff = (await admin.stats()).total.deadNow - expectedDead.size;
  }
  return {
    jobs: o.jobs,
    inFlightAtKill,
    lost: o.jobs - settled,
    ranAgain,
    completedTwice,
    deadMissing: [...expectedDead].filter((id) => !dead.has(id)).length,
    deadUnexpected: [...dead].filter((id) => !expectedDead.has(id)).length,
    counterOff,
    recoverMs: Number.isFinite(waited) ? end - restartedAt : Number.NaN,
    afterLastSubmitMs: Number.isFinite(waited) ? end - lastSubmit : Number.NaN,
  };
}

function readMarks(dir: string, id: string) {
  try {
    return parseMarks(readFileSync(path.join(dir, id), 'utf8'));
  } catch {
    return [];
  }
}

/** Jobs whose last mark is a start: their handler was running. */
function countInFlight(dir: string, ids: string[]): number {
  return ids.filter((id) => readMarks(dir, id).at(-1)?.event === 'start').length;
}

export async function crashScenario(ctx: ScenarioContext): Promise<ScenarioReport> {
  const jobs = ctx.size('jobs', 200, 30);
  const rate = ctx.size('submitRate', 40, 20);
  const killAfterMs = ctx.size('killAfterMs', 2_500, 800);
  const downMs = ctx.size('downMs', 1_000, 500);
  const timeoutMs = ctx.size('timeoutMs', 180_000, 90_000);
  const lockMs = 5_000;
  const open: Record<string, { label: string; open: () => Promise<System> }> = {
    rebound: { label: 'rebound', open: () => startRebound(ctx) },
  };
  if (ctx.redis) {
    const redis = ctx.redis;
    open.bullmq = { label: 'BullMQ (Redis AOF everysec)', open: () => startBull(ctx, redis.aof, { name: 'BullMQ', lockMs }) };
  }
  const names = Object.keys(open);
  const runs = await interleaved(ctx, names, (name, rep) =>
    withSystem(open[name].open, (s) => crashRound(ctx, s, { jobs, rate, killAfterMs, downMs, timeoutMs, markDir: path.join(ctx.dir, `${name}-${rep}`) })),
  );
  const sum = (n: string, k: keyof CrashRun) => runs[n].reduce((a, r) => a + Number(r[k]), 0);
  const lost = sum('rebound', 'lost');
  return {
    id: 'crash',
    title: 'Crash round: worker SIGKILLed mid-run',
    params: { jobs, submitRate: rate, killAfterMs, downMs, reps: ctx.options.reps, heartbeatTimeout: benchTimeouts.heartbeat, bullLockMs: lockMs, retry: defaultRetry },
    tables: [
      {
        title: `${jobs} jobs (handlers 50-200 ms; 10% dead at once, 10% fail once) at ${rate}/s; worker killed at ${num(killAfterMs / 1_000, 1)} s, restarted ${num(downMs / 1_000, 1)} s later; sums over ${ctx.options.reps} round(s)`,
        columns: ['system', 'running at the kill', 'lost', 'handler ran again', 'completed twice', 'dead missing', 'dead unexpected', 'dead counter off by', 'all settled, s after restart'],
        rows: names.map((n) => [
          open[n].label,
          String(sum(n, 'inFlightAtKill')),
          String(sum(n, 'lost')),
          String(sum(n, 'ranAgain')),
          String(sum(n, 'completedTwice')),
          String(sum(n, 'deadMissing')),
          String(sum(n, 'deadUnexpected')),
          n === 'rebound' ? String(sum(n, 'counterOff')) : 'n/a',
          med(spread(pick(runs[n], 'recoverMs').map((v) => v / 1_000)), 1),
        ]),
        note: `a killed worker's attempts are retried after rebound's heartbeat timeout (${benchTimeouts.heartbeat}) or BullMQ's lock duration and stalled check (${lockMs / 1_000} s)`,
      },
    ],
    targets: [check('crash round: zero jobs lost for rebound', lost, `${lost} lost`, (v) => v === 0)],
    notes: [
      '"Handler ran again": a job whose handler started again without its attempt having failed, the at-least-once rerun of an attempt cut short by the kill. "Completed twice": a handler that ran to its end twice (its completion was not recorded before the kill).',
    ],
    data: { runs },
  };
}
