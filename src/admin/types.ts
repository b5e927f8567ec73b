/**
 * The operator API's types, declared by hand: {@link DeadLetterAdmin} and the options and
 * results of its methods.
 */
import type { Client } from '@temporalio/client';
import type { AuditEntry, BreakerMode, BreakerRecord, BreakerStatus, BulkProgress, DeadLetterStats, FailureGroup, JobStatus, RetryOptions } from '../contract';
import type { JobRecord } from '../client';
import type { JobDefinition, JobRegistry, JobTags } from '../jobs';

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
  /** Jobs carrying every one of these tags (and maybe others). @defaultValue any tags */
  tags?: JobTags;
}

/** Which jobs, in any status, {@link DeadLetterAdmin.listJobs} is about. Every field narrows the selection. */
export interface JobFilter {
  /** Job type. @defaultValue every type */
  type?: string;
  /**
   * Status, or any of several, as `get` reports it (a job terminated from outside is `Cancelled`).
   * `Running` and `Retrying` are told apart: give both for every job whose attempts are under way.
   * @defaultValue every status
   */
  status?: JobStatus | JobStatus[];
  /** Error type of the job's last failure (kept while it is dead, and once it expired). @defaultValue every error type */
  errorType?: string;
  /** Submitted at or after this time. @defaultValue no lower bound */
  since?: Date;
  /** Submitted at or before this time. @defaultValue no upper bound */
  until?: Date;
  /** Jobs carrying every one of these tags (and maybe others). @defaultValue any tags */
  tags?: JobTags;
}

/** A job in any status, as listed: what the server indexed about it. */
export interface JobSummary {
  jobId: string;
  workflowId: string;
  type: string;
  status: JobStatus;
  /** Attempts over every round, as recorded when it last succeeded or dead-lettered; null until then. */
  attempts: number | null;
  /** The error type of its last failure while dead or expired; null otherwise. */
  errorType: string | null;
  /** When it was submitted (when its latest run started, for a job that continued as new). */
  submittedAt: string | null;
  /** When its workflow closed; null while it is open (scheduled, running, retrying or dead). */
  closedAt: string | null;
  /** While it is `Scheduled`: when it is to start; null otherwise. */
  runAt: string | null;
  deadLetteredAt: string | null;
  tags: JobTags;
}

/** One page of jobs. */
export interface JobPage {
  items: JobSummary[];
  /** Pass it back to get the next page; null on the last page. */
  nextPageToken: string | null;
}

/** Which jobs {@link DeadLetterAdmin.jobStats} counts. */
export type JobStatsFilter = Pick<JobFilter, 'type' | 'since' | 'until' | 'tags'>;

/** Jobs per status, and how they ended. */
export interface JobStatusCounts {
  /** Every job counted: the sum of the statuses below. */
  total: number;
  /** Waiting to start (submitted with a delay or a time to run at). */
  scheduled: number;
  /** Attempts under way, none of this round failed yet. */
  running: number;
  /** Attempts under way after a failed one. */
  retrying: number;
  succeeded: number;
  /** Dead-lettered and parked now. */
  deadLettered: number;
  cancelled: number;
  expired: number;
  /** Jobs no longer scheduled or running: succeeded + dead-lettered + cancelled + expired. */
  settled: number;
  /** Settled jobs that took more than one attempt, over every round (the `JobAttempts` search attribute). */
  retried: number;
  /** succeeded / settled; null when none settled. */
  successRate: number | null;
  /** retried / settled; null when none settled. */
  retryRate: number | null;
}

/** What {@link DeadLetterAdmin.jobStats} counted. */
export interface JobStats {
  taskQueue: string;
  /** The window, as asked (submitted at or after `since`, at or before `until`); null for no bound. */
  since: string | null;
  until: string | null;
  /** Every type together. */
  total: JobStatusCounts;
  /** Per job type, types with no job in the window left out. */
  byType: Record<string, JobStatusCounts>;
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
  /** The tags it was submitted with. */
  tags: JobTags;
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
  /** Who asks; kept in the job's timeline and the audit log. @defaultValue the admin's `actor` */
  actor?: string;
}

