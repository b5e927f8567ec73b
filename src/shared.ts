/**
 * The contract between job workflows and the outside world: message definitions, search
 * attribute keys, status names and the types that cross the workflow boundary.
 *
 * This file is bundled into workflow code, so it imports nothing but `@temporalio/*`.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';

/** Where a job is in its life. */
export const JobStatus = {
  Running: 'Running',
  Succeeded: 'Succeeded',
  DeadLettered: 'DeadLettered',
  Cancelled: 'Cancelled',
  Expired: 'Expired',
} as const;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

/** Statuses a job never leaves. `DeadLettered` is not one: a dead job can be retried. */
export const finalStatuses: readonly JobStatus[] = [JobStatus.Succeeded, JobStatus.Cancelled, JobStatus.Expired];

/** Search attributes rebound sets on job workflows; the server must know every one of them. */
export const searchAttributes = {
  jobType: defineSearchAttributeKey('JobType', SearchAttributeType.KEYWORD),
  jobStatus: defineSearchAttributeKey('JobStatus', SearchAttributeType.KEYWORD),
  jobErrorType: defineSearchAttributeKey('JobErrorType', SearchAttributeType.KEYWORD),
  jobFailureGroup: defineSearchAttributeKey('JobFailureGroup', SearchAttributeType.KEYWORD),
  deadLetteredAt: defineSearchAttributeKey('DeadLetteredAt', SearchAttributeType.DATETIME),
  jobAttempts: defineSearchAttributeKey('JobAttempts', SearchAttributeType.INT),
} as const;

/** The workflow type name of every job. */
export const jobWorkflowType = 'jobWorkflow';

/** The name of the activity that runs a job's handler. */
export const runJobActivityName = 'runJob';

/** A retry policy with every field resolved; durations in milliseconds. */
export interface RetryPolicy {
  /** Delay before the first retry. */
  initialIntervalMs: number;
  /** Each retry's delay is the previous one times this. */
  backoffCoefficient: number;
  /** No delay is longer than this. */
  maximumIntervalMs: number;
  /** Attempts in one round, the first included. */
  maximumAttempts: number;
  /** Each delay is moved at random by up to this fraction, up or down (0 to 1). */
  jitterRatio: number;
  /** Error types that dead-letter at once. */
  nonRetryableErrorTypes: string[];
}

/** Timeouts of one attempt, in milliseconds. */
export interface AttemptTimeouts {
  /** How long one attempt may run. */
  startToCloseMs: number;
  /** How long an attempt may go without a heartbeat before it counts as lost. */
  heartbeatMs: number;
}

/** What one attempt did. */
export interface AttemptRecord {
  /** 1 for the first run of the job, one more after each retry of a dead job. */
  round: number;
  /** Attempt number within the round, from 1. */
  attempt: number;
  /** Absent for an attempt that left no trace (its worker died before it could report). */
  startedAt?: string;
  endedAt?: string;
  /** `Succeeded`, `Failed`, or `Lost` (the worker died or the attempt timed out). */
  outcome: 'Succeeded' | 'Failed' | 'Lost';
  errorType?: string;
  message?: string;
  /** The top of the stack, trimmed. */
  stack?: string;
  nonRetryable?: boolean;
  /** The delay chosen before the next attempt, jitter included. */
  nextDelayMs?: number;
  /** Fingerprint of error type, normalised message and top handler frame: failures alike share it. */
  fingerprint?: string;
}

/** One line of a job's timeline. */
export interface TimelineEvent {
  at: string;
  event: 'Submitted' | 'Started' | 'DeadLettered' | 'Retried' | 'Succeeded' | 'Cancelled' | 'Expired';
  detail?: string;
}

/** What the job workflow is started with. */
export interface JobInput {
  jobId: string;
  type: string;
  payload: unknown;
  retry: RetryPolicy;
  timeouts: AttemptTimeouts;
  /** How long a dead job stays parked before it expires. */
  retentionMs: number;
  /** How long before expiry the job is reported as expiring. @defaultValue one day */
  expiryWarningMs?: number;
  /** State carried across continue-as-new; absent on the first run. */
  carried?: JobState;
}

