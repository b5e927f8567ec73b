/**
 * The bulk operation workflow's contract: a fixed selection of dead jobs retried or cancelled at
 * a rate, its progress, and the signals that pause, resume and abort it.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { RetryOptions } from './retry-policy';

/** What a bulk operation does to each job it selected. */
export interface BulkOperationInput {
  operationId: string;
  kind: 'retry' | 'cancel';
  /** The jobs selected at preview time, with the round each was in. */
  jobs: { jobId: string; round: number }[];
  /** Jobs per second. */
  rate: number;
  retryPolicy?: RetryOptions;
  reason?: string;
  /** Who started it; each job's timeline names them. */
  actor?: string;
  /**
   * A selection too large for one workflow runs in parts, each its own workflow, one after
   * another: this part's place, and the workflow of the part before it, which it waits for.
   */
  part?: BulkPart;
  /** Progress carried across continue-as-new. */
  carried?: BulkProgress;
}

/** One part of a bulk operation run in parts. */
export interface BulkPart {
  /** From 0. */
  index: number;
  /** Parts in all. */
  of: number;
  /** The workflow of part `index - 1`; absent for the first part. */
  afterWorkflowId?: string;
}

/** Where a bulk operation is. */
export interface BulkProgress {
  operationId: string;
  kind: 'retry' | 'cancel';
  /** `Waiting`: a part waiting for the part before it to finish. */
  state: 'Waiting' | 'Running' | 'Paused' | 'Completed' | 'Aborted';
  matched: number;
  done: number;
  /** Jobs that were no longer dead in their selected round: retried or cancelled meanwhile. */
  skipped: number;
  failed: number;
  remaining: number;
  /** The latest failures, at most 20. */
  errors: { jobId: string; message: string }[];
  /** For an operation run in parts, this part's place. */
  part?: Omit<BulkPart, 'afterWorkflowId'>;
  /** Jobs per second asked for. */
  rate?: number;
  /** Jobs handled per second while running (pauses and waiting for the part before not counted). */
  achievedRate?: number;
  /** Milliseconds spent running. */
  activeMs?: number;
  /** Set once the operation has run a while below 90% of the asked rate: the rate is out of reach here. */
  rateOutOfReach?: boolean;
}

/** The operation's progress (of this part, for an operation run in parts). */
export const bulkProgressQuery = defineQuery<BulkProgress>('progress');
/** Stops after the job under way until resumed. */
export const pauseSignal = defineSignal('pause');
/** Goes on after a pause. */
export const resumeSignal = defineSignal('resume');
/** Stops for good after the job under way; the jobs left are not touched. */
export const abortSignal = defineSignal('abort');
