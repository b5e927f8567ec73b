/**
 * deadLetterWorkflow: one per task queue. Jobs report to it when they enter or leave the
 * dead-letter state; it keeps counters per job type, error type and failure group (never a
 * copy of the jobs: each dead job is its own parked workflow), raises alerts, and continues as
 * new before its history grows large.
 */
import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  configureAlertsSignal,
  jobEventSignal,
  statsQuery,
  type AlertConfig,
  type DeadLetterCounters,
  type DeadLetterInput,
  type DeadLetterStats,
  type JobEvent,
  type Notification,
} from '../src/shared';

const { notify } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 5 },
});

/** Event keys remembered to drop a report the activity sent twice. */
const recentLimit = 2_000;

interface State {
  stats: DeadLetterStats;
  alerts: AlertConfig;
  /** Keys of recent events, oldest first. */
  recent: string[];
  /** Times (ms) of the dead-letterings of the last minute. */
  lastMinute: number[];
}

const zero = (): DeadLetterCounters => ({ deadNow: 0, deadLettered: 0, retried: 0, cancelled: 0, expired: 0, succeededAfterRetry: 0 });

function apply(counters: DeadLetterCounters, kind: JobEvent['kind']): void {
  switch (kind) {
    case 'deadLettered':
      counters.deadNow++;
      counters.deadLettered++;
      break;
    case 'retried':
    case 'cancelled':
    case 'expired':
      counters.deadNow = Math.max(0, counters.deadNow - 1);
      counters[kind]++;
      break;
    case 'succeededAfterRetry':
      counters.succeededAfterRetry++;
      break;
    case 'expiring':
      break;
  }
}

function applyToGroup(stats: DeadLetterStats, event: JobEvent): void {
  let group = stats.groups.find((g) => g.id === event.failureGroup);
  if (event.kind === 'deadLettered') {
    if (!group) {
      group = { id: event.failureGroup, errorType: event.errorType, types: [], deadNow: 0, deadLettered: 0, firstSeen: event.at, lastSeen: event.at, example: event.message ?? '' };
      stats.groups.push(group);
    }
    group.deadNow++;
    group.deadLettered++;
    group.lastSeen = event.at;
    if (!group.types.includes(event.type)) group.types.push(event.type);
  } else if (group && (event.kind === 'retried' || event.kind === 'cancelled' || event.kind === 'expired')) {
    group.deadNow = Math.max(0, group.deadNow - 1);
  }
}

/** The alert values now, by key, with their thresholds. */
function measurements(state: State, now: number): { key: string; value: number; threshold: number }[] {
  const t = state.alerts.thresholds ?? {};
  const out: { key: string; value: number; threshold: number }[] = [];
  if (t.deadNow !== undefined) out.push({ key: 'deadNow', value: state.stats.total.deadNow, threshold: t.deadNow });
  for (const [type, threshold] of Object.entries(t.deadNowByType ?? {})) {
    out.push({ key: `deadNow:${type}`, value: state.stats.byType[type]?.deadNow ?? 0, threshold });
  }
  if (t.deadLetteredPerMinute !== undefined) {
    state.lastMinute = state.lastMinute.filter((at) => now - at < 60_000);
    out.push({ key: 'deadLetteredPerMinute', value: state.lastMinute.length, threshold: t.deadLetteredPerMinute });
  }
  return out;
}

/** The queue of one task queue. */
export async function deadLetterWorkflow(input: DeadLetterInput): Promise<void> {
  const state: State = (input.carried as State | undefined) ?? {
    stats: { taskQueue: input.taskQueue, total: zero(), byType: {}, byErrorType: {}, groups: [], firing: [], generation: 0 },
    alerts: input.alerts ?? {},
    recent: [],
    lastMinute: [],
  };
  state.stats.generation++;
  const outbox: Notification[] = [];
  const note = (n: Omit<Notification, 'at' | 'taskQueue'>) => outbox.push({ ...n, at: new Date().toISOString(), taskQueue: input.taskQueue });

  const checkAlerts = () => {
    for (const { key, value, threshold } of measurements(state, Date.now())) {
      const firing = state.stats.firing.includes(key);
      if (!firing && value >= threshold) {
        state.stats.firing.push(key);
        note({ kind: 'alert', key, value, threshold, message: `${key} is ${value}, at or above its threshold of ${threshold}` });
      } else if (firing && value < threshold) {
        state.stats.firing = state.stats.firing.filter((k) => k !== key);
        note({ kind: 'recovered', key, value, threshold, message: `${key} is back to ${value}, below its threshold of ${threshold}` });
      }
    }
  };

  setHandler(statsQuery, () => state.stats);
  setHandler(configureAlertsSignal, (alerts) => {
    state.alerts = alerts;
    checkAlerts();
  });
  setHandler(jobEventSignal, (event) => {
    const key = `${event.jobId}:${event.round}:${event.kind}`;
    if (state.recent.includes(key)) return;
    state.recent.push(key);
    if (state.recent.length > recentLimit) state.recent.splice(0, state.recent.length - recentLimit);
    if (event.kind === 'expiring') {
      note({ kind: 'expiring', key: event.jobId, value: 0, message: `dead job ${event.jobId} (${event.type}) expires at ${event.expiresAt}` });
      return;
    }
    const { stats } = state;
    apply(stats.total, event.kind);
    apply((stats.byType[event.type] ??= zero()), event.kind);
    apply((stats.byErrorType[event.errorType] ??= zero()), event.kind);
    applyToGroup(stats, event);
    if (event.kind === 'deadLettered') state.lastMinute.push(Date.parse(event.at) || Date.now());
    checkAlerts();
  });

  for (;;) {
    // While the per-minute alert fires, look again every few seconds so it can recover without new events.
    const rateFiring = state.stats.firing.includes('deadLetteredPerMinute');
    const wake = () => outbox.length > 0 || workflowInfo().continueAsNewSuggested;
    if (rateFiring) await condition(wake, 5_000);
    else await condition(wake);
    checkAlerts();
    while (outbox.length > 0) {
      await notify(outbox.shift()!, state.alerts.webhookUrl);
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      if (outbox.length === 0) await continueAsNew<typeof deadLetterWorkflow>({ ...input, alerts: state.alerts, carried: state });
    }
  }
}