/** The full record of a job, as the state query returns it. */
export interface JobState {
  jobId: string;
  type: string;
  status: JobStatus;
  payload: unknown;
  retry: RetryPolicy;
  round: number;
  /** Attempts made in the current round. */
  attempts: number;
  /** Attempts made over all rounds. */
  totalAttempts: number;
  /** The most recent attempts, oldest first (at most {@link attemptHistoryLimit}). */
  attemptHistory: AttemptRecord[];
  /** Attempts dropped from the front of the history to keep it bounded. */
  attemptsDropped: number;
  timeline: TimelineEvent[];
  result?: unknown;
  errorType?: string;
  message?: string;
  /** Fingerprint of the failure, for grouping dead jobs that failed alike. */
  failureGroup?: string;
  deadLetteredAt?: string;
  expiresAt?: string;
  /** Why the last retry or cancel was asked for. */
  reason?: string;
  /** Set once the dead-letter queue was told this job is close to expiry. */
  expiryWarned?: boolean;
}

/** How many attempts a job keeps in its history. */
export const attemptHistoryLimit = 100;

/** Input of the `retry` signal and update. */
export interface RetryRequest {
  /** Apply only if the job is still in this round (bulk operations use it to never apply twice). */
  ifRound?: number;
  /** A corrected payload; validated against the job type's schema before it is sent. */
  payload?: unknown;
  /** Fields of the retry policy to change for the new round. */
  retryPolicy?: Partial<RetryPolicy>;
  reason?: string;
}

/** Input of the `cancel` signal and update. */
export interface CancelRequest {
  /** Apply only if the job is still in this round. */
  ifRound?: number;
  reason?: string;
}

/** What a job workflow returns when it closes. */
export interface JobOutcome {
  jobId: string;
  status: JobStatus;
  attempts: number;
  result?: unknown;
  errorType?: string;
  message?: string;
}

/** The job's full record. */
export const stateQuery = defineQuery<JobState>('state');
/** Retry a dead job: a new round of attempts. Same meaning as {@link retryUpdate}; for batch tools. */
export const retrySignal = defineSignal<[RetryRequest?]>('retry');
/** Cancel a dead job. Same meaning as {@link cancelUpdate}; for batch tools. */
export const cancelSignal = defineSignal<[CancelRequest?]>('cancel');
/** Retry a dead job; rejected when the job is not dead. Returns the state after it was accepted. */
export const retryUpdate = defineUpdate<JobState, [RetryRequest]>('retry');
/** Cancel a dead job; rejected when the job is not dead. */
export const cancelUpdate = defineUpdate<JobState, [CancelRequest]>('cancel');
/** Sent by the job's own activity when an attempt fails, so the history is live while it retries. */
export const attemptFailedSignal = defineSignal<[{ record: AttemptRecord }]>('attemptFailed');

/** Input of the activity that runs one attempt of a job. */
export interface RunJobInput {
  jobId: string;
  type: string;
  payload: unknown;
  round: number;
  retry: RetryPolicy;
  heartbeatMs: number;
}

/** What the activity returns when an attempt succeeds: the handler's result and the round's attempts. */
export interface RunJobResult {
  result: unknown;
  details: AttemptDetails;
}

/** Details carried by a failed attempt (and by heartbeats): the round's attempts so far. */
export interface AttemptDetails {
  round: number;
  attempts: AttemptRecord[];
}

const retryPolicyKeys: (keyof RetryPolicy)[] = [
  'initialIntervalMs',
  'backoffCoefficient',
  'maximumIntervalMs',
  'maximumAttempts',
  'jitterRatio',
  'nonRetryableErrorTypes',
];

/** Why `policy` is out of range, or undefined when it is fine. Shared by clients and the workflow's validators. */
export function retryPolicyProblem(policy: RetryPolicy): string | undefined {
  const { maximumAttempts, backoffCoefficient, jitterRatio, initialIntervalMs, maximumIntervalMs } = policy;
  const unknown = Object.keys(policy).filter((key) => !retryPolicyKeys.includes(key as keyof RetryPolicy));
  if (unknown.length > 0) return `unknown retry policy field(s): ${unknown.join(', ')}; known: ${retryPolicyKeys.join(', ')}`;
  if (!Number.isInteger(maximumAttempts) || maximumAttempts < 1) {
    return `maxAttempts (maximumAttempts) must be a whole number of at least 1, got ${JSON.stringify(maximumAttempts)}`;
  }
  if (typeof backoffCoefficient !== 'number' || !(backoffCoefficient >= 1)) {
    return `backoffCoefficient must be a number of at least 1, got ${JSON.stringify(backoffCoefficient)}`;
  }
  if (typeof jitterRatio !== 'number' || !(jitterRatio >= 0 && jitterRatio <= 1)) {
    return `jitterRatio must be between 0 and 1, got ${JSON.stringify(jitterRatio)}`;
  }
  if (!(initialIntervalMs > 0) || !(maximumIntervalMs >= initialIntervalMs)) {
    return `maximumInterval (${maximumIntervalMs} ms) must be at least initialInterval (${initialIntervalMs} ms), both positive`;
  }
  if (!Array.isArray(policy.nonRetryableErrorTypes) || policy.nonRetryableErrorTypes.some((t) => typeof t !== 'string')) {
    return 'nonRetryableErrorTypes must be a list of strings';
  }
  return undefined;
}

