/**
 * The dead-letter-queue workflow's contract: the events jobs report to it, its counters, alerts
 * and notifications, and how it is started.
 */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { deadLetterWorkflowId } from './ids';
import type { PayloadChange } from './job';

/** What a job tells the dead-letter queue when it enters or leaves the dead-letter state. */
export interface JobEvent {
  kind: 'deadLettered' | 'retried' | 'cancelled' | 'expired' | 'succeededAfterRetry' | 'expiring' | 'deleted';
  jobId: string;
  /** The round the event belongs to: with kind and jobId, it makes the event idempotent. */
  round: number;
  type: string;
  errorType: string;
  failureGroup: string;
  message?: string;
  at: string;
  expiresAt?: string;
  /** Who asked for it, and why, when the request said (a deletion always does). */
  actor?: string;
  reason?: string;
  /**
   * For `retried` and `cancelled`: how a request that rebound's admin did not record in the audit
   * log reached the job (the `retry`/`cancel` signal, sent by `temporal workflow signal`, say, or
   * a cancellation of its workflow), so that the queue records it there itself.
   */
  via?: OutsideRequest;
  /** For `retried` by signal: the request carried a new payload. */
  edited?: boolean;
}

/** How an operator's request reached a job without going through rebound's admin API. */
export type OutsideRequest = 'signal' | 'workflow cancellation' | 'termination';

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
  /** Dead jobs deleted (absent from counters kept before deletion existed). */
  deleted?: number;
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
  /**
   * The message of a failure of the group (the first), cut to 300 characters; empty once that
   * job was deleted (messages may hold personal data), until the next job of the group dies.
   */
  example: string;
  /** The job whose message is the example. */
  exampleJobId?: string;
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
  return { deadNow: 0, deadLettered: 0, retried: 0, cancelled: 0, expired: 0, succeededAfterRetry: 0, deleted: 0 };
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
/** Jobs' entries into or exits from the dead-letter state, several at once; sent by workers, which batch them. */
export const jobEventsSignal = defineSignal<[{ events: JobEvent[] }]>('jobEvents');

/**
 * What the dead-letter queue publishes in its memo (at most about once a second while it
 * changes), so that its counters can be read from the server's description of it, without a
 * worker and however busy the queue is. Failure groups: the largest only.
 */
export interface PublishedStats {
  stats: Omit<DeadLetterStats, 'groups'> & { groups: FailureGroup[] };
  /** When it was published. */
  at: string;
}

/** Failure groups the published stats carry, largest first. */
export const publishedGroupsLimit = 20;
/** Replaces the alert configuration (see `configureAlerts`). */
export const configureAlertsSignal = defineSignal<[AlertConfig]>('configureAlerts');
/** The dead-letter queue's counters. */
export const statsQuery = defineQuery<DeadLetterStats>('stats');

/** An operator action the audit log records. */
export type AuditAction =
  | 'retry'
  | 'editAndRetry'
  | 'cancel'
  | 'delete'
  | 'bulkRetry'
  | 'bulkCancel'
  | 'bulkDelete'
  | 'retryNow'
  | 'pause'
  | 'resume'
  | 'bulkPause'
  | 'bulkResume'
  | 'bulkAbort'
  | 'breakerOverride'
  /** A dead job's workflow terminated from outside (the Web UI, `temporal workflow terminate`). */
  | 'terminate'
  | (string & {});

/**
 * One operator action, as the dead-letter queue's audit log keeps it: who, when, what, on which
 * job or selection, and why. Never a payload: an edited payload's changes are its paths only.
 */
export interface AuditEntry {
  at: string;
  /** Who: the OS user, `--as`, a console token's name. */
  actor: string;
  action: AuditAction;
  /** The job acted on; absent for an action on a selection (a bulk operation). */
  jobId?: string;
  /** The job's type and last error type, when known (a deletion records both). */
  type?: string;
  errorType?: string;
  reason?: string;
  /** For `editAndRetry`: the paths the edited payload changed. */
  changes?: PayloadChange[];
  /** For a bulk action: its filter (times as ISO), how many jobs it selected, and its operation id. */
  filter?: Record<string, string>;
  matched?: number;
  operationId?: string;
  /** Anything else the action wants kept (a circuit breaker's key, say); plain strings, never payloads. */
  detail?: Record<string, string>;
}

/** Audit entries the dead-letter queue keeps, the most recent; older ones are dropped. */
export const auditLogLimit = 1_000;

/** Records operator actions in the dead-letter queue's audit log; sent by the admin API. */
export const auditSignal = defineSignal<[{ entries: AuditEntry[] }]>('audit');
/** The audit log, oldest first, narrowed to one job and a time. */
export const auditQuery = defineQuery<AuditEntry[], [{ jobId?: string; since?: string } | undefined]>('audit');
