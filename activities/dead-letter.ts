/**
 * Activities of the dead-letter queue: report a job's event to its queue's workflow, send a
 * notification, and apply a bulk operation's batch at a steady rate.
 */
import { Context } from '@temporalio/activity';
import { WorkflowFailedError, WorkflowNotFoundError, WorkflowUpdateFailedError, type Client, type WorkflowHandle } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import { deadJobQuery, deadJobSummary, signalDeadLetterQueue } from '../src/admin';
import {
  cancelUpdate,
  jobEventsSignal,
  jobWorkflowId,
  retryUpdate,
  stateQuery,
  type AlertConfig,
  type BulkProgress,
  type JobEvent,
  type Notification,
  type RetryOptions,
} from '../src/contract';
import type { JobMetrics } from '../src/metrics';

/** Who terminated a workflow, and why, as its last history event says (nothing when it cannot be read). */
async function terminatedBy(client: Client, workflowId: string, runId: string): Promise<{ actor?: string; reason?: string }> {
  try {
    const { history } = await client.workflowService.getWorkflowExecutionHistoryReverse({
      namespace: client.options.namespace,
      execution: { workflowId, runId },
      maximumPageSize: 1,
    });
    const attributes = history?.events?.[0]?.workflowExecutionTerminatedEventAttributes;
    return {
      ...(attributes?.identity ? { actor: attributes.identity } : {}),
      ...(attributes?.reason ? { reason: attributes.reason } : {}),
    };
  } catch {
    return {};
  }
}

export interface DeadLetterDeps {
  logger: Logger;
  /** Counts the events reported (dead-lettered, retried, cancelled, expired, succeeded after retry). @defaultValue none */
  metrics?: JobMetrics;
  /** Alerting the dead-letter queue starts with, when a job's report starts it. */
  alerts?: AlertConfig;
}

/** Notifications to log and send to a webhook, in order. */
export interface NotifyInput {
  notifications: Notification[];
  webhookUrl?: string;
}

/** What a bulk batch did to one job. */
export interface JobOutcomeInBatch {
  jobId: string;
  outcome: 'done' | 'skipped' | 'failed';
  message?: string;
}

export interface ApplyToJobsInput {
  operationId: string;
  kind: 'retry' | 'cancel';
  jobs: { jobId: string; round: number }[];
  rate: number;
  /** How long one call may go on sending before it returns, in milliseconds. */
  windowMs: number;
  retryPolicy?: RetryOptions;
  reason?: string;
  /** Who started the operation. */
  actor?: string;
}

function timeout(ms: number, message: string): Promise<never> {
  return new Promise((_, reject) => setTimeout(() => reject(new Error(message)), ms).unref());
}

/**
 * Sends the events of many jobs to their queue's workflow in one signal: a storm of
 * dead-letterings costs the queue a signal every `everyMs` per worker, not one per job. Each
 * report resolves once the signal that carried it was taken, or rejects with its error (then the
 * activity is retried, and the queue drops what it counted already).
 */
function createEventBatcher(send: (client: Client, taskQueue: string, events: JobEvent[]) => Promise<void>, everyMs = 100, most = 500) {
  type Waiting = { event: JobEvent; done: (err?: unknown) => void };
  const queues = new Map<string, { client: Client; waiting: Waiting[]; timer?: NodeJS.Timeout }>();
  const flush = async (taskQueue: string) => {
    const queue = queues.get(taskQueue);
    if (!queue) return;
    queues.delete(taskQueue);
    clearTimeout(queue.timer);
    for (let i = 0; i < queue.waiting.length; i += most) {
      const part = queue.waiting.slice(i, i + most);
      try {
        await send(queue.client, taskQueue, part.map((w) => w.event));
        part.forEach((w) => w.done());
      } catch (err) {
        part.forEach((w) => w.done(err));
      }
    }
  };
  return (client: Client, taskQueue: string, event: JobEvent): Promise<void> =>
    new Promise<void>((resolve, reject) => {
      let queue = queues.get(taskQueue);
      if (!queue) {
        queue = { client, waiting: [] };
        queue.timer = setTimeout(() => void flush(taskQueue), everyMs);
        queues.set(taskQueue, queue);
      }
      queue.waiting.push({ event, done: (err) => (err === undefined ? resolve() : reject(err)) });
      if (queue.waiting.length >= most) void flush(taskQueue);
    });
}

