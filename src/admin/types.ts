/**
 * The operator API's types, declared by hand: {@link DeadLetterAdmin} and the options and
 * results of its methods.
 */
import type { Client } from '@temporalio/client';
import type { BulkProgress, DeadLetterStats, FailureGroup, RetryOptions } from '../contract';
import type { JobRecord } from '../client';
import type { JobDefinition, JobRegistry } from '../jobs';

/** Which dead jobs an operation is about. Every field narrows the selection. */
export interface DeadJobFilter {
  /** Job type. @defaultValue every type */
  type?: string;
  /** Error type of the failure that dead-lettered the job. @defaultValue every error type */
  errorType?: string;
  /** Failure group id (see {@link DeadLetterAdmin.groups}). @defaultValue every group */
  group?: string;
  /** Dead-lettered at or after this time. @defaultValue no lower bound */
  since?: Date;
  /** Dead-lettered at or before this time. @defaultValue no upper bound */
  until?: Date;
}

/** A dead job, as listed. */
export interface DeadJobSummary {
  jobId: string;
  workflowId: string;
  type: string;
  errorType: string;
  message: string;
  failureGroup: string;
  /** Attempts in the round that dead-lettered. */
  attempts: number;
  /** Attempts over every round (the `JobAttempts` search attribute). */
  totalAttempts: number;
  deadLetteredAt: string;
  /** The round of attempts that dead-lettered (1 unless the job was retried before). */
  round: number;
}

/** One page of dead jobs. */
export interface DeadJobPage {
  items: DeadJobSummary[];
  /** Pass it back to get the next page; null on the last page. */
  nextPageToken: string | null;
}

/** Paging of {@link DeadLetterAdmin.list}. */
export interface ListOptions {
  /** Jobs per page, 1 to 1000. @defaultValue 50 */
  limit?: number;
  /** The `nextPageToken` of the page before. @defaultValue the first page */
  pageToken?: string | null;
}

/** What a retry or cancel of one job did. */
export interface JobOperationResult {
  jobId: string;
  ok: boolean;
  /** The job's status after the operation. */
  status?: string;
  /** Why it failed: the error's class name and message. */
  error?: { name: string; message: string };
}

/** A retry of dead jobs by id. */
export interface RetryRequestOptions {
  /** A corrected payload, checked against the job type's schema before anything is sent. @defaultValue the job's payload */
  payload?: unknown;
  /** Changes to the retry policy for the new round. @defaultValue the job's policy */
  retryPolicy?: RetryOptions;
  /** Why; kept in the job's timeline. */
  reason?: string;
}

/** Options of {@link DeadLetterAdmin.retryAll} and {@link DeadLetterAdmin.cancelAll}. */
export interface BulkOptions {
  /** Count the selection and change nothing. @defaultValue false */
  dryRun?: boolean;
  /** Jobs per second, more than 0 and at most 1000. @defaultValue 10 */
  rate?: number;
  /** Changes to the retry policy for the new round (retry only). @defaultValue each job's policy */
  retryPolicy?: RetryOptions;
  /** Why; kept in each job's timeline. */
  reason?: string;
  /**
   * Jobs one workflow of the operation carries; a larger selection runs in parts, one after
   * another. @defaultValue 5000, the most allowed
   */
  jobsPerPart?: number;
}

/** How {@link BulkOperation.result} reports progress while it waits. */
export interface WatchOptions {
  /** Called with the progress while the operation runs. */
  onProgress?: (progress: BulkProgress) => void;
  /** Time between two reports, in milliseconds. @defaultValue 500 */
  everyMs?: number;
}

/** A bulk operation once started. */
export interface BulkOperation {
  operationId: string;
  /** The workflow of its first part (the only one, unless the selection was large). */
  workflowId: string;
  /** Jobs selected when it started (0 when the handle was made from an id alone). */
  matched: number;
  /** Its progress, summed over its parts. Throws `OperationNotFoundError`. */
  progress(): Promise<BulkProgress>;
  /** Stops after the job under way, until resumed. */
  pause(): Promise<void>;
  /** Goes on after a pause. */
  resume(): Promise<void>;
  /** Stops for good after the job under way. */
  abort(): Promise<void>;
  /**
   * Waits until the operation completed or was aborted; returns its final progress.
   * With `onProgress`, reports the progress every `everyMs` while it waits (a progress
   * that cannot be read, no worker answering for one, is skipped, not an error).
   */
  result(options?: WatchOptions): Promise<BulkProgress>;
}

