/**
 * The application client: submit jobs, follow them, read their results.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError, type Client, type WorkflowHandle } from '@temporalio/client';
import type { Priority } from '@temporalio/common';
import { InvalidOptionsError, JobNotFoundError } from './errors';
import { JobRegistry, resolveRetryPolicy, validatePayload, type JobDefinition, type RetryOptions } from './jobs';
import {
  JobStatus,
  finalStatuses,
  jobWorkflowId,
  jobWorkflowType,
  searchAttributes as sa,
  stateQuery,
  type JobInput,
  type JobOutcome,
  type JobState,
} from './shared';

/** Options of one submit. */
export interface SubmitOptions {
  /**
   * Your id for the job; one id runs at most once. Submitting an id that exists starts nothing
   * and returns a handle to the existing job, with `created: false`.
   * @defaultValue a random UUID
   */
  jobId?: string;
  /** Overrides of the type's retry policy for this job. */
  retry?: RetryOptions;
  /** Temporal task priority (1 is highest). @defaultValue the server's default */
  priority?: number;
}

/**
 * A job's record, with the ids that find it in Temporal. `indexedOnly` is set when no worker
 * answered the job's state query: the record then holds only what the server indexed (status,
 * type, attempts, error type), without payload, retry policy or attempt history.
 */
export type JobRecord = JobState & { workflowId: string; runId?: string; indexedOnly?: true };

/** Statuses at which {@link JobHandle.settled} returns. */
const settledStatuses: readonly JobStatus[] = [JobStatus.Succeeded, JobStatus.DeadLettered, JobStatus.Cancelled, JobStatus.Expired];

/** Thrown by {@link JobHandle.result} when the job did not succeed. */
export class JobFailedError extends Error {
  constructor(readonly outcome: JobOutcome) {
    super(`job "${outcome.jobId}" is ${outcome.status}${outcome.errorType ? `: ${outcome.errorType}: ${outcome.message}` : ''}`);
    this.name = 'JobFailedError';
  }
}

/** A submitted job. */
export interface JobHandle {
  readonly jobId: string;
  readonly workflowId: string;
  /** The run started by this submit; absent when the job already existed. */
  readonly runId?: string;
  /** False when a job with this id existed already and nothing new was started. */
  readonly created: boolean;
  /** The job's full record: status, payload, attempts and their history, timeline. */
  status(): Promise<JobRecord>;
  /** Waits until the job succeeded, dead-lettered, was cancelled or expired; returns its record. */
  settled(options?: { pollMs?: number }): Promise<JobRecord>;
  /** The handler's result; throws {@link JobFailedError} when the job dead-lettered, was cancelled or expired. */
  result<R = unknown>(): Promise<R>;
}

export interface JobClientOptions {
  client: Client;
  /** The job types this client may submit. */
  jobs: Iterable<JobDefinition<any, any>> | JobRegistry;
  /** @defaultValue `rebound` */
  taskQueue?: string;
}

/**
 * Execution statuses that close a job's workflow without the workflow recording it (terminated
 * from the Web UI or `temporal workflow terminate`, timed out, failed): the job's own state still
 * says `Running` or `DeadLettered`, so the job counts as `Cancelled`.
 */
const closedFromOutside = new Set(['TERMINATED', 'TIMED_OUT', 'FAILED']);

/** The status of a job whose own state says `status`, once its workflow closed with `executionStatus`. */
function statusOnceClosed(status: JobStatus, executionStatus: string): JobStatus {
  return !finalStatuses.includes(status) && closedFromOutside.has(executionStatus) ? JobStatus.Cancelled : status;
}

/** What a job's record says when its workflow cannot be queried (no worker running). */
async function recordFromDescription(handle: WorkflowHandle, jobId: string): Promise<JobRecord> {
  const d = await handle.describe();
  const attrs = d.typedSearchAttributes;
  const closed: Record<string, JobStatus> = { CANCELLED: JobStatus.Cancelled, COMPLETED: JobStatus.Succeeded };
  const status = statusOnceClosed((attrs.get(sa.jobStatus) as JobStatus | undefined) ?? closed[d.status.name] ?? JobStatus.Running, d.status.name);
  return {
    jobId,
    workflowId: d.workflowId,
    runId: d.runId,
    type: attrs.get(sa.jobType) ?? d.type,
    status,
    payload: undefined,
    retry: undefined as never,
    round: 0,
    attempts: attrs.get(sa.jobAttempts) ?? 0,
    totalAttempts: attrs.get(sa.jobAttempts) ?? 0,
    attemptHistory: [],
    attemptsDropped: 0,
    timeline: [],
    errorType: attrs.get(sa.jobErrorType),
    deadLetteredAt: attrs.get(sa.deadLetteredAt)?.toISOString(),
    indexedOnly: true,
  };
}