/** The workflow id of a job. */
export function jobWorkflowId(jobId: string): string {
  return `job-${jobId}`;
}

/** The job id of a job's workflow id. */
export function jobIdOfWorkflowId(workflowId: string): string {
  return workflowId.replace(/^job-/, '');
}

/** The workflow id of the dead-letter-queue workflow of a task queue. */
export function deadLetterWorkflowId(taskQueue: string): string {
  return `rebound-dlq-${taskQueue}`;
}

/** The workflow type name of the dead-letter-queue workflow. */
export const deadLetterWorkflowType = 'deadLetterWorkflow';

/** The workflow type name of a bulk retry or cancel. */
export const bulkOperationWorkflowType = 'bulkOperationWorkflow';

/** What a job tells the dead-letter queue when it enters or leaves the dead-letter state. */
export interface JobEvent {
  kind: 'deadLettered' | 'retried' | 'cancelled' | 'expired' | 'succeededAfterRetry' | 'expiring';
  jobId: string;
  /** The round the event belongs to: with kind and jobId, it makes the event idempotent. */
  round: number;
  type: string;
  errorType: string;
  failureGroup: string;
  message?: string;
  at: string;
  expiresAt?: string;
}

/** Counters of one job type, one error type, or all. */
export interface DeadLetterCounters {
  /** Jobs dead-lettered now. */
  deadNow: number;
  /** Dead-letterings ever (a job retried and dead again counts twice). */
  deadLettered: number;
  retried: number;
  cancelled: number;
  expired: number;
  succeededAfterRetry: number;
}

/**
 * A group of dead jobs that failed alike: same error type, same message once numbers, ids and
 * quoted values are taken out, and same top stack frame of the handler.
 */
export interface FailureGroup {
  /** The failure fingerprint (see `JobFailureGroup`); the error type for a failure without one. */
  id: string;
  errorType: string;
  /** Job types with a job in the group, at most {@link failureGroupTypesLimit}. */
  types: string[];
  /** Jobs of the group dead-lettered now. */
  deadNow: number;
  /** Dead-letterings of the group ever. */
  deadLettered: number;
  /** When a job first and last dead-lettered in the group. */
  firstSeen: string;
  lastSeen: string;
  /** The message of the first failure of the group, cut to 300 characters. */
  example: string;
}

/** How many job types a failure group lists. */
export const failureGroupTypesLimit = 20;

/**
 * Thresholds of a dead-letter queue. Each raises one alert when its value reaches it (at or
 * above) and one recovery notice when the value falls back below it; nothing in between.
 * Thresholds are positive whole numbers.
 */
export interface AlertThresholds {
  /** Jobs dead now, over all types. @defaultValue none */
  deadNow?: number;
  /** Jobs dead now, per job type. @defaultValue none */
  deadNowByType?: Record<string, number>;
  /** Dead-letterings in the last minute, over all types. @defaultValue none */
  deadLetteredPerMinute?: number;
  /** Dead-letterings in the last minute, per job type. @defaultValue none */
  deadLetteredPerMinuteByType?: Record<string, number>;
}

/** Alerting of a dead-letter queue. */
export interface AlertConfig {
  /** @defaultValue no thresholds: only `expiring` notices are sent */
  thresholds?: AlertThresholds;
  /**
   * An http(s) URL that gets each notification as a JSON POST (a {@link Notification}). A
   * notification it does not take after a few tries is dropped (it was logged already).
   * @defaultValue none: notifications are only logged
   */
  webhookUrl?: string;
}

