/**
 * A job's record as its workflow keeps it: the first state, attempts merged from the activity's
 * reports, the timeline, all bounded (see `limits`).
 */
import { ActivityFailure, ApplicationFailure, TimeoutFailure, workflowInfo } from '@temporalio/workflow';
import {
  JobStatus,
  attemptOrder,
  keepEnds,
  limits,
  type AttemptDetails,
  type AttemptRecord,
  type JobInput,
  type JobOutcome,
  type JobState,
  type TimelineEvent,
} from '../src/contract';

/** When a delayed job is to start, by the server's clock: its submit plus its delay. */
export function runAtOf(input: JobInput): string {
  return new Date(workflowInfo().startTime.getTime() + (input.startDelayMs ?? 0)).toISOString();
}

/** The state of a job that has just been submitted. */
export function initialState(input: JobInput): JobState {
  return {
    jobId: input.jobId,
    type: input.type,
    status: JobStatus.Running,
    payload: input.payload,
    retry: input.retry,
    round: 1,
    attempts: 0,
    attemptsBeforeRound: 0,
    totalAttempts: 0,
    attemptHistory: [],
    attemptsDropped: 0,
    timeline: [
      { at: workflowInfo().startTime.toISOString(), event: 'Submitted', ...(input.startDelayMs ? { detail: `to run at ${runAtOf(input)}` } : {}) },
      ...(input.startDelayMs ? [{ at: new Date().toISOString(), event: 'Started' as const }] : []),
    ],
    payloads: [{ round: 1, payload: input.payload }],
  };
}

/**
 * Adds attempt records, keeping one per server attempt: a real outcome wins over a guessed
 * `Lost`. The history keeps its first and latest attempts; one that falls in the gap dropped
 * from between them stays dropped. `droppedBefore`: attempts the reporting activity itself left
 * out from between the first and latest it carries (it never saw them here).
 */
export function mergeAttempts(state: JobState, records: AttemptRecord[], droppedBefore = 0): void {
  const history = state.attemptHistory;
  for (const record of records) {
    if (!record || record.round !== state.round || record.outcome === undefined) continue;
    const i = history.findIndex((r) => attemptOrder(r) === attemptOrder(record));
    if (i === -1) {
      const gap = state.attemptsDropped > 0 && attemptOrder(record) > attemptOrder(history[limits.attemptHistoryFirst - 1]) && attemptOrder(record) < attemptOrder(history[limits.attemptHistoryFirst]);
      if (!gap) history.push(record);
    } else if (history[i].outcome === 'Lost' && record.outcome !== 'Lost') {
      history[i] = record;
    }
    if (record.outcome !== 'Interrupted') state.attempts = Math.max(state.attempts, record.attempt);
  }
  history.sort((a, b) => attemptOrder(a) - attemptOrder(b));
  const { kept, dropped } = keepEnds(history, limits.attemptHistory, limits.attemptHistoryFirst);
  state.attemptHistory = kept;
  state.attemptsDropped += dropped + droppedBefore;
  state.totalAttempts = (state.attemptsBeforeRound ?? 0) + state.attempts;
}

/** Who did an event and why, and what an edited payload changed: fields of a timeline event, set only when known. */
export type EventAttribution = Pick<TimelineEvent, 'actor' | 'reason' | 'changes'>;

/** Adds an event to the job's timeline. */
export function note(state: JobState, event: TimelineEvent['event'], detail?: string, by: EventAttribution = {}, at = new Date().toISOString()): void {
  const extra = Object.fromEntries(Object.entries(by).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)));
  state.timeline.push({ at, event, ...(detail ? { detail } : {}), ...extra });
  const { kept, dropped } = keepEnds(state.timeline, limits.timeline, limits.timelineFirst);
  state.timeline = kept;
  if (dropped > 0) state.timelineDropped = (state.timelineDropped ?? 0) + dropped;
}

/**
 * The attempts an activity failure carries (in an application failure's details, or a timeout's
 * last heartbeat), and how many the activity left out from between its first and latest ones.
 */
export function attemptsOf(err: ActivityFailure): { attempts: AttemptRecord[]; dropped: number } {
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) {
    const details = cause.details?.[0] as AttemptDetails | undefined;
    return { attempts: details?.attempts ?? [], dropped: details?.dropped ?? 0 };
  }
  if (cause instanceof TimeoutFailure) {
    const details = cause.lastHeartbeatDetails as AttemptDetails | undefined;
    const records = [...(details?.attempts ?? [])];
    const last = records[records.length - 1];
    if (last && !last.endedAt) {
      const kind = { START_TO_CLOSE: 'StartToClose', HEARTBEAT: 'Heartbeat', SCHEDULE_TO_START: 'ScheduleToStart', SCHEDULE_TO_CLOSE: 'ScheduleToClose' }[
        String(cause.timeoutType)
      ];
      records[records.length - 1] = { ...last, endedAt: new Date().toISOString(), outcome: 'Lost', errorType: `${kind ?? ''}Timeout`, message: cause.message };
    }
    return { attempts: records, dropped: details?.dropped ?? 0 };
  }
  return { attempts: [], dropped: 0 };
}

/** What the job's workflow returns. */
export function outcome(state: JobState): JobOutcome {
  const { jobId, status, attempts, result, errorType, message } = state;
  return { jobId, status, attempts, result, errorType, message };
}

