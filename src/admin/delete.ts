/**
 * Deleting a dead job for good: the job ends (telling the dead-letter queue it was deleted, so
 * that its counters and audit log follow), then its workflow and history are deleted on the
 * server (what `temporal workflow delete` does).
 */
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { isGrpcServiceError, type Client } from '@temporalio/client';
import { readJob } from '../client';
import { JobStatus, cancelUpdate, jobWorkflowId } from '../contract';
import { JobNotDeadError, WorkerUnavailableError } from '../errors';

/** How many deletions a `deleteAll` has in flight at once. */
export const deletionsInFlight = 8;

/** True when the job ended to be deleted and only its workflow is left to delete (a deletion cut short). */
const endedForDeletion = (timeline: { event: string }[]) => timeline[timeline.length - 1]?.event === 'Deleted';

/**
 * Deletes one dead job: ends it through its workflow (a worker must answer), waits until its
 * workflow has closed (its report to the dead-letter queue is sent by then), then deletes every
 * run of it. A job that ended for deletion before, and whose workflow is still there, is deleted.
 * Throws `JobNotFoundError`, `JobNotDeadError`, `WorkerUnavailableError`.
 */
export async function deleteJob(client: Client, taskQueue: string, jobId: string, by: { actor: string; reason?: string }): Promise<{ status: 'Deleted' }> {
  const record = await readJob(client, jobId);
  const handle = client.workflow.getHandle(jobWorkflowId(jobId));
  if (record.indexedOnly) throw new WorkerUnavailableError(jobId, taskQueue);
  if (record.status === JobStatus.DeadLettered) {
    await handle.executeUpdate(cancelUpdate, { args: [{ forDeletion: true, actor: by.actor, reason: by.reason, requestId: `delete:${randomUUID()}` }] });
    await handle.result().catch(() => undefined);
  } else if (!(record.status === JobStatus.Cancelled && endedForDeletion(record.timeline))) {
    throw new JobNotDeadError(jobId, record.status);
  }
  await deleteRuns(client, jobWorkflowId(jobId));
  return { status: 'Deleted' };
}

/** Deletes every run of a workflow: the latest, and those it continued as new from. */
async function deleteRuns(client: Client, workflowId: string): Promise<void> {
  const { namespace } = client.options;
  const runIds = new Set<string>();
  for await (const wf of client.workflow.list({ query: `WorkflowId = '${workflowId.replace(/'/g, "\\'")}'` })) runIds.add(wf.runId);
  const remove = async (runId?: string) => {
    try {
      await client.workflowService.deleteWorkflowExecution({ namespace, workflowExecution: { workflowId, runId } });
    } catch (err) {
      // Gone already: deleted by an earlier try, or by its retention.
      if (!(isGrpcServiceError(err) && err.code === status.NOT_FOUND)) throw err;
    }
  };
  await remove();
  for (const runId of runIds) await remove(runId);
}
