/**
 * The job workflow's contract: its input, its state, the messages it answers and the activity
 * that runs one attempt.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import { limits } from './limits';
import type { RoundResume } from './breaker';
import type { AutoRedrivePolicy } from './redrive';
import type { AttemptTimeouts, ResolvedRetryPolicy, RetryOptions } from './retry-policy';

/** Where a job is in its life. */
export const JobStatus = {
  /** Submitted with a delay or a time to run at, which has not come yet. */
  Scheduled: 'Scheduled',
  /** Its attempts are under way, and none of this round has failed yet. */
  Running: 'Running',
  /**
   * Still running: an attempt of the current round failed and another follows (set once per
   * round, when the first failure of the round is reported). Treat it as `Running`.
   */
  Retrying: 'Retrying',
  Succeeded: 'Succeeded',
  DeadLettered: 'DeadLettered',
  Cancelled: 'Cancelled',
  Expired: 'Expired',
} as const;
export type JobStatus = (typeof JobStatus)[keyof typeof JobStatus];

/** Statuses of a job whose attempts are under way: `Running`, or `Retrying` after a failed attempt. */
export const runningStatuses: readonly JobStatus[] = [JobStatus.Running, JobStatus.Retrying];

/** Statuses a job never leaves. `DeadLettered` is not one: a dead job can be retried. */
export const finalStatuses: readonly JobStatus[] = [JobStatus.Succeeded, JobStatus.Cancelled, JobStatus.Expired];

