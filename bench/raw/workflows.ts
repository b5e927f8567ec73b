/**
 * The raw Temporal baseline's workflow: one activity under the job's retry policy. A job that
 * runs out of attempts fails its workflow; there is no dead-letter queue.
 */
import { proxyActivities } from '@temporalio/workflow';
import type * as activities from './activities';
import type { BenchResult } from '../handler';
import type { RawJobInput } from './shared';

/** One job. */
export async function rawJobWorkflow(input: RawJobInput): Promise<BenchResult> {
  const { rawAttempt } = proxyActivities<typeof activities>({
    startToCloseTimeout: '30s',
    heartbeatTimeout: '5s',
    retry: {
      initialInterval: input.retry.initialIntervalMs,
      backoffCoefficient: input.retry.backoffCoefficient,
      maximumInterval: input.retry.maximumIntervalMs,
      maximumAttempts: input.retry.maximumAttempts,
    },
  });
  return rawAttempt(input);
}
