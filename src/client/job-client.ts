/**
 * The application client: submit jobs, follow them, read their results.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Priority } from '@temporalio/common';
import { JobStatus, defaultTaskQueue, jobWorkflowId, jobWorkflowType, limits, searchAttributes as sa, type JobInput } from '../contract';
import { InvalidOptionsError, JobFailedError, PayloadTooLargeError, PayloadValidationError } from '../errors';
import { JobRegistry, checkOptionKeys, resolveRetryPolicy, toMs, validatePayload } from '../jobs';
import { readJob } from './read-job';
import { waitUntilSettled } from './settle';
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

const submitOptionKeys: readonly (keyof SubmitOptions)[] = ['jobId', 'retry', 'priority', 'delay', 'runAt'];

function makeHandle(client: Client, jobId: string, runId: string | undefined, created: boolean): JobHandle {
  const status = () => readJob(client, jobId);
  const settled = async (): Promise<JobRecord> => {
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
    status,
    settled,
    async cancel() {
      const handle = client.workflow.getHandle(jobWorkflowId(jobId));
      try {
        // A job still waiting for its time has run no code: nothing to let finish, and the server
        // would hold a cancel request until then.
        const scheduled = (await handle.describe()).typedSearchAttributes.get(sa.jobStatus) === JobStatus.Scheduled;
        if (scheduled) await handle.terminate('cancelled before it ran');
        else await handle.cancel();
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        // Ended already (cancelling a closed workflow answers "not found"), or never was.
        await readJob(client, jobId);
      }
    },
    async result<R>() {
      // From the server's records alone: the workflow's result, or the dead job's indexed error.
      const { job, outcome } = await waitUntilSettled(client, jobId);
      if (outcome?.status === JobStatus.Succeeded) return outcome.result as R;
      throw new JobFailedError(outcome ?? { jobId, status: job.status, attempts: job.attempts ?? job.totalAttempts, errorType: job.errorType, message: job.message });
    },
  };
}

/** Creates the client application code submits jobs with. */
export function createJobClient(options: JobClientOptions): JobClient {
  const { client } = options;
  const registry = options.jobs instanceof JobRegistry ? options.jobs : new JobRegistry(options.jobs);
  const taskQueue = options.taskQueue ?? defaultTaskQueue;

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
    if (opts.priority !== undefined && !(Number.isInteger(opts.priority) && opts.priority >= 1 && opts.priority <= 5)) {
      throw new InvalidOptionsError(`priority must be a whole number from 1 (first) to 5 (last), 3 being the server's default, got ${JSON.stringify(opts.priority)}`);
    }
    const startDelayMs = delayOf(opts);
    const input: JobInput = {
      jobId,
      type,
      payload,
      retry,
      timeouts: def.timeouts,
      retentionMs: def.retentionMs,
      expiryWarningMs: def.expiryWarningMs,
      ...(startDelayMs ? { startDelayMs } : {}),
      ...(def.autoRedrive ? { autoRedrive: def.autoRedrive } : {}),
    };
    try {
      const handle = await client.workflow.start(jobWorkflowType, {
        workflowId: jobWorkflowId(jobId),
        taskQueue,
        args: [input],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: sa.jobType, value: type },
          { key: sa.jobStatus, value: startDelayMs ? JobStatus.Scheduled : JobStatus.Running },
        ],
        ...(startDelayMs === undefined ? {} : { startDelay: startDelayMs }),
        staticSummary: `${type} ${jobId}`,
        ...(opts.priority === undefined ? {} : { priority: { priorityKey: opts.priority } satisfies Priority }),
      });
      return makeHandle(client, jobId, handle.firstExecutionRunId, true);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const existing = await client.workflow.getHandle(jobWorkflowId(jobId)).describe();
      const existingType = existing.typedSearchAttributes.get(sa.jobType);
      if (existingType !== undefined && existingType !== type) {
        throw new InvalidOptionsError(`jobId "${jobId}" is taken by a job of type "${existingType}", not "${type}"`);
      }
      return makeHandle(client, jobId, undefined, false);
    }
  }

  return {
    registry,
    submit,
    getHandle: (jobId) => makeHandle(client, jobId, undefined, true),
    status: (jobId) => readJob(client, jobId),
  };
}
