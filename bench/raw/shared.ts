/**
 * The raw Temporal baseline's contract: one workflow that runs one activity under a retry
 * policy, what it takes, and the names both sides use.
 */
import type { BenchPayload } from '../handler';

/** The baseline's retry policy, in milliseconds (the same numbers rebound's job type resolves to). */
export interface RawRetry {
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  maximumAttempts: number;
}

/** Input of the baseline workflow and of its activity. */
export interface RawJobInput {
  jobId: string;
  payload: BenchPayload;
  retry: RawRetry;
}

/** The baseline's workflow type name. */
export const rawJobWorkflowType = 'rawJobWorkflow';