/** Who does an operator action and why: options of cancel, delete, retry-now, pause and resume. */
export interface JobActionOptions {
  /** Why; kept in the job's timeline and the audit log. @defaultValue none */
  reason?: string;
  /** Who asks; kept in the job's timeline and the audit log. @defaultValue the admin's `actor` */
  actor?: string;
}

/** What retry-now, pause, resume or cancelJob did. */
export interface JobActionResult {
  jobId: string;
  action: 'retryNow' | 'pause' | 'resume' | 'cancel';
  /** When it was done, as recorded. */
  at: string;
  actor: string;
  /** True when the job's attempts are paused now. */
  paused: boolean;
}

/** Options of {@link DeadLetterAdmin.deleteAll}. */
export interface DeleteAllOptions extends JobActionOptions {
  /** Count the selection and delete nothing. @defaultValue false */
  dryRun?: boolean;
}

/** What `deleteAll` selected and did. */
export interface DeleteSelection {
  /** Jobs selected. */
  matched: number;
  ids: string[];
  /** As {@link BulkSelection.until}. */
  until: string | null;
  /** Jobs deleted (0 for a dry run). */
  done: number;
  /** Jobs that could not be deleted, each with why (they are left as they were). */
  failed: JobOperationResult[];
}

/** Which audit entries to read. */
export interface AuditFilter {
  /** Only this job's. @defaultValue every job's, and those of bulk actions */
  jobId?: string;
  /** Only those recorded at or after this time. @defaultValue all kept */
  since?: Date;
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
  /** Who starts it; kept in each job's timeline and the audit log. @defaultValue the admin's `actor` */
  actor?: string;
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
  /**
   * Stops after the job under way, until resumed. Each of pause, resume and abort is recorded in
   * the audit log (who: `actor`, else the admin's), unless every part had finished already.
   */
  pause(options?: JobActionOptions): Promise<void>;
  /** Goes on after a pause. */
  resume(options?: JobActionOptions): Promise<void>;
  /** Stops for good after the job under way. */
  abort(options?: JobActionOptions): Promise<void>;
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
  /**
   * Who acts through this API, for the jobs' timelines and the audit log; each call may name
   * another (`actor` in its options).
   * @defaultValue the OS user running the process (`os.userInfo().username`)
   */
  actor?: string;
}

/** Options of {@link DeadLetterAdmin.check}. */
export interface CheckOptions {
  /**
   * How long to keep reading while a difference remains, in milliseconds: visibility lags a moment
   * behind the jobs, and the dead-letter queue hears of a dead job a moment after it dead-lettered.
   * 0 reads once.
   * @defaultValue 10000
   */
  waitMs?: number;
  /** Time between two reads, in milliseconds. @defaultValue 500 */
  pollMs?: number;
}

/** A task queue's jobs by status, as visibility counts them (the latest run of each job). */
export interface JobCounts {
  /** Every job of the task queue. */
  submitted: number;
  succeeded: number;
  /** Dead-lettered and parked now. */
  deadLettered: number;
  /** Cancelled, or closed from outside (terminated, timed out) while running or dead. */
  cancelled: number;
  expired: number;
  /** Running or retrying. */
  running: number;
  /** Submitted with a delay or a time to run at that has not come yet. */
  scheduled: number;
  /** Jobs in none of the statuses above (a workflow that ended without recording how): each one is a difference. */
  unaccounted: number;
}

/** Dead jobs now, in all, per job type and per error type. */
export interface DeadCounts {
  total: number;
  byType: Record<string, number>;
  byErrorType: Record<string, number>;
}

