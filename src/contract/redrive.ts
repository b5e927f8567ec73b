/**
 * Automatic redrive's contract: a job type's policy, and the gate workflow (one per task queue
 * and type) that hands out redrive times at a bounded rate across every job of the type.
 */
import { defineUpdate } from '@temporalio/workflow';

/** The workflow type name of a job type's redrive gate. */
export const redriveGateWorkflowType = 'redriveGateWorkflow';

/** The workflow id of the redrive gate of `type` on `taskQueue`. */
export function redriveGateWorkflowId(taskQueue: string, type: string): string {
  return `rebound-redrive-${taskQueue}-${type}`;
}

/** A job type's automatic redrive, resolved; durations in milliseconds. */
export interface AutoRedrivePolicy {
  /** Error types whose dead jobs are redriven. */
  errorTypes: string[];
  /** How long after its dead-lettering a job is redriven. */
  cooldownMs: number;
  /** Redrives of one job, at most. */
  maxTimes: number;
  /** Redrives of the type per second, at most, across jobs. */
  ratePerSecond: number;
}

/** What the gate workflow is started with. */
export interface RedriveGateInput {
  taskQueue: string;
  type: string;
  /** The first free time (epoch ms), carried across continue-as-new. */
  nextFreeAt?: number;
}

/** Takes the next free redrive time of the type: answers it (ISO), at or after now. */
export const redriveSlotUpdate = defineUpdate<{ at: string }, [{ ratePerSecond: number }]>('redriveSlot');

/** The reason an automatic redrive records on the job. */
export const autoRedriveReason = 'auto-redrive';