/** Reads a job's record through its state query, or from its description when no worker answers. */
export async function readJob(client: Client, jobId: string, runId?: string): Promise<JobRecord> {
  const handle = client.workflow.getHandle(jobWorkflowId(jobId), runId);
  try {
    const state = await client.connection.withDeadline(Date.now() + 5_000, () => handle.query(stateQuery));
    const record: JobRecord = { ...state, workflowId: handle.workflowId, runId };
    // Without this, a terminated job reads `Running` (or `DeadLettered`) for ever, and `settled()` never returns.
    if (finalStatuses.includes(state.status)) return record;
    return { ...record, status: statusOnceClosed(state.status, (await handle.describe()).status.name) };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError || (err as Error)?.name === 'WorkflowNotFoundError') throw new JobNotFoundError(jobId);
    try {
      return await recordFromDescription(handle, jobId);
    } catch (describeErr) {
      if ((describeErr as Error)?.name === 'WorkflowNotFoundError') throw new JobNotFoundError(jobId);
      throw err;
    }
  }
}

function makeHandle(client: Client, jobId: string, runId: string | undefined, created: boolean): JobHandle {
  const status = () => readJob(client, jobId);
  const settled = async ({ pollMs = 100 } = {}) => {
    for (let wait = pollMs; ; wait = Math.min(wait * 2, 1_000)) {
      const record = await status();
      if (settledStatuses.includes(record.status)) return record;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };
  return {
    jobId,
    workflowId: jobWorkflowId(jobId),
    runId,
    created,
    status,
    settled,
    async result<R>() {
      const record = await settled();
      if (record.status !== JobStatus.Succeeded) {
        const { status: s, attempts, errorType, message } = record;
        throw new JobFailedError({ jobId, status: s, attempts, errorType, message });
      }
      return record.result as R;
    },
  };
}

/** Creates the client application code submits jobs with. */
export function createJobClient(options: JobClientOptions) {
  const { client } = options;
  const registry = options.jobs instanceof JobRegistry ? options.jobs : new JobRegistry(options.jobs);
  const taskQueue = options.taskQueue ?? 'rebound';

  return {
    registry,
    /**
     * Submits a job. The type, payload and options are checked first: an unknown type throws
     * `UnknownJobTypeError`, a payload the schema refuses `PayloadValidationError`, options out of
     * range `InvalidOptionsError`, and nothing is started. Submitting a `jobId` that exists
     * starts nothing and returns a handle to the existing job (`created: false`).
     */
    async submit(type: string, payload: unknown = {}, opts: SubmitOptions = {}): Promise<JobHandle> {
      const def = registry.get(type);
      await validatePayload(def, payload);
      const retry = resolveRetryPolicy(def.retry, opts.retry);
      const jobId = opts.jobId ?? randomUUID();
      if (typeof jobId !== 'string' || jobId.trim() === '' || jobId.length > 200) {
        throw new InvalidOptionsError(`jobId must be a non-empty string of at most 200 characters, got ${JSON.stringify(jobId)}`);
      }
      if (opts.priority !== undefined && !(Number.isInteger(opts.priority) && opts.priority >= 1)) {
        throw new InvalidOptionsError(`priority must be a whole number of at least 1, got ${JSON.stringify(opts.priority)}`);
      }
      const input: JobInput = { jobId, type, payload, retry, timeouts: def.timeouts, retentionMs: def.retentionMs, expiryWarningMs: def.expiryWarningMs };
      try {
        const handle = await client.workflow.start(jobWorkflowType, {
          workflowId: jobWorkflowId(jobId),
          taskQueue,
          args: [input],
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          typedSearchAttributes: [
            { key: sa.jobType, value: type },
            { key: sa.jobStatus, value: JobStatus.Running },
          ],
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
    },
    /** A handle to a job by id (it is not checked that the job exists). */
    getHandle(jobId: string): JobHandle {
      return makeHandle(client, jobId, undefined, true);
    },
    /** The job's full record; throws `JobNotFoundError` when there is none. */
    status(jobId: string): Promise<JobRecord> {
      return readJob(client, jobId);
    },
  };
}

export type JobClient = ReturnType<typeof createJobClient>;
