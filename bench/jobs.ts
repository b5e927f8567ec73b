/**
 * The benchmark's rebound job types. `bench.work` has the retry policy the raw Temporal and BullMQ
 * baselines are given too (scenarios override it per submit where they need another); the
 * `bench.doomed*` types dead-letter at their first attempt.
 */
import { z } from 'zod';
import { PermanentError, defineJob, type JobContext, type RetryOptions } from '../src';
import { runBenchJob, type BenchPayload, type BenchResult } from './handler';

/** The retry policy every system is given unless a scenario says otherwise: 3 attempts, 100 ms then 200 ms, no jitter. */
export const benchRetry = { initialIntervalMs: 100, backoffCoefficient: 2, maximumIntervalMs: 10_000, maximumAttempts: 3 } as const;

/** {@link benchRetry} as rebound's retry options. */
export const benchRetryOptions: RetryOptions = {
  initialInterval: benchRetry.initialIntervalMs,
  backoffCoefficient: benchRetry.backoffCoefficient,
  maximumInterval: benchRetry.maximumIntervalMs,
  maximumAttempts: benchRetry.maximumAttempts,
  jitter: { ratio: 0 },
};

/** One attempt's timeouts, the same for every system. */
export const benchTimeouts = { startToClose: '30s', heartbeat: '5s' } as const;

const payloadSchema = z.looseObject({
  i: z.number().int().optional(),
  sleepMs: z.number().int().min(0).optional(),
  failTimes: z.number().int().min(0).optional(),
  permanent: z.string().optional(),
  markDir: z.string().optional(),
});

/** A retryable error, as a flaky dependency throws it. */
class UpstreamTimeout extends Error {
  override name = 'UpstreamTimeout';
}

function handler(payload: BenchPayload, ctx: JobContext): Promise<BenchResult> {
  return runBenchJob(ctx.jobId, ctx.attempt, payload, (ms) => ctx.sleep(ms), {
    retryable: (message) => new UpstreamTimeout(message),
    permanent: (message, type) => new PermanentError(message, { type }),
  });
}

/** The job of the success path, the failure mix, retry timing and the crash round. */
export const benchWork = defineJob({
  type: 'bench.work',
  schema: payloadSchema,
  retry: benchRetryOptions,
  timeout: benchTimeouts.startToClose,
  heartbeatTimeout: benchTimeouts.heartbeat,
  handler,
});

const doomedRetry: RetryOptions = { ...benchRetryOptions, maximumAttempts: 1 };

/** A job type with one attempt: with `permanent` in its payload, it dead-letters at once. */
export const benchDoomed = defineJob({
  type: 'bench.doomed',
  schema: payloadSchema,
  retry: doomedRetry,
  timeout: benchTimeouts.startToClose,
  heartbeatTimeout: benchTimeouts.heartbeat,
  handler,
});

/** Like {@link benchDoomed}, under another type: the subset the dead-letter scenario retries in bulk. */
export const benchDoomedRedo = defineJob({
  type: 'bench.doomed-redo',
  schema: payloadSchema,
  retry: doomedRetry,
  timeout: benchTimeouts.startToClose,
  heartbeatTimeout: benchTimeouts.heartbeat,
  handler,
});

/** Every benchmark job type. */
export const benchJobs = [benchWork, benchDoomed, benchDoomedRedo];
