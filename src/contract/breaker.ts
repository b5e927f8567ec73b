/**
 * The circuit breaker's contract: one workflow per task queue and job type keeps the type's
 * breaker (closed, open, half-open), fed with the outcomes of its attempts by workers, and
 * publishes its state in its memo for workers to read before they run an attempt.
 */
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { AttemptDetails } from './job';

/** The workflow type name of a job type's circuit breaker. */
export const breakerWorkflowType = 'breakerWorkflow';

/** The workflow id of the circuit breaker of `type` on `taskQueue`. */
export function breakerWorkflowId(taskQueue: string, type: string): string {
  return `rebound-breaker-${taskQueue}-${type}`;
}

/** A job type's breaker policy, resolved; durations in milliseconds. */
export interface BreakerPolicy {
  /** The share of failed attempts (0 to 1) over the window at which the breaker opens. */
  failureRate: number;
  /** Attempts the window must hold before the rate counts. */
  minAttempts: number;
  windowMs: number;
  /** How long the breaker stays open before it lets probes through. */
  cooldownMs: number;
  /** Probe attempts let through while half-open; all must succeed to close it. */
  probes: number;
}

/** Where a breaker is: `closed` runs attempts, `open` refuses them, `halfOpen` lets probes through. */
export const BreakerStateName = { Closed: 'closed', Open: 'open', HalfOpen: 'halfOpen' } as const;
export type BreakerStateName = (typeof BreakerStateName)[keyof typeof BreakerStateName];

/** `auto` follows the failure rate; `open` and `closed` are an operator's override. */
export type BreakerMode = 'auto' | 'open' | 'closed';
export const breakerModes: readonly BreakerMode[] = ['auto', 'open', 'closed'];

/** An operator's override, as the breaker records it. */
export interface BreakerOverride {
  mode: BreakerMode;
  /** Who asked: an OS user or the name given. */
  by: string;
  reason?: string;
  at: string;
}

/** A change of state. */
export interface BreakerTransition {
  at: string;
  from: BreakerStateName;
  to: BreakerStateName;
  why: string;
}

/** What the breaker publishes in its memo (key `breaker`), for workers and listings. */
export interface BreakerStatus {
  type: string;
  state: BreakerStateName;
  mode: BreakerMode;
  openedAt?: string;
  /** When an open breaker (in `auto` mode) lets probes through. */
  halfOpenAt?: string;
}

/** A breaker's full record, as its query returns it. */
export interface BreakerRecord extends BreakerStatus {
  taskQueue: string;
  /** The policy of the latest report (an override may come before any). */
  policy?: BreakerPolicy;
  /** Attempts and failures in the window now. */
  window: { attempts: number; failures: number };
  /** Probes let through and not reported yet, and probes that succeeded, while half-open. */
  probesInFlight: number;
  probesSucceeded: number;
  /** Attempts refused since the breaker started. */
  refused: number;
  /** Jobs waiting to be told the breaker let attempts through again. */
  waiting: number;
  /** The override in force (mode `open` or `closed`), or the last one. */
  override?: BreakerOverride;
  /** Overrides, oldest first (the latest ones). */
  overrides: BreakerOverride[];
  /** Changes of state, oldest first (the latest ones). */
  transitions: BreakerTransition[];
}

/** What the breaker workflow is started with. */
export interface BreakerInput {
  taskQueue: string;
  type: string;
  policy?: BreakerPolicy;
  /** State carried across continue-as-new. */
  carried?: unknown;
}

/** One attempt's outcome: `ignored` for one that says nothing of the dependency (a permanent error, a shutdown). */
export interface BreakerOutcome {
  at: string;
  outcome: 'succeeded' | 'failed' | 'ignored';
  /** A probe let through while half-open. */
  probe?: boolean;
}

/** Outcomes and refused attempts of a type, several at once; sent by workers, which batch them. */
export interface BreakerReport {
  policy: BreakerPolicy;
  outcomes: BreakerOutcome[];
  /** Workflow ids of jobs refused an attempt, to wake when attempts may run again. */
  waiting: string[];
  refused: number;
}

/** An operator's override request. */
export interface BreakerOverrideRequest {
  mode: BreakerMode;
  by: string;
  reason?: string;
}

export const breakerReportSignal = defineSignal<[BreakerReport]>('breakerReport');
/** Asks a half-open breaker to let one probe through. */
export const breakerProbeUpdate = defineUpdate<{ granted: boolean; status: BreakerStatus }, [{ policy?: BreakerPolicy }]>('breakerProbe');
/** Sets the operator's override; answers the record after it. */
export const setBreakerUpdate = defineUpdate<BreakerRecord, [BreakerOverrideRequest]>('setBreaker');
/** Same meaning as {@link setBreakerUpdate}; for batch tools. */
export const setBreakerSignal = defineSignal<[BreakerOverrideRequest]>('setBreaker');
export const breakerStateQuery = defineQuery<BreakerRecord>('breakerState');
/** Sent to a waiting job when its type's breaker lets attempts through again. */
export const breakerWakeSignal = defineSignal<[]>('breakerWake');

/** The failure type of an attempt refused because its type's breaker is open; it uses up no attempt. */
export const breakerOpenFailureType = 'BreakerOpen';

/** The second detail of a refused attempt's failure (the first is the round's attempts). */
export interface BreakerRefusal {
  state: BreakerStateName;
  /** When the job should look again if nothing wakes it. */
  retryAfterMs: number;
  /** The server attempts of the activity so far, the refused one included. */
  serverAttempts: number;
}

/** Where a new attempt activity picks up a round its refused one left. */
export interface RoundResume {
  details: AttemptDetails;
  /** Server attempts made in the round before, by earlier activities. */
  serverAttempts: number;
}