/** A notification the dead-letter queue sends: to the log at warn, and to the webhook when there is one. */
export interface Notification {
  kind: 'alert' | 'recovered' | 'expiring';
  /**
   * What crossed: `deadNow`, `deadNow:<type>`, `deadLetteredPerMinute`,
   * `deadLetteredPerMinute:<type>`; the job id for `expiring`.
   */
  key: string;
  /** The value that crossed; 0 for `expiring`. */
  value: number;
  /** The threshold crossed; absent for `expiring`, and for a recovery because the threshold was removed. */
  threshold?: number;
  message: string;
  at: string;
  taskQueue: string;
  /** For `expiring`: the job, its type and when it expires. */
  jobId?: string;
  jobType?: string;
  expiresAt?: string;
}

/** The dead-letter queue's counters. */
export interface DeadLetterStats {
  taskQueue: string;
  total: DeadLetterCounters;
  byType: Record<string, DeadLetterCounters>;
  byErrorType: Record<string, DeadLetterCounters>;
  groups: FailureGroup[];
  /** Alerts raised and not yet recovered. */
  firing: string[];
  /** Runs of the workflow so far (it continues as new to keep its history small). */
  generation: number;
}

/** Counters at zero. */
export function emptyCounters(): DeadLetterCounters {
  return { deadNow: 0, deadLettered: 0, retried: 0, cancelled: 0, expired: 0, succeededAfterRetry: 0 };
}

/** The counters of a queue that has counted nothing yet. */
export function emptyDeadLetterStats(taskQueue: string): DeadLetterStats {
  return { taskQueue, total: emptyCounters(), byType: {}, byErrorType: {}, groups: [], firing: [], generation: 0 };
}

/** Input of the dead-letter-queue workflow. */
export interface DeadLetterInput {
  taskQueue: string;
  alerts?: AlertConfig;
  /**
   * How often, while jobs are dead, the queue looks for dead jobs closed from outside (terminated
   * from the Web UI or `temporal workflow terminate`, timed out): they run no code of ours to say so.
   * @defaultValue one minute
   */
  reconcileEveryMs?: number;
  carried?: unknown;
}

/** How the dead-letter-queue workflow of a task queue is started, with `alerts` if it is not running yet. */
export function deadLetterStartOptions(taskQueue: string, alerts?: AlertConfig) {
  const input: DeadLetterInput = { taskQueue, alerts };
  return {
    workflowId: deadLetterWorkflowId(taskQueue),
    taskQueue,
    args: [input] as [DeadLetterInput],
    staticSummary: `rebound dead-letter queue of ${taskQueue}`,
  };
}

/** A job's entry into or exit from the dead-letter state; sent by the job's activity. */
export const jobEventSignal = defineSignal<[JobEvent]>('jobEvent');
/** Replaces the alert configuration (see `configureAlerts`). */
export const configureAlertsSignal = defineSignal<[AlertConfig]>('configureAlerts');
/** The dead-letter queue's counters. */
export const statsQuery = defineQuery<DeadLetterStats>('stats');

/** What a bulk operation does to each job it selected. */
export interface BulkOperationInput {
  operationId: string;
  kind: 'retry' | 'cancel';
  /** The jobs selected at preview time, with the round each was in. */
  jobs: { jobId: string; round: number }[];
  /** Jobs per second. */
  rate: number;
  retryPolicy?: Partial<RetryPolicy>;
  reason?: string;
  /**
   * A selection too large for one workflow runs in parts, each its own workflow, one after
   * another: this part's place, and the workflow of the part before it, which it waits for.
   */
  part?: BulkPart;
  /** Progress carried across continue-as-new. */
  carried?: BulkProgress;
}

/** One part of a bulk operation run in parts. */
export interface BulkPart {
  /** From 0. */
  index: number;
  /** Parts in all. */
  of: number;
  /** The workflow of part `index - 1`; absent for the first part. */
  afterWorkflowId?: string;
}

/** Where a bulk operation is. */
export interface BulkProgress {
  operationId: string;
  kind: 'retry' | 'cancel';
  /** `Waiting`: a part waiting for the part before it to finish. */
  state: 'Waiting' | 'Running' | 'Paused' | 'Completed' | 'Aborted';
  matched: number;
  done: number;
  /** Jobs that were no longer dead in their selected round: retried or cancelled meanwhile. */
  skipped: number;
  failed: number;
  remaining: number;
  /** The latest failures, at most 20. */
  errors: { jobId: string; message: string }[];
  /** For an operation run in parts, this part's place. */
  part?: Omit<BulkPart, 'afterWorkflowId'>;
}

export const bulkProgressQuery = defineQuery<BulkProgress>('progress');
export const pauseSignal = defineSignal('pause');
export const resumeSignal = defineSignal('resume');
export const abortSignal = defineSignal('abort');
