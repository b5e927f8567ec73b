/**
 * Operator actions on a job that has not settled. On one waiting between attempts, through the
 * server's activity operations on its pending attempt: run the next attempt now, pause the job's
 * attempts, resume them. The job counts its attempts itself, so none of these uses one up or
 * changes its number. And cancelling a job that is scheduled, running or retrying. Each is noted
 * in the job's timeline and recorded in the audit log.
 */
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { cancelJobWorkflow, indexedJob, pendingAttemptOf, type PendingAttempt } from '../client';
import { JobStatus, jobWorkflowId, operatorNoteSignal, runningStatuses, searchAttributes as sa, type OperatorNote } from '../contract';
import { JobNotFoundError, JobNotPausedError, JobNotWaitingError, JobPausedError, JobSettledError } from '../errors';
import { recordAudit } from './audit';
import type { JobActionOptions, JobActionResult } from './types';

type Action = 'retryNow' | 'pause' | 'resume';

const noteOf: Record<Action, OperatorNote['event']> = { retryNow: 'RetriedNow', pause: 'Paused', resume: 'Resumed' };

/** The job's workflow description, and its pending attempt when it has one. */
async function describeJob(client: Client, jobId: string): Promise<{ description: WorkflowExecutionDescription; pending?: PendingAttempt }> {
  try {
    const description = await client.workflow.getHandle(jobWorkflowId(jobId)).describe();
    return { description, pending: pendingAttemptOf(description) };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new JobNotFoundError(jobId);
    throw err;
  }
}

/** What the job does instead of waiting, for an error that says so. */
function notWaiting(jobId: string, description: WorkflowExecutionDescription, pending?: PendingAttempt): JobNotWaitingError {
  const status = description.typedSearchAttributes.get(sa.jobStatus) ?? JobStatus.Running;
  const running = status === JobStatus.Running || status === JobStatus.Retrying;
  if (description.status.name !== 'RUNNING') return new JobNotWaitingError(jobId, running ? `closed (${description.status.name})` : status);
  if (pending?.state === 'Running') return new JobNotWaitingError(jobId, `running an attempt now (server attempt ${pending.serverAttempt})`);
  if (pending?.state === 'Scheduled') return new JobNotWaitingError(jobId, 'about to run its first attempt');
  return new JobNotWaitingError(jobId, running ? 'running no attempt' : status);
}

/** Refuses what the job's state does not allow; returns the pending attempt to act on. */
function check(action: Action, jobId: string, description: WorkflowExecutionDescription, pending?: PendingAttempt): PendingAttempt {
  if (action === 'resume') {
    if (pending?.state === 'Paused') return pending;
    if (description.status.name !== 'RUNNING' || !pending) throw notWaiting(jobId, description, pending);
    throw new JobNotPausedError(jobId);
  }
  if (pending?.state === 'Paused') {
    throw new JobPausedError(jobId, action === 'pause' ? 'resume it with `rebound jobs resume`' : 'resume it, and its next attempt runs at once');
  }
  if (pending?.state !== 'Waiting' || description.status.name !== 'RUNNING') throw notWaiting(jobId, description, pending);
  return pending;
}

/** Runs `action` on a job's waiting (or paused) attempt. */
export async function actOnAttempt(client: Client, action: Action, jobId: string, options: JobActionOptions & { actor: string }): Promise<JobActionResult> {
  const { description, pending } = await describeJob(client, jobId);
  const attempt = check(action, jobId, description, pending);
  const { namespace } = client.options;
  const execution = { workflowId: description.workflowId, runId: description.runId };
  const target = { namespace, execution, id: attempt.activityId, identity: options.actor };
  const handle = client.workflow.getHandle(description.workflowId);
  const at = new Date().toISOString();
  // Noted before the attempt runs again, so that the timeline has it in order.
  const note = () =>
    handle.signal(operatorNoteSignal, { event: noteOf[action], at, actor: options.actor, reason: options.reason }).catch((err: unknown) => {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    });
  switch (action) {
    case 'pause':
      await client.workflowService.pauseActivity({ ...target, reason: options.reason ?? '' });
      await note();
      break;
    case 'resume':
      await note();
      // The server runs a resumed attempt at once; the attempt's number stays as it was.
      await client.workflowService.unpauseActivity({ ...target, resetAttempts: false, resetHeartbeat: false });
      break;
    case 'retryNow':
      // A pause then a resume: the server runs the waiting attempt at once, under its own number
      // (a reset would number it 1 again). Were this cut between the two, the job shows as paused.
      await client.workflowService.pauseActivity({ ...target, reason: `retry now${options.reason ? `: ${options.reason}` : ''}` });
      await note();
      await client.workflowService.unpauseActivity({ ...target, resetAttempts: false, resetHeartbeat: false });
      break;
  }
  await recordAction(client, description, action, jobId, at, options);
  return { jobId, action, at, actor: options.actor, paused: action === 'pause' };
}

/** Records an action in the audit log of the job's own task queue's dead-letter queue. */
async function recordAction(client: Client, description: WorkflowExecutionDescription, action: Action | 'cancel', jobId: string, at: string, options: JobActionOptions & { actor: string }, detail?: Record<string, string>) {
  const type = description.typedSearchAttributes.get(sa.jobType);
  await recordAudit(client, description.taskQueue, [{ at, actor: options.actor, action, jobId, ...(type ? { type } : {}), ...(options.reason ? { reason: options.reason } : {}), ...(detail ? { detail } : {}) }]);
}

/**
 * Cancels a job that has not settled. A `Scheduled` one has run no code: its workflow is
 * terminated, and it never runs. A running or retrying one is noted (who, why), then its workflow
 * is cancelled: the attempt under way is cancelled (its handler's `ctx.signal` aborts) and the job
 * ends `Cancelled`. A settled job is refused with `JobSettledError`, and nothing changes.
 */
export async function cancelJob(client: Client, jobId: string, options: JobActionOptions & { actor: string }): Promise<JobActionResult> {
  const { description } = await describeJob(client, jobId);
  // As a job's record reads it: a job closed from outside reads Cancelled.
  const { status } = indexedJob(description, jobId);
  if (description.status.name !== 'RUNNING' || (status !== JobStatus.Scheduled && !runningStatuses.includes(status))) throw new JobSettledError(jobId, status);
  const at = new Date().toISOString();
  try {
    await cancelJobWorkflow(client.workflow.getHandle(description.workflowId, description.runId), description, { at, actor: options.actor, reason: options.reason });
  } catch (err) {
    // Ended meanwhile: say how it ended.
    if (err instanceof WorkflowNotFoundError) throw new JobSettledError(jobId, indexedJob((await describeJob(client, jobId)).description, jobId).status);
    throw err;
  }
  await recordAction(client, description, 'cancel', jobId, at, options, { status });
  return { jobId, action: 'cancel', at, actor: options.actor, paused: false };
}
