/**
 * The application client: submit jobs, follow them, read their results.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Priority } from '@temporalio/common';
import { JobStatus, defaultTaskQueue, jobWorkflowId, limits, searchAttributes as sa } from '../contract';
import { InvalidOptionsError, JobFailedError, OutboxError, PayloadTooLargeError, PayloadValidationError, SubmitUnreachableError } from '../errors';
import { JobRegistry, checkOptionKeys, checkTags, resolveRetryPolicy, tagValues, toMs, validatePayload } from '../jobs';
import { cancelJobWorkflow } from './cancel-workflow';
import { startForwarder, type Forwarder } from './outbox-forwarder';
import { openOutboxStore, type OutboxStore } from './outbox-store';
import { readJob } from './read-job';
import { waitUntilSettled } from './settle';
import { isUnreachable, newSubmitId, startWithRetry, type StartRequest } from './start-job';
import type { JobClient, JobClientOptions, JobHandle, JobRecord, SubmitOptions } from './types';

/** Statuses at which {@link JobHandle.settled} returns. */
const settledStatuses: readonly JobStatus[] = [JobStatus.Succeeded, JobStatus.DeadLettered, JobStatus.Cancelled, JobStatus.Expired];

/** How long a submit asks its job to wait before it starts; undefined for at once. */
function delayOf({ delay, runAt }: SubmitOptions): number | undefined {
  if (delay !== undefined && runAt !== undefined) throw new InvalidOptionsError('give delay or runAt, not both');
  if (delay !== undefined) return toMs(delay, 'delay');
  if (runAt === undefined) return undefined;
  if (!(runAt instanceof Date) || Number.isNaN(runAt.getTime())) throw new InvalidOptionsError(`runAt must be a valid Date, got ${JSON.stringify(runAt)}`);
  const ms = runAt.getTime() - Date.now();
  return ms > 0 ? toMs(ms, 'runAt (from now)') : undefined;
}

/** The size of `value` as JSON, in bytes (what the server is sent, before any codec). */
function jsonBytes(type: string, value: unknown): number {
  try {
    return Buffer.byteLength(JSON.stringify(value) ?? '');
  } catch (err) {
    throw new PayloadValidationError(type, [`cannot be serialised to JSON (${(err as Error).message})`]);
  }
}

const submitOptionKeys: readonly (keyof SubmitOptions)[] = ['jobId', 'retry', 'priority', 'delay', 'runAt', 'fairnessKey', 'fairnessWeight', 'tags'];

/** The server's limit on a fairness key (see `Priority.fairnessKey` of @temporalio/common). */
const fairnessKeyMaxBytes = 64;

/** The task priority a submit asks for, checked; undefined for the server's defaults. */
function priorityOf({ priority, fairnessKey, fairnessWeight }: SubmitOptions): Priority | undefined {
  if (priority !== undefined && !(Number.isInteger(priority) && priority >= 1 && priority <= 5)) {
    throw new InvalidOptionsError(`priority must be a whole number from 1 (first) to 5 (last), 3 being the server's default, got ${JSON.stringify(priority)}`);
  }
  if (fairnessKey !== undefined && (typeof fairnessKey !== 'string' || fairnessKey === '' || Buffer.byteLength(fairnessKey) > fairnessKeyMaxBytes)) {
    const got = typeof fairnessKey === 'string' ? `${JSON.stringify(fairnessKey)} (${Buffer.byteLength(fairnessKey)} bytes)` : JSON.stringify(fairnessKey);
    throw new InvalidOptionsError(`fairnessKey must be a non-empty string of at most ${fairnessKeyMaxBytes} bytes (UTF-8), got ${got}`);
  }
  if (fairnessWeight !== undefined) {
    if (typeof fairnessWeight !== 'number' || !Number.isFinite(fairnessWeight) || fairnessWeight <= 0) {
      throw new InvalidOptionsError(`fairnessWeight must be a positive finite number, got ${typeof fairnessWeight === 'number' ? String(fairnessWeight) : JSON.stringify(fairnessWeight)}`);
    }
    if (fairnessKey === undefined) throw new InvalidOptionsError('fairnessWeight needs a fairnessKey: it is the weight of that key');
  }
  if (priority === undefined && fairnessKey === undefined) return undefined;
  return {
    ...(priority === undefined ? {} : { priorityKey: priority }),
    ...(fairnessKey === undefined ? {} : { fairnessKey }),
    ...(fairnessWeight === undefined ? {} : { fairnessWeight }),
  };
}