/** One thing {@link DeadLetterAdmin.check} found that does not add up. */
export interface CheckDifference {
  /**
   * `unaccounted`: jobs in no status; `sum`: the statuses do not add up to the jobs submitted;
   * `deadNow`, `deadNowByType`, `deadNowByErrorType`: the dead-letter queue's counters differ
   * from the dead jobs visibility lists; `listedTwice`: a dead job listed more than once.
   */
  kind: 'unaccounted' | 'sum' | 'deadNow' | 'deadNowByType' | 'deadNowByErrorType' | 'listedTwice';
  /** What differs, in one sentence. */
  message: string;
  /** The job type or error type it is about. */
  key?: string;
  /** The dead-letter queue's count (or the sum of the statuses). */
  counted?: number;
  /** What visibility lists (or the jobs submitted). */
  listed?: number;
  /** The jobs concerned, at most 20. */
  jobIds?: string[];
}

/** What {@link DeadLetterAdmin.check} found. */
export interface CheckReport {
  taskQueue: string;
  /** True when nothing differs: every job in exactly one status, every dead job counted once. */
  ok: boolean;
  jobs: JobCounts;
  /** Dead jobs now as the dead-letter queue's counters say. */
  counted: DeadCounts;
  /** Dead jobs now as visibility lists them. */
  listed: DeadCounts;
  differences: CheckDifference[];
  /** Reads made before the counts agreed, or the wait ran out. */
  reads: number;
  /** When the last read began. */
  checkedAt: string;
}

/**
 * The operator API over a task queue's dead jobs. Lists read visibility (eventually consistent:
 * a job is listed a moment after it dead-lettered); single-job reads and changes go to the job
 * itself.
 */