/** What `retryAll` / `cancelAll` selected, and the operation applying it (none for a dry run or an empty selection). */
export interface BulkSelection {
  /** Jobs selected. */
  matched: number;
  ids: string[];
  /**
   * When the latest selected job was dead-lettered (null when none matched). The same filter with
   * `until` set to it selects no job dead-lettered since: pass it to apply a dry run's selection
   * and nothing newer.
   */
  until: string | null;
  operation?: BulkOperation;
}

/** Options of {@link createAdmin}. */
export interface AdminOptions {
  /** A connected Temporal client (see `connectClient`). */
  client: Client;
  /** The task queue whose dead jobs this API operates. @defaultValue `rebound` */
  taskQueue?: string;
  /**
   * Job types, to validate a corrected payload before it is sent; when given, a corrected payload
   * for a type not among them is refused with `UnknownJobTypeError`.
   * @defaultValue none: corrected payloads are not checked
   */
  jobs?: Iterable<JobDefinition<any, any>> | JobRegistry;
}

/**
 * The operator API over a task queue's dead jobs. Lists read visibility (eventually consistent:
 * a job is listed a moment after it dead-lettered); single-job reads and changes go to the job
 * itself.
 */
export interface DeadLetterAdmin {
  /** Dead jobs matching `filter`, a page at a time. Throws `InvalidOptionsError` for a bad limit, filter or page token. */
  list(filter?: DeadJobFilter, options?: ListOptions): Promise<DeadJobPage>;
  /** Every dead job matching `filter`, page after page. */
  all(filter?: DeadJobFilter): AsyncGenerator<DeadJobSummary>;
  /** A job's full record: payload, retry policy, attempt history, timeline. Throws `JobNotFoundError`. */
  get(jobId: string): Promise<JobRecord>;
  /**
   * Retries dead jobs by id, each in a new round of attempts, optionally with a corrected payload
   * (validated against the type's schema first) and retry policy. Never throws for one job: each
   * result says whether it worked. A job that is not dead fails with `JobNotDeadError`, an
   * unknown one with `JobNotFoundError`, one no worker answers for with `WorkerUnavailableError`
   * (rather than waiting for a worker); those are left as they are.
   */
  retry(jobIds: string[], request?: RetryRequestOptions): Promise<JobOperationResult[]>;
  /** Cancels dead jobs by id; they end `Cancelled`. Results as {@link retry}. */
  cancel(jobIds: string[], request?: { reason?: string }): Promise<JobOperationResult[]>;
  /**
   * Retries every dead job matching `filter` at `rate` jobs per second, as a durable operation
   * that survives worker restarts and can be paused, resumed and aborted. The selection is fixed
   * when it starts. With `dryRun`, only counts. Throws `InvalidOptionsError` for bad options.
   */
  retryAll(filter: DeadJobFilter, options?: BulkOptions): Promise<BulkSelection>;
  /** Cancels every dead job matching `filter`, like {@link retryAll}. */
  cancelAll(filter: DeadJobFilter, options?: Omit<BulkOptions, 'retryPolicy'>): Promise<BulkSelection>;
  /** A bulk operation started earlier, by id (not checked until it is used). */
  operation(operationId: string): BulkOperation;
  /** The dead-letter queue's counters: dead now, dead-lettered, retried, cancelled, expired, per type and error type. */
  stats(): Promise<DeadLetterStats>;
  /** Failure groups with dead jobs now, largest first. */
  groups(): Promise<FailureGroup[]>;
  /** Full records of the dead jobs matching `filter`, one after another (for JSON Lines export). */
  export(filter?: DeadJobFilter): AsyncGenerator<JobRecord>;
}