/**
 * Makes a handle. `untilStarted`, for a start queued in the outbox, resolves once the job exists
 * on the server: the waits (`settled`, `result`) begin there.
 */
function makeHandle(client: Client, jobId: string, runId: string | undefined, created: boolean, untilStarted?: () => Promise<void>): JobHandle {
  const status = () => readJob(client, jobId);
  const settled = async (): Promise<JobRecord> => {
    await untilStarted?.();
    for (;;) {
      await waitUntilSettled(client, jobId);
      // The full record comes from the job itself; between the two reads it may have moved on (retried).
      const record = await status();
      if (settledStatuses.includes(record.status)) return record;
    }
  };
  return {
    jobId,
    workflowId: jobWorkflowId(jobId),
    runId,
    created,
    ...(untilStarted ? { queued: true } : {}),
    status,
    settled,
    async cancel() {
      const handle = client.workflow.getHandle(jobWorkflowId(jobId));
      try {
        await cancelJobWorkflow(handle, await handle.describe());
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        // Ended already (cancelling a closed workflow answers "not found"), or never was.
        await readJob(client, jobId);
      }
    },
    async result<R>() {
      // From the server's records alone: the workflow's result, or the dead job's indexed error.
      await untilStarted?.();
      const settlement = await waitUntilSettled(client, jobId);
      if (settlement.outcome?.status === JobStatus.Succeeded) return settlement.outcome.result as R;
      if (settlement.outcome) throw new JobFailedError(settlement.outcome);
      const { job } = settlement;
      throw new JobFailedError({ jobId, status: job.status, attempts: job.attempts ?? job.totalAttempts, errorType: job.errorType, message: job.message });
    },
  };
}

/** The outbox of a job client, open, with its forwarder running. */
interface Outbox {
  store: OutboxStore;
  forwarder: Forwarder;
  counts: { queued: number; forwarded: number; failed: number };
  /** Jobs of entries this client moved to `failed/`, with the error's message. */
  failedJobs: Map<string, string>;
}

function openOutbox(client: Client, options: JobClientOptions, startTimeoutMs: number): Outbox | undefined {
  if (options.outbox === undefined) return undefined;
  if (typeof options.outbox !== 'object' || options.outbox === null) throw new InvalidOptionsError(`outbox must be { dir }, got ${JSON.stringify(options.outbox)}`);
  checkOptionKeys(options.outbox, ['dir', 'pollInterval'], 'outbox');
  const pollMs = toMs(options.outbox.pollInterval ?? '5s', 'outbox.pollInterval');
  const store = openOutboxStore(options.outbox.dir);
  const counts = { queued: 0, forwarded: 0, failed: 0 };
  const failedJobs = new Map<string, string>();
  const forwarder = startForwarder(client, store, {
    startTimeoutMs,
    pollMs,
    initialBacklog: store.pendingSync(),
    forwarded: () => counts.forwarded++,
    failed: (jobId, err) => {
      counts.failed++;
      failedJobs.set(jobId, err instanceof Error ? err.message : String(err));
    },
  });
  return { store, forwarder, counts, failedJobs };
}

