/**
 * The raw Temporal baseline's activity: the benchmark job's handler, with Temporal's own failures
 * and no heartbeat of its own (the minimum a Temporal job needs).
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { runBenchJob, type BenchResult } from '../handler';
import type { RawJobInput } from './shared';

/** Runs one attempt. */
export async function rawAttempt(input: RawJobInput): Promise<BenchResult> {
  const ctx = Context.current();
  return runBenchJob(input.jobId, ctx.info.attempt, input.payload, (ms) => ctx.sleep(ms), {
    retryable: (message) => ApplicationFailure.create({ type: 'UpstreamTimeout', message }),
    permanent: (message, type) => ApplicationFailure.create({ type, message, nonRetryable: true }),
  });
}
