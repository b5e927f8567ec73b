/**
 * The BullMQ baseline's settings, shared by the harness and the worker process.
 */
import type { JobsOptions } from 'bullmq';
import type { RawRetry } from '../raw/shared';

/** The job name every benchmark job is added under. */
export const bullJobName = 'bench';

/**
 * BullMQ job options equivalent to a Temporal retry policy: the same attempts, and exponential
 * backoff from the same first delay (BullMQ doubles it: `delay * 2^(attempt - 1)`, so the
 * coefficient must be 2), or fixed backoff for a coefficient of 1. Every job is kept, completed or
 * failed, as the Temporal systems keep theirs.
 */
export function bullJobOptions(jobId: string, retry: RawRetry): JobsOptions {
  if (retry.backoffCoefficient !== 1 && retry.backoffCoefficient !== 2) {
    throw new Error(`BullMQ's backoff doubles or stays fixed: coefficient ${retry.backoffCoefficient} has no equivalent`);
  }
  return {
    jobId,
    attempts: retry.maximumAttempts,
    backoff: { type: retry.backoffCoefficient === 2 ? 'exponential' : 'fixed', delay: retry.initialIntervalMs },
    removeOnComplete: false,
    removeOnFail: false,
  };
}