/** Makes the dead-letter activities. */
export function createDeadLetterActivities({ logger, alerts, metrics }: DeadLetterDeps) {
  const report = createEventBatcher((client, taskQueue, events) => signalDeadLetterQueue(client, taskQueue, jobEventsSignal, { events }, alerts));
  return {
    /** Reports to the queue's workflow (batched with other jobs' reports), starting it if needed. Safe to run twice: the workflow drops repeats. */
    async reportJobEvent(event: JobEvent): Promise<void> {
      const ctx = Context.current();
      await report(ctx.client, ctx.info.taskQueue, event);
      metrics?.jobEvent(event);
    },

    /**
     * Logs each notification at warn (once, on the first attempt), then POSTs each to the webhook
     * as JSON, when there is one. A retry resumes after the last one delivered. A 4xx answer other
     * than 408 and 429 will not get better: it fails without retries.
     */
    async notify({ notifications, webhookUrl }: NotifyInput): Promise<void> {
      const ctx = Context.current();
      if (ctx.info.attempt === 1) {
        for (const n of notifications) logger.warn({ notification: n }, `dead-letter ${n.kind}: ${n.message}`);
      }
      if (!webhookUrl) return;
      const carried = ctx.info.heartbeatDetails;
      for (let i = typeof carried === 'number' ? carried : 0; i < notifications.length; i++) {
        const response = await fetch(webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(notifications[i]),
          signal: AbortSignal.any([AbortSignal.timeout(10_000), ctx.cancellationSignal]),
        });
        await response.arrayBuffer().catch(() => undefined);
        if (!response.ok) {
          const message = `webhook ${webhookUrl} answered ${response.status}`;
          const hopeless = response.status >= 400 && response.status < 500 && response.status !== 408 && response.status !== 429;
          throw hopeless ? ApplicationFailure.nonRetryable(message, 'WebhookRejected') : ApplicationFailure.retryable(message, 'WebhookFailed');
        }
        ctx.heartbeat(i + 1);
      }
    },

    /**
     * Dead jobs of `taskQueue` closed since `since` without our code running: terminated (from the
     * Web UI or `temporal workflow terminate`) or timed out while parked. Each comes back as a
     * `cancelled` event, so that the queue stops counting it as dead. At most `limit` of them.
     */
    async findJobsClosedWhileDead({ taskQueue, since, limit = 1_000 }: { taskQueue: string; since: string; limit?: number }): Promise<JobEvent[]> {
      const query = deadJobQuery(taskQueue, {}, new Date(since));
      const { client } = Context.current();
      const events: JobEvent[] = [];
      for await (const wf of client.workflow.list({ query, pageSize: Math.min(limit, 500) })) {
        // A job reset from the Web UI goes on in a new run, which reports for itself.
        const latest = await client.workflow.getHandle(wf.workflowId).describe();
        if (latest.runId !== wf.runId) continue;
        const job = deadJobSummary(wf);
        const errorType = job.errorType || 'Error';
        events.push({
          kind: 'cancelled',
          jobId: job.jobId,
          round: job.round,
          type: job.type,
          errorType,
          failureGroup: job.failureGroup || errorType,
          message: `closed from outside (${wf.status.name}) while dead-lettered`,
          at: (wf.closeTime ?? new Date()).toISOString(),
          // An operator's act, for the audit log; a job timed out while parked is not.
          ...(wf.status.name === 'TERMINATED' ? { via: 'termination' as const, ...(await terminatedBy(client, wf.workflowId, wf.runId)) } : {}),
        });
        if (events.length >= limit) break;
      }
      return events;
    },

    /**
     * Waits until the bulk operation part `workflowId` has finished, and returns its progress.
     * Parts are started last to first, so the part before may not exist yet for a moment; if it
     * still does not after `missingAfterMs`, the operation did not start whole, and this fails.
     */
    async awaitBulkPart({ workflowId, missingAfterMs = 10 * 60_000 }: { workflowId: string; missingAfterMs?: number }): Promise<BulkProgress> {
      const ctx = Context.current();
      const beat = setInterval(() => ctx.heartbeat(), 10_000);
      try {
        return (await ctx.client.withAbortSignal(ctx.cancellationSignal, () => ctx.client.workflow.getHandle(workflowId).result())) as BulkProgress;
      } catch (err) {
        if (ctx.cancellationSignal.aborted) throw err;
        if (err instanceof WorkflowNotFoundError) {
          if (Date.now() - ctx.info.scheduledTimestampMs < missingAfterMs) throw err;
          throw ApplicationFailure.nonRetryable(`the part before (${workflowId}) never started: this part applied nothing`, 'BulkPartMissing');
        }
        if (err instanceof WorkflowFailedError) {
          throw ApplicationFailure.nonRetryable(`the part before (${workflowId}) ended without finishing: ${(err as Error).message}`, 'BulkPartFailed');
        }
        throw err;
      } finally {
        clearInterval(beat);
      }
    },

    /**
     * Retries or cancels the jobs of a batch, one every `1 / rate` seconds, several in flight at a
     * time, for at most `windowMs` (at least one job): returns what it did, in any order; the jobs
     * it did not reach are the caller's to send again. A retried attempt skips the jobs the lost
     * one handled (from its heartbeat), and a job the lost attempt changed without saying so is
     * recognised by the request id it was changed with, and counted as done.
     */
    async applyToJobs(input: ApplyToJobsInput): Promise<JobOutcomeInBatch[]> {
      const ctx = Context.current();
      const results: JobOutcomeInBatch[] = Array.isArray(ctx.info.heartbeatDetails) ? ctx.info.heartbeatDetails : [];
      const handled = new Set(results.map((r) => r.jobId));
      const todo = input.jobs.filter((j) => !handled.has(j.jobId));
      const intervalMs = 1_000 / input.rate;
      const started = Date.now();
      // Heartbeat every second whatever each job takes, so slow answers are not taken for a dead worker.
      const beat = setInterval(() => ctx.heartbeat(results), 1_000);
      const inFlight = new Set<Promise<void>>();
      try {
        for (let i = 0; i < todo.length; i++) {
          const slot = started + i * intervalMs;
          if (i > 0 && slot - started >= input.windowMs) break;
          if (slot > Date.now()) await ctx.sleep(slot - Date.now());
          if (inFlight.size >= maxInFlight) await Promise.race(inFlight);
          const one: Promise<void> = applyToJob(ctx.client, input, todo[i]).then((r) => {
            results.push(r);
            inFlight.delete(one);
          });
          inFlight.add(one);
        }
        await Promise.race([Promise.all(inFlight), ctx.cancelled]);
      } finally {
        clearInterval(beat);
      }
      ctx.heartbeat(results);
      return results;
    },
  };
}

