/**
 * A job's next or current attempt as the server describes it: the pending `runJob` activity of
 * its workflow, whether it runs, waits for its retry, or is paused by an operator.
 */
import type { WorkflowExecutionDescription } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { runJobActivityName } from '../contract';

const State = temporal.api.enums.v1.PendingActivityState;

/** What the server says of a job's pending attempt. */
export interface PendingAttempt {
  /** The activity's id in the job's workflow. */
  activityId: string;
  /**
   * `Waiting`: between attempts, for the next one's time; `Running`: an attempt runs now;
   * `Paused`: an operator paused it (it runs again once resumed); `Scheduled`: about to run its first attempt.
   */
  state: 'Scheduled' | 'Running' | 'Waiting' | 'Paused';
  /** The server's attempt number (it counts attempts its workers never reported, too). */
  serverAttempt: number;
  /** When the next attempt is due, while waiting. */
  nextAttemptAt?: string;
  /** Set while paused. */
  paused?: PauseInfo;
}

/** Who paused a job's attempts, when and why. */
export interface PauseInfo {
  since?: string;
  by?: string;
  reason?: string;
}

type Timestamp = { seconds?: { toString(): string } | number | null; nanos?: number | null } | null | undefined;

const isoOf = (ts: Timestamp): string | undefined =>
  ts?.seconds === undefined || ts.seconds === null ? undefined : new Date(Number(ts.seconds.toString()) * 1_000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();

/** The pending attempt of a job's workflow, from its description; undefined when no attempt is pending. */
export function pendingAttemptOf(description: Pick<WorkflowExecutionDescription, 'raw'>): PendingAttempt | undefined {
  const activity = description.raw.pendingActivities?.find((a) => a.activityType?.name === runJobActivityName);
  if (!activity) return undefined;
  const serverAttempt = activity.attempt ?? 1;
  const paused = activity.paused === true || activity.state === State.PENDING_ACTIVITY_STATE_PAUSED || activity.state === State.PENDING_ACTIVITY_STATE_PAUSE_REQUESTED;
  const running = activity.state === State.PENDING_ACTIVITY_STATE_STARTED || activity.state === State.PENDING_ACTIVITY_STATE_CANCEL_REQUESTED;
  // A failed attempt leaves its failure: the activity then waits for its retry.
  const waiting = !running && (serverAttempt > 1 || (activity.lastFailure !== null && activity.lastFailure !== undefined));
  const manual = activity.pauseInfo?.manual;
  return {
    activityId: activity.activityId ?? '',
    state: paused ? 'Paused' : running ? 'Running' : waiting ? 'Waiting' : 'Scheduled',
    serverAttempt,
    ...(waiting && !paused && activity.nextAttemptScheduleTime ? { nextAttemptAt: isoOf(activity.nextAttemptScheduleTime) } : {}),
    ...(paused ? { paused: { since: isoOf(activity.pauseInfo?.pauseTime), by: manual?.identity || undefined, reason: manual?.reason || undefined } } : {}),
  };
}
