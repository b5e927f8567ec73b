/**
 * Pieces the scenarios share: a run of jobs through lanes (latency and throughput), a drain with
 * CPU accounting, systems opened and closed around a run, and repetitions interleaved across
 * systems.
 */
import { performance } from 'node:perf_hooks';
import type { ScenarioContext } from '../context';
import type { BenchPayload } from '../handler';
import { benchRetry } from '../jobs';
import { drain, inLanes, type Drain } from '../load';
import type { RawRetry } from '../raw/shared';
import { percentile } from '../stats';
import type { JobSpec, System } from '../systems';

export const defaultRetry: RawRetry = { ...benchRetry };

/** CPU per job of one run, in milliseconds. */
export interface CpuPerJob {
  workerMsPerJob: number;
  serverMsPerJob: number;
  /** Worker RSS at the end, MiB, summed over its processes. */
  workerRssMb: number;
}

/** A run of jobs through lanes, each lane submitting a job and waiting for its end. */
export interface LaneRun extends CpuPerJob {
  jobs: number;
  succeeded: number;
  givenUp: number;
  /** Jobs that did not end, or whose submit or wait threw. */
  errors: number;
  errorSamples: string[];
  wallMs: number;
  /** Jobs ended per second of wall time. */
  throughput: number;
  p50Ms: number;
  p99Ms: number;
}

/** Options of {@link laneRun}. */
export interface LaneRunOptions {
  jobs: number;
  inFlight: number;
  payload: (i: number) => BenchPayload;
  retry?: RawRetry;
  type?: string;
  /** Jobs run first, unmeasured, so that each system is warm. */
  warmup: number;
  timeoutMs: number;
}

/** Job specs `<queue>-<prefix><i>`. */
export function jobSpecs(system: System, count: number, payload: (i: number) => BenchPayload, retry: RawRetry = defaultRetry, type?: string, prefix = ''): JobSpec[] {
  return Array.from({ length: count }, (_, i) => ({ id: `${system.queue}-${prefix}${i}`, payload: payload(i), retry, type }));
}

/** Runs jobs through `inFlight` lanes and measures throughput, latency and CPU per job. */
export async function laneRun(system: System, o: LaneRunOptions): Promise<LaneRun> {
  const warm = jobSpecs(system, o.warmup, o.payload, o.retry, o.type, 'warm-');
  await inLanes(o.inFlight, warm.length, performance.now() + o.timeoutMs, (i) => system.run(warm[i]));
  const jobs = jobSpecs(system, o.jobs, o.payload, o.retry, o.type);
  const before = await system.cpu();
  const start = performance.now();
  const { results, errors } = await inLanes(o.inFlight, jobs.length, start + o.timeoutMs, (i) => system.run(jobs[i]));
  const wallMs = performance.now() - start;
  const after = await system.cpu();
  const ended = results.filter((r) => r !== undefined);
  const latencies = ended.map((r) => r.endedAt - r.submittedAt);
  return {
    jobs: o.jobs,
    succeeded: ended.filter((r) => r.ok).length,
    givenUp: ended.filter((r) => !r.ok).length,
    errors: o.jobs - ended.length,
    errorSamples: errors.slice(0, 5),
    wallMs,
    throughput: (ended.length * 1_000) / wallMs,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    workerMsPerJob: (after.workerMs - before.workerMs) / Math.max(1, ended.length),
    serverMsPerJob: (after.serverMs - before.serverMs) / Math.max(1, ended.length),
    workerRssMb: after.workers.reduce((s, u) => s + u.rssMb, 0),
  };
}

/** A drain with the CPU it cost. */
export interface DrainRun extends Drain, CpuPerJob {
  jobs: number;
  /** Jobs settled per second of drain time. */
  throughput: number;
}

/** Drains `jobs` (submitted `lanes` at a time) and measures CPU per job. */
export async function drainRun(system: System, jobs: JobSpec[], lanes: number, timeoutMs: number): Promise<DrainRun> {
  const before = await system.cpu();
  const d = await drain(system, jobs, lanes, timeoutMs);
  const after = await system.cpu();
  return {
    ...d,
    jobs: jobs.length,
    throughput: (jobs.length * 1_000) / d.drainMs,
    workerMsPerJob: (after.workerMs - before.workerMs) / jobs.length,
    serverMsPerJob: (after.serverMs - before.serverMs) / jobs.length,
    workerRssMb: after.workers.reduce((s, u) => s + u.rssMb, 0),
  };
}

/** Opens a system, runs `fn` with it, and closes it whatever happens. */
export async function withSystem<T>(open: () => Promise<System>, fn: (system: System) => Promise<T>): Promise<T> {
  const system = await open();
  try {
    return await fn(system);
  } finally {
    await system.close();
  }
}

/**
 * Runs `reps` repetitions; in each, every system once, the order rotated by one each time so
 * that no system always goes first. Returns each system's results in repetition order.
 */
export async function interleaved<T>(
  ctx: ScenarioContext,
  names: string[],
  run: (name: string, rep: number) => Promise<T>,
): Promise<Record<string, T[]>> {
  const out: Record<string, T[]> = Object.fromEntries(names.map((n) => [n, []]));
  for (let rep = 0; rep < ctx.options.reps; rep++) {
    const order = names.map((_, k) => names[(k + rep) % names.length]);
    for (const name of order) {
      ctx.log(`rep ${rep + 1}/${ctx.options.reps}: ${name}`);
      out[name].push(await run(name, rep));
    }
  }
  return out;
}

/** The values of `key` across runs. */
export function pick<T, K extends keyof T>(runs: T[], key: K): number[] {
  return runs.map((r) => Number(r[key]));
}

/** `a[i] / b[i]` for each repetition i: ratios within one repetition. */
export function ratios(a: number[], b: number[]): number[] {
  return a.map((v, i) => (Number.isFinite(v) && Number.isFinite(b[i]) && b[i] !== 0 ? v / b[i] : Number.NaN));
}