/** What one attempt did. */
export interface AttemptRecord {
  /** 1 for the first run of the job, one more after each retry of a dead job. */
  round: number;
  /**
   * Attempt number within the round, from 1. An attempt interrupted by a worker's shutdown is not
   * counted: the next one has the same number.
   */
  attempt: number;
  /** The server's attempt number of the activity, when it differs from `attempt` (after interruptions). */
  serverAttempt?: number;
  /** Absent for an attempt that left no trace (its worker died before its first heartbeat). */
  startedAt?: string;
  endedAt?: string;
  /**
   * `Succeeded`, `Failed`, `Lost` (the worker died or the attempt timed out: it counts), or
   * `Interrupted` (its worker shut down gracefully before it finished: it does not count).
   */
  outcome: 'Succeeded' | 'Failed' | 'Lost' | 'Interrupted';
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

/** Where an attempt record sorts, and what tells two apart: by round, then by the server's attempt number. */
export function attemptOrder(r: AttemptRecord): number {
  return r.round * 1e10 + (r.serverAttempt ?? r.attempt);
}

/** One line of a job's timeline. */
export interface TimelineEvent {
  at: string;
  event:
    | 'Submitted'
    | 'Started'
    | 'DeadLettered'
    | 'Retried'
    | 'RetryRefused'
    | 'Succeeded'
    | 'Cancelled'
    | 'Expired'
    /** Its type's circuit breaker refused an attempt: the job waits, keeping its attempts. */
    | 'BreakerOpen'
    /** Its type's circuit breaker let an attempt through again. */
    | 'BreakerClosed'
    | 'Deleted'
    | OperatorNote['event'];
  detail?: string;
  /** Who asked for it, for an operator's action. */
  actor?: string;
  /** Why, as the operator said. */
  reason?: string;
  /** For a retry with an edited payload: what changed in it (paths only, never values). */
  changes?: PayloadChange[];
}

/**
 * One change of an edited payload: a JSON path (`$.user.email`, `$.items[2]`) and how it changed.
 * Values are left out on purpose: payloads may hold personal data, and the audit log outlives
 * the job. The values stay in the job's own round payloads while the job exists.
 */
export interface PayloadChange {
  path: string;
  kind: 'added' | 'removed' | 'changed';
}

/** Who did an operator action, and why: carried by every request that changes a job. */
export interface Attribution {
  /** Who asked for it: a user name, a console token's name. @defaultValue none recorded */
  actor?: string;
  /** Why; kept in the job's timeline. */
  reason?: string;
}

/**
 * What an operator did to a job's waiting attempt, through the server's activity operations
 * (not recorded in the history): told to the job so that its timeline shows it.
 */
export interface OperatorNote extends Attribution {
  event: 'RetriedNow' | 'Paused' | 'Resumed' | 'CancelRequested';
  at: string;
  /** The attempt it concerned. @defaultValue the next one the job runs */
  attempt?: number;
  /**
   * Of `CancelRequested`: whether an attempt was running when the cancel was asked, as the server
   * said (the admin API reads it). When false, the cancel leaves no attempt record behind: the
   * job was between attempts. Unknown when absent (a cancel from elsewhere), and then the job
   * keeps a `Lost` record of the attempt that may have been under way.
   */
  attemptRunning?: boolean;
}

/** What the job workflow is started with. */
export interface JobInput {
  jobId: string;
  type: string;
  payload: unknown;
  retry: ResolvedRetryPolicy;
  timeouts: AttemptTimeouts;
  /** How long a dead job stays parked before it expires. */
  retentionMs: number;
  /** How long before expiry the job is reported as expiring. @defaultValue one day */
  expiryWarningMs?: number;
  /** How long after submit a delayed job was to start (it was submitted with a delay or a time to run at). */
  startDelayMs?: number;
  /** The type's automatic redrive of dead jobs; absent when it has none. */
  autoRedrive?: AutoRedrivePolicy;
  /** State carried across continue-as-new; absent on the first run. */
  carried?: JobState;
}

/** The full record of a job, as the state query returns it. */
export interface JobState {
  jobId: string;
  type: string;
  status: JobStatus;
  payload: unknown;
  retry: ResolvedRetryPolicy;
  round: number;
  /** Attempts made in the current round. */
  attempts: number;
  /** Attempts made over all rounds. */
  totalAttempts: number;
  /** Attempts of the rounds before this one. @defaultValue 0 */
  attemptsBeforeRound?: number;
  /** Attempts, oldest first: the first ones and the most recent (at most {@link attemptHistoryLimit}). */
  attemptHistory: AttemptRecord[];
  /** Attempts dropped from the middle of the history to keep it bounded. */
  attemptsDropped: number;
  /** What happened, oldest first: the first events and the most recent. */
  timeline: TimelineEvent[];
  /** Events dropped from the middle of the timeline. */
  timelineDropped?: number;
  /** The payload of each round that changed it, oldest first: the first and the latest (see `limits.roundPayloads`). */
  payloads?: RoundPayload[];
  result?: unknown;
  errorType?: string;
  message?: string;
  /** Fingerprint of the failure, for grouping dead jobs that failed alike. */
  failureGroup?: string;
  deadLetteredAt?: string;
  expiresAt?: string;
  /** Why the last retry or cancel was asked for. */
  reason?: string;
  /** The `requestId` of the retry that started this round, or of the cancel that ended the job. */
  appliedRequestId?: string;
  /** Set once the dead-letter queue was told this job is close to expiry. */
  expiryWarned?: boolean;
  /** Set while the job waits for its type's circuit breaker: since when, and when it looks again at the latest. */
  breakerWait?: { since: string; retryAt: string; refusals: number };
  /** Automatic redrives of this job so far. */
  autoRedrives?: number;
  /** When a dead job is to be redriven automatically, while it waits for it. */
  autoRedriveAt?: string;
}

/** How many attempts a job keeps in its history. */
export const attemptHistoryLimit = limits.attemptHistory;

/** The payload a job ran with from a round on. */
export interface RoundPayload {
  round: number;
  payload: unknown;
}

/** Input of the `retry` signal and update. */
export interface RetryRequest {
  /** Apply only if the job is still in this round (bulk operations use it to never apply twice). */
  ifRound?: number;
  /**
   * The caller's id for this request: one that was applied already (it started the current round,
   * or ended the job) is answered as done again rather than refused, so a caller that retries
   * after a crash counts it once.
   */
  requestId?: string;
  /** A corrected payload; validated against the job type's schema before it is sent. */
  payload?: unknown;
  /** Fields of the retry policy to change for the new round. */
  retryPolicy?: RetryOptions;
  reason?: string;
  /** Who asked for it. */
  actor?: string;
  /** What an edited payload changed, as the caller computed it (paths only). */
  changes?: PayloadChange[];
}

/** Input of the `cancel` signal and update. */
export interface CancelRequest {
  /** Apply only if the job is still in this round. */
  ifRound?: number;
  /** As {@link RetryRequest.requestId}. */
  requestId?: string;
  reason?: string;
  /** Who asked for it. */
  actor?: string;
  /**
   * The job is cancelled to be deleted: it tells the dead-letter queue `deleted` rather than
   * `cancelled`, and its timeline says `Deleted`. Its workflow is deleted once it has closed.
   */
  forDeletion?: boolean;
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
/** An operator paused, resumed or hurried the job's waiting attempt: noted in its timeline. */
export const operatorNoteSignal = defineSignal<[OperatorNote]>('operatorNote');
/** Sent by the job's own activity when an attempt fails, so the history is live while it retries. */
export const attemptFailedSignal = defineSignal<[{ record: AttemptRecord }]>('attemptFailed');

/** Input of the activity that runs one attempt of a job. */
export interface RunJobInput {
  jobId: string;
  type: string;
  payload: unknown;
  round: number;
  retry: ResolvedRetryPolicy;
  heartbeatMs: number;
  /** The round's attempts so far, when an earlier activity of the round was refused by the circuit breaker. */
  resume?: RoundResume;
}

/** What the activity returns when an attempt succeeds: the handler's result and the round's attempts. */
export interface RunJobResult {
  result: unknown;
  details: AttemptDetails;
}

/** Details carried by a failed attempt (and by heartbeats): the round's attempts so far (the first and the latest). */
export interface AttemptDetails {
  round: number;
  attempts: AttemptRecord[];
  /** Attempts of the round dropped from the middle of `attempts`. */
  dropped?: number;
  /** Attempts of the round that counted (not interrupted), all of them. */
  counted?: number;
}

/** What `validatePayload` (the activity) says of a retry's corrected payload. */
export interface PayloadCheck {
  ok: boolean;
  /** Why it was refused: the schema's message. */
  problem?: string;
}
