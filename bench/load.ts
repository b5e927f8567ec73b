/**
 * Load loops of the benchmark, each bounded in count and in time: lanes that work through a list,
 * waits for a condition, and the drain of a batch of jobs.
 */
import { performance } from 'node:perf_hooks';
import type { JobSpec, System } from './systems';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Runs `fn` for indices 0 to `total - 1`, `lanes` at a time, until all ran or `deadline`
 * (performance.now() milliseconds) passed; an index not started by then is skipped. A call that
 * throws records its error and its lane goes on.
 */
export async function inLanes<T>(
  lanes: number,
  total: number,
  deadline: number,
  fn: (i: number) => Promise<T>,
): Promise<{ results: (T | undefined)[]; errors: string[] }> {
  const results: (T | undefined)[] = new Array(total).fill(undefined);
  const errors: string[] = [];
  let next = 0;
  const lane = async () => {
    while (next < total && performance.now() < deadline) {
      const i = next++;
      try {
        results[i] = await fn(i);
      } catch (err) {
        if (errors.length < 20) errors.push(String(err instanceof Error ? err.message : err).slice(0, 300));
        else errors.length++;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(lanes, total) }, lane));
  return { results, errors };
}

/**
 * Polls `check` every `everyMs` until it returns true or `timeoutMs` passed; returns the time it
 * took in milliseconds, or NaN on timeout. A check that throws counts as false.
 */
export async function waitFor(check: () => Promise<boolean> | boolean, timeoutMs: number, everyMs = 200): Promise<number> {
  const start = performance.now();
  while (performance.now() - start < timeoutMs) {
    if (await Promise.resolve().then(check).catch(() => false)) return performance.now() - start;
    await sleep(everyMs);
  }
  return Number.NaN;
}

/** What draining a batch took. */
export interface Drain {
  /** From the first submit to the last submit returning. */
  submitMs: number;
  /** From the first submit until the system counted every job settled; NaN when it did not within the time allowed. */
  drainMs: number;
  /** Jobs counted settled at the end. */
  settled: number;
  submitErrors: string[];
}

/**
 * Submits `jobs` with `lanes` submits at a time, then waits until the system counts them all
 * settled (polling every 200 ms; jobs settled before are not counted), for at most `timeoutMs` in all.
 */
export async function drain(system: System, jobs: JobSpec[], lanes: number, timeoutMs: number): Promise<Drain> {
  const baseline = await system.settled();
  const start = performance.now();
  const deadline = start + timeoutMs;
  const { errors } = await inLanes(lanes, jobs.length, deadline, (i) => system.submit(jobs[i]));
  const submitMs = performance.now() - start;
  let settled = 0;
  const waited = await waitFor(
    async () => {
      settled = (await system.settled()) - baseline;
      return settled >= jobs.length;
    },
    Math.max(0, deadline - performance.now()),
  );
  return { submitMs, drainMs: Number.isNaN(waited) ? Number.NaN : performance.now() - start, settled, submitErrors: errors };
}