/** Options of {@link DeadLetterAdmin.setBreaker}. */
export interface BreakerOverrideOptions {
  /** Why, recorded with the override. @defaultValue none */
  reason?: string;
  /** Who, recorded with the override. @defaultValue the OS user */
  by?: string;
}

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
  cancel(jobIds: string[], request?: JobActionOptions): Promise<JobOperationResult[]>;
  /**
   * Deletes dead jobs by id, for good: each ends through its workflow (the dead-letter queue counts
   * it `deleted` and records who, when and why in its audit log, never the payload), then its
   * workflow and history are deleted on the server. Results as {@link retry}; a job that is not
   * dead fails with `JobNotDeadError` and is left as it is.
   */
  delete(jobIds: string[], options?: JobActionOptions): Promise<JobOperationResult[]>;
  /**
   * Deletes every dead job matching `filter` (fixed when it starts), a few at a time, from this
   * process. With `dryRun`, only counts. Run it again to finish one that was cut short.
   */
  deleteAll(filter: DeadJobFilter, options?: DeleteAllOptions): Promise<DeleteSelection>;
  /**
   * Runs the next attempt of a job waiting between attempts now, instead of at its time. The
   * attempt keeps its number: it uses up no attempt the job's policy does not allow. Throws
   * `JobNotFoundError`, `JobNotWaitingError` (succeeded, dead, running an attempt) or `JobPausedError`.
   */
  retryNow(jobId: string, options?: JobActionOptions): Promise<JobActionResult>;
  /**
   * Pauses a job waiting between attempts: its next attempt does not run until {@link resume}.
   * Shown as `paused` in the job's record. Throws as {@link retryNow}.
   */
  pause(jobId: string, options?: JobActionOptions): Promise<JobActionResult>;
  /** Resumes a paused job: its next attempt runs at once. Throws `JobNotFoundError`, `JobNotPausedError`, `JobNotWaitingError`. */
  resume(jobId: string, options?: JobActionOptions): Promise<JobActionResult>;
  /**
   * Cancels a job that has not settled: a `Scheduled` one never runs (its workflow is
   * terminated); a running or retrying one has its attempt under way cancelled (the handler's
   * `ctx.signal` aborts) and ends `Cancelled`. Noted in its timeline (a running one's) and the
   * audit log. Throws `JobNotFoundError`, or `JobSettledError` for a job that succeeded, was
   * cancelled, expired or is dead-lettered (cancel a dead job with {@link cancel}).
   */
  cancelJob(jobId: string, options?: JobActionOptions): Promise<JobActionResult>;
  /**
   * The audit log of operator actions on this task queue (retries, edits, cancels, deletions, bulk
   * operations, retry-now, pause, resume), oldest first, the most recent 1000. It lives in the
   * dead-letter queue's workflow, so a worker must answer, as {@link stats}.
   */
  audit(filter?: AuditFilter): Promise<AuditEntry[]>;
  /**
   * Retries every dead job matching `filter` at `rate` jobs per second, as a durable operation
   * that survives worker restarts and can be paused, resumed and aborted. The selection is fixed
   * when it starts. With `dryRun`, only counts. Throws `InvalidOptionsError` for bad options.
   */
  retryAll(filter: DeadJobFilter, options?: BulkOptions): Promise<BulkSelection>;
  /** Cancels every dead job matching `filter`, like {@link retryAll}. */
  cancelAll(filter: DeadJobFilter, options?: Omit<BulkOptions, 'retryPolicy'>): Promise<BulkSelection>;
  /**
   * A bulk operation started earlier, by id (not checked until it is used). Its `progress()` needs a
   * worker unless the operation has finished: it throws `WorkerUnavailableError` at once when no
   * worker polls the task queue, after 5 s when none answers.
   */
  operation(operationId: string): BulkOperation;
  /**
   * The dead-letter queue's counters: dead now, dead-lettered, retried, cancelled, expired, per
   * type and error type. They live in the queue's workflow, so a worker must answer: throws
   * `WorkerUnavailableError` naming the task queue at once when no worker polls it, after 5 s when
   * none answers (a queue that never started answers zeros without one).
   */
  stats(): Promise<DeadLetterStats>;
  /** Failure groups with dead jobs now, largest first. Needs a worker, as {@link stats}. */
  groups(): Promise<FailureGroup[]>;
  /**
   * Full records of the dead jobs matching `filter`, one after another (for JSON Lines export).
   * Each record comes from its job's workflow, so a worker must answer: throws
   * `WorkerUnavailableError` before the first record when no worker polls the task queue, and at
   * the first job no worker answers for, rather than yield a record without payload or attempts.
   */
  export(filter?: DeadJobFilter): AsyncGenerator<JobRecord>;
  /**
   * Reconciles the task queue's jobs, for operators: from visibility's counts, that every job
   * submitted is in exactly one status (submitted = succeeded + dead-lettered + cancelled +
   * expired + running + scheduled), and that the dead-letter queue's counters of jobs dead now (in all, per
   * job type and per error type) equal the dead jobs visibility lists, each counted once. Reads
   * again while a difference remains, up to `waitMs` (visibility is eventually consistent), then
   * reports what still differs, with the job ids concerned. Lists every dead job on each read.
   * Needs a worker for the counters, as {@link stats}.
   */
  check(options?: CheckOptions): Promise<CheckReport>;
  /**
   * Jobs in any status (scheduled, running, retrying, succeeded, dead, cancelled, expired)
   * matching `filter`, a page at a time, from visibility (no worker needed). Throws
   * `InvalidOptionsError` for a bad limit, filter or page token.
   */
  listJobs(filter?: JobFilter, options?: ListOptions): Promise<JobPage>;
  /**
   * Jobs per type and status over a window of submit times, with success and retry rates, from
   * visibility's counts (no worker needed; eventually consistent). Throws `InvalidOptionsError`
   * for a bad filter.
   */
  jobStats(filter?: JobStatsFilter): Promise<JobStats>;
  /** The circuit breakers of the task queue's job types: those running, and (given the job types) those configured and never opened, as closed. */
  breakers(): Promise<BreakerStatus[]>;
  /** One type's breaker: state, window, overrides and transitions. Throws `BreakerNotFoundError` when the type has none. */
  breaker(type: string): Promise<BreakerRecord>;
  /**
   * Forces a type's breaker `open` or `closed`, or gives it back to its failure rate (`auto`),
   * recording who, when and why. Throws `BreakerNotFoundError` when the type has none, `InvalidOptionsError` for a bad mode.
   */
  setBreaker(type: string, mode: BreakerMode, options?: BreakerOverrideOptions): Promise<BreakerRecord>;
}
