/**
 * Waiting for a job to settle without asking a worker: the job's description (its search
 * attributes, read from the server's own record of the workflow) says where it is, and a
 * long-poll on its history wakes the wait when something happens. No query is sent, so no
 * worker has to answer one (or replay the workflow to).
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { JobStatus, jobWorkflowId, type JobOutcome } from '../contract';
import { JobNotFoundError } from '../errors';
import { indexedJob, type IndexedJob } from './read-job';

/** How a job settled: what the server indexed about it, and what its workflow returned if it completed. */
export interface Settlement {
  job: IndexedJob;
  /** The workflow's result, when it completed (succeeded, cancelled or expired from within). */
  outcome?: JobOutcome;
}

/**
 * Waits until job `jobId` has succeeded, dead-lettered, been cancelled or expired, following its
 * runs across continue-as-new. Throws `JobNotFoundError` when there is no such job.
 */
export async function waitUntilSettled(client: Client, jobId: string): Promise<Settlement> {
  const workflowId = jobWorkflowId(jobId);
  const handle = client.workflow.getHandle(workflowId);
  let runId: string | undefined;
  let token: Uint8Array | undefined;
  for (;;) {
    let description;
    try {
      description = await handle.describe();
    } catch (err) {
      throw err instanceof WorkflowNotFoundError ? new JobNotFoundError(jobId) : err;
    }
    if (description.runId !== runId) {
      runId = description.runId;
      token = undefined;
    }
    const job = indexedJob(description, jobId);
    if (description.status.name === 'COMPLETED') {
      const outcome = (await client.workflow.getHandle(workflowId, runId).result()) as JobOutcome;
      return { job: { ...job, status: outcome.status }, outcome };
    }
    if (description.status.name !== 'RUNNING' && description.status.name !== 'CONTINUED_AS_NEW') return { job };
    // Only a dead job settles while its workflow runs (one that says it ended is finishing its
    // reports: wait for its close), and only once the job has taken in what was sent to it (a
    // retry signal waits in a pending workflow task).
    const dead = job.status === JobStatus.DeadLettered;
    if (description.status.name === 'RUNNING' && dead && !description.raw.pendingWorkflowTask) return { job };
    // Wait for events of this run that may change the answer (the first call returns those there
    // are at once): a status set, the run's end, or, for a dead job with news pending, a task done.
    const telling = (e: temporal.api.history.v1.IHistoryEvent) =>
      Boolean(e.upsertWorkflowSearchAttributesEventAttributes || (e.eventType && closingEvents.has(e.eventType)) || (dead && e.workflowTaskCompletedEventAttributes));
    for (;;) {
      const response = await client.workflowService.getWorkflowExecutionHistory({
        namespace: client.options.namespace,
        execution: { workflowId, runId },
        waitNewEvent: true,
        nextPageToken: token,
      });
      token = response.nextPageToken?.length ? response.nextPageToken : undefined;
      if (!token || (response.history?.events ?? []).some(telling)) break;
    }
  }
}

const { EventType } = temporal.api.enums.v1;

/** Events that end a run. */
const closingEvents = new Set<number>([
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
]);