/** Creates the client application code submits jobs with. */
export function createJobClient(options: JobClientOptions): JobClient {
  const { client } = options;
  const registry = options.jobs instanceof JobRegistry ? options.jobs : new JobRegistry(options.jobs);
  const taskQueue = options.taskQueue ?? defaultTaskQueue;
  const deadlineMs = toMs(options.submitDeadline ?? '10s', 'submitDeadline');
  const outbox = openOutbox(client, options, deadlineMs);
  const needOutbox = (what: string): Outbox => {
    if (!outbox) throw new InvalidOptionsError(`${what} needs an outbox: createJobClient({ ..., outbox: { dir } })`);
    return outbox;
  };

  async function queue(request: StartRequest): Promise<JobHandle> {
    const { store, forwarder, counts } = needOutbox('queueing');
    await store.write({ ...request, namespace: client.options.namespace });
    counts.queued++;
    forwarder.queued();
    return makeHandle(client, request.jobId, undefined, true, () => untilForwarded(request));
  }

  /** Resolves once the queued start of `request` exists on the server (forwarded by any process). */
  async function untilForwarded({ jobId, type }: StartRequest): Promise<void> {
    const { store, failedJobs } = needOutbox('a queued job');
    const refusedHere = () => {
      const why = failedJobs.get(jobId);
      return why && new OutboxError(store.dir, `job "${jobId}" was refused by the server and set aside in failed/: ${why}`);
    };
    for (let round = 0; ; round++) {
      try {
        const existing = await client.workflow.getHandle(jobWorkflowId(jobId)).describe();
        const existingType = existing.typedSearchAttributes.get(sa.jobType);
        if (existingType === undefined || existingType === type) return;
        throw refusedHere() || new InvalidOptionsError(`jobId "${jobId}" is taken by a job of type "${existingType}", not "${type}"`);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError) && !isUnreachable(err)) throw err;
      }
      // Set aside by this process (known at once), or by another one sharing the directory (read now and then).
      const setAside = round % 10 === 9 ? (await store.status().catch(() => undefined))?.failed.find((f) => f.jobId === jobId) : undefined;
      const refused = refusedHere() || (setAside && new OutboxError(store.dir, `job "${jobId}" was refused by the server and set aside in failed/: ${setAside.error.name}: ${setAside.error.message}`));
      if (refused) throw refused;
      await new Promise((resolve) => setTimeout(resolve, 1_000));
    }
  }

  async function submit(type: string, payload: unknown = {}, opts: SubmitOptions = {}): Promise<JobHandle> {
    const def = registry.get(type);
    checkOptionKeys(opts, submitOptionKeys, 'submit');
    await validatePayload(def, payload);
    const size = jsonBytes(type, payload);
    if (size > limits.payloadBytes) throw new PayloadTooLargeError(type, size, limits.payloadBytes);
    const retry = resolveRetryPolicy(def.retry, opts.retry);
    const jobId = opts.jobId ?? randomUUID();
    if (typeof jobId !== 'string' || jobId.trim() === '' || jobId.length > 200) {
      throw new InvalidOptionsError(`jobId must be a non-empty string of at most 200 characters, got ${JSON.stringify(jobId)}`);
    }
    const priority = priorityOf(opts);
    const tags = opts.tags === undefined ? [] : tagValues(checkTags(opts.tags));
    const startDelayMs = delayOf(opts);
    const request: StartRequest = {
      jobId,
      type,
      taskQueue,
      input: {
        jobId,
        type,
        payload,
        retry,
        timeouts: def.timeouts,
        retentionMs: def.retentionMs,
        expiryWarningMs: def.expiryWarningMs,
        ...(def.autoRedrive ? { autoRedrive: def.autoRedrive } : {}),
      },
      ...(priority === undefined ? {} : { priority }),
      ...(tags.length > 0 ? { tags } : {}),
      ...(startDelayMs ? { runAt: new Date(Date.now() + startDelayMs).toISOString() } : {}),
      submitId: newSubmitId(),
    };
    // Behind entries already waiting, so that the outbox keeps submit order.
    if (outbox && outbox.forwarder.backlog() > 0) return queue(request);
    try {
      const started = await startWithRetry(client, request, deadlineMs);
      return makeHandle(client, jobId, started.runId, started.created);
    } catch (err) {
      if (outbox && err instanceof SubmitUnreachableError) return queue(request);
      throw err;
    }
  }

  return {
    registry,
    submit,
    getHandle: (jobId) => makeHandle(client, jobId, undefined, true),
    status: (jobId) => readJob(client, jobId),
    flushOutbox: () => needOutbox('flushOutbox()').forwarder.flush(),
    async outboxStatus() {
      const { store, forwarder, counts } = needOutbox('outboxStatus()');
      const waiting = forwarder.waiting();
      return { ...(await store.status()), queued: counts.queued, forwarded: counts.forwarded, failedNow: counts.failed, ...(waiting ? { waiting } : {}) };
    },
    close: async () => outbox?.forwarder.close(),
  };
}
