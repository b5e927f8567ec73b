/**
 * The application client's types: what submit takes, what a handle does, what a job record holds.
 */
import type { Client } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import type { JobState, RetryOptions } from '../contract';
import type { OutboxFlushResult } from './outbox-forwarder';
import type { OutboxStatus } from './outbox-store';
import type { JobDefinition, JobRegistry, JobTags } from '../jobs';
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
  /**
   * Fairness key of the job's tasks, such as a tenant id: among tasks of one priority, the server
   * hands out tasks of each key in proportion to its weight, so one busy tenant does not starve the
   * others. A non-empty string of at most 64 bytes (UTF-8). Best effort, and only where the
   * server's fairness is on (see the README). @defaultValue none: every job shares the empty key
   */
  fairnessKey?: string;
  /**
   * Weight of {@link fairnessKey}: a key of weight 2 gets about twice the tasks of a key of weight 1.
   * A positive finite number, with a `fairnessKey`; the server clamps it to 0.001-1000, and a weight
   * set for the key in the task queue's configuration wins over it. @defaultValue 1
   */
  fairnessWeight?: number;
  /**
   * Tags to find the job by, such as `{ userId: 'u1', plugin: 'sql' }`: every list, bulk
   * operation, export and count filters by them. Stored in the `JobTags` search attribute, which
   * codecs do not encrypt: no personal data. Keys: a letter, then letters, digits, `_`, `-` or
   * `.`, at most 64 characters; values: 1 to 128 characters, no quotes or backslashes; at most
   * 20 tags. @defaultValue none
   */
  tags?: JobTags;
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
  /** The tags it was submitted with (`{}` for none). */
  tags?: JobTags;
  /** While the job waits between attempts: when the next one is due. */
  nextAttemptAt?: string;
  /** While the job is `Scheduled` (submitted with `delay` or `runAt`): when it is to start. */
  runAt?: string;
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
  /**
   * False when a job with this id existed already and nothing new was started. For a start
   * queued in the outbox (`queued`) it is true: whether the server knew the id is found only when
   * the start is forwarded (an id it knew then starts nothing, and the handle follows that job).
   */
  readonly created: boolean;
  /**
   * True when the server could not be reached before the submit's deadline and the start waits
   * in the client's outbox: the forwarder starts it once the server answers. Until then the job
   * is unknown to the server (`status()` and `cancel()` throw `JobNotFoundError`); `settled()` and
   * `result()` wait until it is started, and throw `OutboxError` when the server refused it for good.
   */
  readonly queued?: boolean;
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
  /**
   * How long a submit keeps trying while the server is unreachable (UNAVAILABLE, DEADLINE_EXCEEDED),
   * with exponential backoff, before it gives up: it throws `SubmitUnreachableError`, or, with an
   * outbox, queues the start there. Any other error is thrown at once. @defaultValue `10s`
   */
  submitDeadline?: Duration;
  /**
   * Keep starts that cannot reach the server in a local directory and forward them once it
   * answers (see {@link OutboxOptions}). @defaultValue none: a submit that cannot reach the server throws
   */
  outbox?: OutboxOptions;
}

/** Options of a job client's outbox. */
export interface OutboxOptions {
  /**
   * The directory that holds queued starts, one file each; made if missing. It must be on a local
   * disk, kept across restarts, and used for one namespace. Entries hold payloads as plain JSON
   * (before any codec): keep it private to the application.
   */
  dir: string;
  /** How often the forwarder looks for entries queued by other processes sharing the directory. @defaultValue `5s` */
  pollInterval?: Duration;
}

/** What a job client's outbox holds now, and what this client did with it. */
export interface JobClientOutboxStatus extends OutboxStatus {
  /** Entries this client queued since it was made. */
  queued: number;
  /** Entries this client forwarded since it was made. */
  forwarded: number;
  /** Entries this client moved to `failed/` since it was made. */
  failedNow: number;
  /** Why forwarding waits, when its last pass stopped early (e.g. the server unreachable). */
  waiting?: string;
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
   * id under another job type throws `InvalidOptionsError`. While the server is unreachable it
   * tries again until `submitDeadline`; then it throws `SubmitUnreachableError`, or with an
   * outbox queues the start and returns a handle with `queued: true`. With entries waiting in
   * the outbox, a submit queues at once, behind them.
   * @param payload @defaultValue `{}`
   */
  submit(type: string, payload?: unknown, options?: SubmitOptions): Promise<JobHandle>;
  /** A handle to a job by id (it is not checked that the job exists). */
  getHandle(jobId: string): JobHandle;
  /** The job's full record; throws `JobNotFoundError` when there is none. */
  status(jobId: string): Promise<JobRecord>;
  /**
   * Forwards what the outbox holds now, oldest first, and resolves with what the pass did (it
   * stops at the first entry the server cannot take). Throws `InvalidOptionsError` without an outbox.
   */
  flushOutbox(): Promise<OutboxFlushResult>;
  /** What the outbox holds now: pending entries, the oldest one's age, failed entries. Throws `InvalidOptionsError` without an outbox. */
  outboxStatus(): Promise<JobClientOutboxStatus>;
  /** Stops the outbox's forwarder (what it holds stays on disk). Does not close the Temporal connection. Safe to call twice. */
  close(): Promise<void>;
}