/** Updates a bulk operation has in flight at once, at most. */
const maxInFlight = 32;

/** Retries or cancels one job of a bulk operation; never throws. */
async function applyToJob(client: Client, input: ApplyToJobsInput, { jobId, round }: { jobId: string; round: number }): Promise<JobOutcomeInBatch> {
  const handle = client.workflow.getHandle(jobWorkflowId(jobId));
  const requestId = `${input.operationId}:${jobId}:${round}`;
  try {
    // An update waits for a worker to run the job's workflow task: bound the wait.
    const update =
      input.kind === 'retry'
        ? handle.executeUpdate(retryUpdate, { args: [{ ifRound: round, requestId, retryPolicy: input.retryPolicy, reason: input.reason, actor: input.actor }] })
        : handle.executeUpdate(cancelUpdate, { args: [{ ifRound: round, requestId, reason: input.reason, actor: input.actor }] });
    update.catch(() => undefined);
    await Promise.race([update, timeout(30_000, `no answer from job ${jobId} within 30 s`)]);
    return { jobId, outcome: 'done' };
  } catch (err) {
    const e = err as Error;
    if (err instanceof WorkflowNotFoundError && (await appliedBefore(handle, requestId))) return { jobId, outcome: 'done' };
    // Refused by the job (no longer dead in that round), or its workflow is gone: either way, nothing to do.
    const gone = err instanceof WorkflowUpdateFailedError || err instanceof WorkflowNotFoundError;
    return { jobId, outcome: gone ? 'skipped' : 'failed', message: (e.cause as Error | undefined)?.message ?? e.message };
  }
}

/** True when the job, now closed, was ended or started its last round by `requestId`. */
async function appliedBefore(handle: WorkflowHandle, requestId: string): Promise<boolean> {
  try {
    return (await handle.query(stateQuery)).appliedRequestId === requestId;
  } catch {
    return false;
  }
}
