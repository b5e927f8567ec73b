/**
 * Whether a worker is there to answer: the server knows the pollers of a task queue, so a read
 * that needs a worker (a query) can say at once that none runs, instead of waiting for an answer
 * that will not come.
 */
import { status } from '@grpc/grpc-js';
import { ServiceError, isGrpcDeadlineError, isGrpcServiceError, type Client } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { WorkerUnavailableError } from '../errors';

/** How long a read waits for a worker's answer when the server lists pollers (they may be gone: it lists them for minutes). */
export const workerAnswerTimeoutMs = 5_000;

/**
 * False when the server lists no poller of the workflow task queue `taskQueue` (no worker has
 * polled it for minutes), true when it lists some. Undefined when the server will not say.
 * A listed poller may have gone since: the server forgets pollers only minutes after their last poll.
 */
export async function workflowPollersListed(client: Client, taskQueue: string): Promise<boolean | undefined> {
  try {
    const { pollers } = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    return (pollers?.length ?? 0) > 0;
  } catch (err) {
    // A restricted API key may not describe task queues: then only the answer (or its absence) tells.
    if (isGrpcServiceError(err) && (err.code === status.PERMISSION_DENIED || err.code === status.UNIMPLEMENTED)) return undefined;
    throw err;
  }
}

/** What {@link askWorker} reads, and how. */
export interface AskWorkerOptions<T> {
  /** For messages: what the answer is, e.g. "the dead-letter queue's counters". */
  what: string;
  /** The read itself: a query to a workflow of `taskQueue`. */
  ask: () => Promise<T>;
  /**
   * Run first when no worker polls, so that "there is no such workflow" wins over "no worker":
   * it should throw the caller's not-found error, or return a value to answer with instead.
   */
  whenNoWorker?: () => Promise<T | undefined>;
}

/**
 * Runs a read that only a worker of `taskQueue` can answer. Throws {@link WorkerUnavailableError}
 * at once when the server lists no poller of the queue, and after
 * {@link workerAnswerTimeoutMs} when pollers are listed but none answered.
 */
export async function askWorker<T>(client: Client, taskQueue: string, options: AskWorkerOptions<T>): Promise<T> {
  if ((await workflowPollersListed(client, taskQueue)) === false) {
    const instead = await options.whenNoWorker?.();
    if (instead !== undefined) return instead;
    throw new WorkerUnavailableError(undefined, taskQueue, { what: options.what, noPollers: true });
  }
  try {
    return await client.connection.withDeadline(Date.now() + workerAnswerTimeoutMs, options.ask);
  } catch (err) {
    // The deadline met on the way (the client's own error) or at the server (wrapped in a ServiceError).
    const cause = err instanceof ServiceError ? err.cause : err;
    if (isGrpcDeadlineError(err) || isGrpcDeadlineError(cause)) throw new WorkerUnavailableError(undefined, taskQueue, { what: options.what, waitedMs: workerAnswerTimeoutMs });
    throw err;
  }
}
