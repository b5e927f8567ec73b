/**
 * Waiting for a job to settle without asking a worker, at the cost of plain Temporal's own wait.
 *
 * A job that ends (succeeded, cancelled, expired) closes its workflow: one long poll of the
 * history for its close event, exactly what `WorkflowHandle.result()` does, answers the wait. A
 * dead job does not close (it is parked): a watcher shared by every wait of a client asks the
 * server's index, in one listing for all of them, which of the jobs waited on are dead-lettered,
 * and confirms each with its description. No query is sent, so no worker has to answer one (or
 * replay the workflow to).
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import { ServiceError, WorkflowFailedError, WorkflowNotFoundError, isGrpcServiceError, type Client, type WorkflowExecutionDescription } from '@temporalio/client';
import { JobStatus, jobWorkflowId, searchAttributes as sa, type JobOutcome } from '../contract';
import { JobNotFoundError } from '../errors';
import { indexedJob, type IndexedJob } from './read-job';

/**
 * How a job settled: what its workflow returned, when it completed (succeeded, cancelled or
 * expired from within); otherwise what the server indexed about it (dead-lettered, or closed from outside).
 */
export type Settlement = { outcome: JobOutcome; job?: undefined } | { job: IndexedJob; outcome?: undefined };

/** How often the shared watcher asks which of the awaited jobs are dead. */
const deadCheckIntervalMs = 500;
/** Workflow ids per listing: the query stays short. */
const idsPerListing = 50;

/**
 * Waits until job `jobId` has succeeded, dead-lettered, been cancelled or expired, following its
 * runs across continue-as-new. Throws `JobNotFoundError` when there is no such job.
 */
export async function waitUntilSettled(client: Client, jobId: string): Promise<Settlement> {
  const workflowId = jobWorkflowId(jobId);
  const controller = new AbortController();
  const dead = watcherOf(client).watch(workflowId, controller.signal);
  const closed = client
    .withAbortSignal(controller.signal, () => client.workflow.getHandle(workflowId).result())
    .then((outcome) => ({ outcome: outcome as JobOutcome }));
  try {
    const first = await Promise.race([closed, dead.then((description) => ({ description }))]);
    return 'description' in first ? { job: indexedJob(first.description, jobId) } : first;
  } catch (err) {
    if (controller.signal.aborted) throw err;
    if (err instanceof WorkflowNotFoundError) throw new JobNotFoundError(jobId);
    // Terminated, timed out or failed from outside: the server's record of it says how it ended.
    if (err instanceof WorkflowFailedError) {
      try {
        return { job: indexedJob(await client.workflow.getHandle(workflowId).describe(), jobId) };
      } catch (describeErr) {
        throw describeErr instanceof WorkflowNotFoundError ? new JobNotFoundError(jobId) : describeErr;
      }
    }
    throw err;
  } finally {
    controller.abort();
    closed.catch(() => undefined);
    dead.catch(() => undefined);
  }
}

interface Waiter {
  resolve(description: WorkflowExecutionDescription): void;
  reject(err: unknown): void;
}

/**
 * Finds, for every wait of one client, the jobs that dead-lettered: every half second while
 * anything is awaited, one listing of the awaited jobs the server indexed as dead and still
 * running, then a description of each one found. A job counts as dead once it has also taken in
 * whatever was sent to it (a retry signal waits in a pending workflow task).
 */
class DeadWatcher {
  private readonly waiters = new Map<string, Set<Waiter>>();
  private timer: NodeJS.Timeout | undefined;
  private checking = false;

  constructor(private readonly client: Client) {}

  watch(workflowId: string, signal: AbortSignal): Promise<WorkflowExecutionDescription> {
    return new Promise((resolve, reject) => {
      const waiter: Waiter = { resolve, reject };
      const set = this.waiters.get(workflowId) ?? new Set();
      set.add(waiter);
      this.waiters.set(workflowId, set);
      signal.addEventListener('abort', () => this.forget(workflowId, waiter), { once: true });
      // The first wait after a quiet spell is checked at once: its job may be parked already.
      this.timer ??= setTimeout(() => void this.check(), this.checking ? deadCheckIntervalMs : 0);
    });
  }

  /** Settles the waits on `workflowId` if its job is dead-lettered and has taken in all it was sent. */
  private async confirm(workflowId: string): Promise<void> {
    if (!this.waiters.has(workflowId)) return;
    const description = await this.client.workflow.getHandle(workflowId).describe();
    const job = indexedJob(description, workflowId);
    if (description.status.name !== 'RUNNING' || job.status !== JobStatus.DeadLettered || description.raw.pendingWorkflowTask) return;
    for (const waiter of this.waiters.get(workflowId) ?? []) waiter.resolve(description);
    this.waiters.delete(workflowId);
  }

  private forget(workflowId: string, waiter: Waiter): void {
    const set = this.waiters.get(workflowId);
    set?.delete(waiter);
    if (set?.size === 0) this.waiters.delete(workflowId);
  }

  private async check(): Promise<void> {
    this.checking = true;
    try {
      const ids = [...this.waiters.keys()].filter((id) => !/['"\\]/.test(id));
      const unquotable = [...this.waiters.keys()].filter((id) => /['"\\]/.test(id));
      for (let i = 0; i < ids.length; i += idsPerListing) {
        const chunk = ids.slice(i, i + idsPerListing);
        const query = `WorkflowId IN (${chunk.map((id) => `'${id}'`).join(', ')}) AND ${sa.jobStatus.name} = '${JobStatus.DeadLettered}' AND ExecutionStatus = 'Running'`;
        for await (const row of this.client.workflow.list({ query })) await this.confirm(row.workflowId);
      }
      // An id a query cannot quote is asked about on its own.
      for (const id of unquotable) await this.confirm(id);
    } catch (err) {
      // A wait must not hang on a listing that keeps failing: each one fails with it, and the close poll is dropped.
      if (!isTransient(err)) {
        for (const set of this.waiters.values()) for (const waiter of set) waiter.reject(err);
        this.waiters.clear();
      }
    } finally {
      this.timer = this.waiters.size > 0 ? setTimeout(() => void this.check(), deadCheckIntervalMs) : undefined;
      this.checking = this.waiters.size > 0;
    }
  }
}

/** Errors a later check may not meet: the server briefly unavailable, a job deleted between listing and description. */
function isTransient(err: unknown): boolean {
  const cause = err instanceof ServiceError ? err.cause : err;
  return err instanceof WorkflowNotFoundError || (isGrpcServiceError(cause) && cause.code === grpcStatus.UNAVAILABLE);
}

const watchers = new WeakMap<Client, DeadWatcher>();

function watcherOf(client: Client): DeadWatcher {
  let watcher = watchers.get(client);
  if (!watcher) watchers.set(client, (watcher = new DeadWatcher(client)));
  return watcher;
}
