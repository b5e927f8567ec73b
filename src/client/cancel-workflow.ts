/**
 * How a job that has not settled is cancelled, whoever asks: `handle.cancel()` or the admin API.
 */
import type { WorkflowExecutionDescription, WorkflowHandle } from '@temporalio/client';
import { JobStatus, operatorNoteSignal, searchAttributes as sa, type Attribution } from '../contract';
import { pendingAttemptOf } from './pending-attempt';

/**
 * Cancels the job of `description` through `handle`. A `Scheduled` job has run no code: its
 * workflow is terminated (the server would hold a cancel request until the job's time). Any other
 * is noted (`CancelRequested`: who, why, and whether an attempt is under way, so that a job
 * cancelled between attempts records none), then its workflow is cancelled. Throws the SDK's
 * `WorkflowNotFoundError` when the workflow has closed.
 */
export async function cancelJobWorkflow(handle: WorkflowHandle, description: WorkflowExecutionDescription, by: Attribution & { at?: string } = {}): Promise<void> {
  if (description.typedSearchAttributes.get(sa.jobStatus) === JobStatus.Scheduled) {
    await handle.terminate(`cancelled before it ran${by.actor ? ` by ${by.actor}` : ''}${by.reason ? `: ${by.reason}` : ''}`);
    return;
  }
  const attemptRunning = pendingAttemptOf(description)?.state === 'Running';
  await handle.signal(operatorNoteSignal, { event: 'CancelRequested', at: by.at ?? new Date().toISOString(), actor: by.actor, reason: by.reason, attemptRunning });
  await handle.cancel();
}
