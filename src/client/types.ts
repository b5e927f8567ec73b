/**
 * The application client's types: what submit takes, what a handle does, what a job record holds.
 */
import type { Client } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { JobState, RetryOptions } from '../contract';
import type { JobDefinition, JobRegistry } from '../jobs';
import type { PauseInfo } from './pending-attempt';

/** Options of one submit. */
export interface SubmitOptions {
  /**
   * Your id for the job; one id runs at most once. Submitting an id that exists starts nothing
   * and returns a handle to the existing job, with `created: false`.
   * @defaultValue a random UUID
   */
  jobId?: string;
  /** Overrides of the type's retry policy for this job. @defaultValue the type's policy */
  retry?: RetryOptions;
  /**
   * Start the job this long from now (its status is `Scheduled` until then). The server holds
   * it: no worker slot is taken while it waits. Not with `runAt`. @defaultValue at once
   */
  delay?: Duration;
  /** Start the job at this time (`Scheduled` until then); a time past starts it at once. Not with `delay`. @defaultValue at once */
  runAt?: Date;
  /**
   * Temporal task priority, from 1 (taken first) to 5 (taken last). Best effort: the server's
   * matcher hands out tasks of a queue by priority when several wait; a running attempt is never
   * preempted. @defaultValue 3, the server's default
   */
  priority?: number;
}

/**
 * A job's record, with the ids that find it in Temporal. `indexedOnly` is set when no worker
 * answered the job's state query: the record then holds only what the server indexed (status,
 * type, attempts, error type), without payload, retry policy or attempt history.
 */
export type JobRecord = JobState & {
  workflowId: string;
  runId?: string;
  indexedOnly?: true;
  /** While the job waits between attempts: when the next one is due. */
  nextAttemptAt?: string;
  /** Set while an operator has paused the job's attempts: since when, by whom, why. */
  paused?: PauseInfo;
};

/** A submitted job. */
export interface JobHandle {
  /** Your id for the job. */
  readonly jobId: string;
  /** The id of its workflow (`job-<jobId>`). */
  readonly workflowId: string;
  /** The run started by this submit; absent when the job already existed. */
  readonly runId?: string;
  /** False when a job with this id existed already and nothing new was started. */
  readonly created: boolean;
  /** The job's full record: status, payload, attempts and their history, timeline. Throws `JobNotFoundError`. */
  status(): Promise<JobRecord>;
  /**
   * Waits until the job succeeded, dead-lettered, was cancelled or expired; returns its record.
   * The wait long-polls the server: no worker is asked until the job has settled.
   */
  settled(): Promise<JobRecord>;
  /** Waits for the job; returns the handler's result, or throws `JobFailedError` when the job dead-lettered, was cancelled or expired. */
  result<R = unknown>(): Promise<R>;
  /**
   * Asks the job to stop and end `Cancelled`, whatever it is doing: a scheduled job never runs,
   * a running attempt is cancelled (its `ctx.signal` aborts), a dead job leaves the queue. A job
   * that has ended already stays as it is. Throws `JobNotFoundError`.
   */
  cancel(): Promise<void>;
}

/** Options of {@link createJobClient}. */
export interface JobClientOptions {
  /** A connected Temporal client (see `connectClient`). */
  client: Client;
  /** The job types this client may submit. */
  jobs: Iterable<JobDefinition<any, any>> | JobRegistry;
  /** The task queue jobs are submitted to. @defaultValue `rebound` */
  taskQueue?: string;
}

/** What application code submits and follows jobs with. */
export interface JobClient {
  /** The job types this client knows. */
  readonly registry: JobRegistry;
  /**
   * Submits a job. The type, payload and options are checked first: an unknown type throws
   * `UnknownJobTypeError`, a payload the schema refuses `PayloadValidationError`, options unknown
   * or out of range `InvalidOptionsError`, and nothing is started. Submitting a `jobId` that
   * exists starts nothing and returns a handle to the existing job (`created: false`); the same
   * id under another job type throws `InvalidOptionsError`.
   * @param payload @defaultValue `{}`
   */
  submit(type: string, payload?: unknown, options?: SubmitOptions): Promise<JobHandle>;
  /** A handle to a job by id (it is not checked that the job exists). */
  getHandle(jobId: string): JobHandle;
  /** The job's full record; throws `JobNotFoundError` when there is none. */
  status(jobId: string): Promise<JobRecord>;
}
