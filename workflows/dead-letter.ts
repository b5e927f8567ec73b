/**
 * deadLetterWorkflow: one per task queue. Jobs report to it when they enter or leave the
 * dead-letter state; it keeps counters per job type, error type and failure group (never a
 * copy of the jobs: each dead job is its own parked workflow), raises alerts, and continues as
 * new before its history grows large.
 */
import { allHandlersFinished, condition, continueAsNew, log, proxyActivities, setHandler, sleep, upsertMemo, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  auditLogLimit,
  auditQuery,
  auditSignal,
  configureAlertsSignal,
  emptyCounters,
  emptyDeadLetterStats,
  failureGroupTypesLimit,
  jobEventSignal,
  jobEventsSignal,
  publishedGroupsLimit,
  statsQuery,
  type AlertConfig,
  type AuditEntry,
  type DeadLetterCounters,
  type DeadLetterInput,
  type DeadLetterStats,
  type JobEvent,
  type Notification,
  type PublishedStats,
} from '../src/contract';

// A webhook that is down costs a few seconds per batch, then the batch is dropped (it was logged).
const { notify } = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 5 },
  summary: 'notify',
});

const { findJobsClosedWhileDead } = proxyActivities<Activities>({
  startToCloseTimeout: '1m',
  retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 3 },
  summary: 'find dead jobs closed from outside',
});

/** Event keys remembered to drop a report the activity sent twice. */
const recentLimit = 2_000;
/** Notifications sent by one activity. */
const notifyBatchSize = 50;
/** Notifications waiting, at most; past it the oldest are logged here and dropped. */
const outboxLimit = 1_000;
/** Failure groups kept; past it, groups with no dead job left go first, least recently seen first. */
const groupLimit = 500;
const minuteMs = 60_000;
/** Each look for jobs closed from outside goes back this much further than the last, for visibility's lag. */
const reconcileOverlapMs = 5 * minuteMs;

interface State {
  stats: DeadLetterStats;
  alerts: AlertConfig;
  /** Keys of recent events, oldest first. */
  recent: string[];
  /** Dead-letterings of the last minute, counted per second (`at`, ms) and job type. */
  lastMinute: { at: number; type: string; count: number }[];
  /** Notifications not sent yet. */
  outbox: Notification[];
  /** When the queue last looked for dead jobs closed from outside. */
  reconciledAt?: string;
  /** Operator actions, oldest first, the most recent {@link auditLogLimit}; deletions included, which outlive their jobs. */
  audit: AuditEntry[];
}


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
    case 'deleted':
      counters.deadNow = Math.max(0, counters.deadNow - 1);
      counters.deleted = (counters.deleted ?? 0) + 1;
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
      group = { id: event.failureGroup, errorType: event.errorType, types: [], deadNow: 0, deadLettered: 0, firstSeen: event.at, lastSeen: event.at, example: '' };
      stats.groups.push(group);
      if (stats.groups.length > groupLimit) dropGroup(stats);
    }
    if (!group.example) {
      group.example = (event.message ?? '').slice(0, 300);
      group.exampleJobId = event.jobId;
    }
    group.deadNow++;
    group.deadLettered++;
    if (event.at > group.lastSeen) group.lastSeen = event.at;
    if (event.at < group.firstSeen) group.firstSeen = event.at;
    if (!group.types.includes(event.type) && group.types.length < failureGroupTypesLimit) group.types.push(event.type);
  } else if (group && (event.kind === 'retried' || event.kind === 'cancelled' || event.kind === 'expired' || event.kind === 'deleted')) {
    group.deadNow = Math.max(0, group.deadNow - 1);
    // A deleted job takes its message with it.
    if (event.kind === 'deleted' && group.exampleJobId === event.jobId) {
      group.example = '';
      delete group.exampleJobId;
    }
  }
}

/** How often, at most, the queue publishes its counters while they change. */
const publishEveryMs = 1_000;

/** Keeps the carried state bounded: drops the group that matters least. */
function dropGroup(stats: DeadLetterStats): void {
  const order = [...stats.groups].sort((a, b) => Number(a.deadNow > 0) - Number(b.deadNow > 0) || a.deadNow - b.deadNow || a.lastSeen.localeCompare(b.lastSeen));
  const drop = order[0];
  stats.groups = stats.groups.filter((g) => g !== drop);
  if (drop.deadNow > 0) log.warn('too many failure groups: one with dead jobs is no longer counted', { group: drop.id, deadNow: drop.deadNow });
}

function pruneLastMinute(state: State, now: number): void {
  state.lastMinute = state.lastMinute.filter((b) => now - b.at < minuteMs);
}

function recordDeadLettering(state: State, type: string, atMs: number): void {
  const at = atMs - (atMs % 1_000);
  const bucket = state.lastMinute.find((b) => b.at === at && b.type === type);
  if (bucket) bucket.count++;
  else state.lastMinute.push({ at, type, count: 1 });
}

interface Measurement {
  key: string;
  value: number;
  threshold: number;
}

/** The watched values now, by key, with their thresholds. */
function measurements(state: State, now: number): Measurement[] {
  const t = state.alerts.thresholds ?? {};
  const out: Measurement[] = [];
  pruneLastMinute(state, now);
  const perMinute = (type?: string) => state.lastMinute.filter((b) => type === undefined || b.type === type).reduce((n, b) => n + b.count, 0);
  if (t.deadNow !== undefined) out.push({ key: 'deadNow', value: state.stats.total.deadNow, threshold: t.deadNow });
  for (const [type, threshold] of Object.entries(t.deadNowByType ?? {})) {
    out.push({ key: `deadNow:${type}`, value: state.stats.byType[type]?.deadNow ?? 0, threshold });
  }
  if (t.deadLetteredPerMinute !== undefined) out.push({ key: 'deadLetteredPerMinute', value: perMinute(), threshold: t.deadLetteredPerMinute });
  for (const [type, threshold] of Object.entries(t.deadLetteredPerMinuteByType ?? {})) {
    out.push({ key: `deadLetteredPerMinute:${type}`, value: perMinute(type), threshold });
  }
  return out;
}

/** How long until a firing per-minute alert may recover on its own, with no new event; undefined when none fires. */
function untilRateMayRecover(state: State, now: number): number | undefined {
  if (!state.stats.firing.some((key) => key.startsWith('deadLetteredPerMinute')) || state.lastMinute.length === 0) return undefined;
  const oldest = Math.min(...state.lastMinute.map((b) => b.at));
  return Math.max(500, oldest + minuteMs - now);
}

/** How long until the queue looks for dead jobs closed from outside; undefined while no job is dead. */
function untilReconcile(state: State, everyMs: number, now: number): number | undefined {
  if (state.stats.total.deadNow === 0) return undefined;
  return state.reconciledAt === undefined ? 0 : Math.max(0, Date.parse(state.reconciledAt) + everyMs - now);
}

/** Old runs carried `lastMinute` as plain times, and no outbox or audit log. */
function upgrade(carried: State): State {
  const lastMinute = (carried.lastMinute ?? []) as unknown[];
  return {
    ...carried,
    lastMinute: lastMinute.map((b) => (typeof b === 'number' ? { at: b, type: '', count: 1 } : (b as State['lastMinute'][number]))),
    outbox: carried.outbox ?? [],
    audit: carried.audit ?? [],
  };
}

/**
 * Adds entries to the audit log, keeping it bounded (the oldest go first). Each is written to the
 * worker's log too (once: not again on replay), where a log store keeps it past the bound.
 */
function audit(state: State, entries: AuditEntry[]): void {
  for (const entry of entries) log.info('operator action', { audit: entry });
  state.audit.push(...entries);
  if (state.audit.length > auditLogLimit) state.audit.splice(0, state.audit.length - auditLogLimit);
}

/**
 * The audit entry a job's report makes, if any: a deletion (who, when, why, the job, its type and
 * error type; never the payload or the message), or a retry or cancel that reached the job without
 * rebound's admin API (which records its own), under whoever the request named or `unknown` (the
 * sender's identity is in the job's history), with how it came.
 */
function reportedEntry(event: JobEvent): AuditEntry | undefined {
  const { via } = event;
  let action: AuditEntry['action'];
  if (event.kind === 'deleted') action = 'delete';
  else if (event.kind === 'retried' && via) action = event.edited ? 'editAndRetry' : 'retry';
  else if (event.kind === 'cancelled' && via) action = via === 'termination' ? 'terminate' : 'cancel';
  else return undefined;
  return {
    at: event.at,
    actor: event.actor ?? 'unknown',
    action,
    jobId: event.jobId,
    type: event.type,
    errorType: event.errorType,
    ...(event.reason !== undefined ? { reason: event.reason } : {}),
    ...(via ? { detail: { via } } : {}),
  };
}

/** The queue of one task queue. */
export async function deadLetterWorkflow(input: DeadLetterInput): Promise<void> {
  const state: State = input.carried
    ? upgrade(input.carried as State)
    : {
        stats: emptyDeadLetterStats(input.taskQueue),
        alerts: input.alerts ?? {},
        recent: [],
        lastMinute: [],
        outbox: [],
        audit: [],
      };
  state.stats.generation++;

  const note = (n: Omit<Notification, 'at' | 'taskQueue'>) => {
    state.outbox.push({ ...n, at: new Date().toISOString(), taskQueue: input.taskQueue });
    if (state.outbox.length > outboxLimit) {
      for (const dropped of state.outbox.splice(0, state.outbox.length - outboxLimit)) {
        log.warn(`dead-letter ${dropped.kind} not sent, too many waiting: ${dropped.message}`, { notification: dropped });
      }
    }
  };

  /** Set when the counters, groups or alerts changed since they were last published. */
  let changed = false;
  const checkAlerts = () => {
    const watched = measurements(state, Date.now());
    const firingBefore = state.stats.firing.join();
    for (const { key, value, threshold } of watched) {
      const firing = state.stats.firing.includes(key);
      if (!firing && value >= threshold) {
        state.stats.firing.push(key);
        note({ kind: 'alert', key, value, threshold, message: `${key} is ${value}, at or above its threshold of ${threshold}` });
      } else if (firing && value < threshold) {
        state.stats.firing = state.stats.firing.filter((k) => k !== key);
        note({ kind: 'recovered', key, value, threshold, message: `${key} is back to ${value}, below its threshold of ${threshold}` });
      }
    }
    // An alert whose threshold was removed recovers too, so no alert stays open for ever.
    for (const key of state.stats.firing.filter((k) => !watched.some((m) => m.key === k))) {
      state.stats.firing = state.stats.firing.filter((k) => k !== key);
      note({ kind: 'recovered', key, value: 0, message: `${key} is no longer watched: its threshold was removed` });
    }
    if (state.stats.firing.join() !== firingBefore) changed = true;
  };

  setHandler(statsQuery, () => state.stats);
  setHandler(configureAlertsSignal, (alerts) => {
    state.alerts = alerts ?? {};
    changed = true;
    checkAlerts();
  });
  const onEvent = (event: JobEvent) => {
    const key = `${event.jobId}:${event.round}:${event.kind}`;
    if (state.recent.includes(key)) return;
    changed = true;
    state.recent.push(key);
    if (state.recent.length > recentLimit) state.recent.splice(0, state.recent.length - recentLimit);
    if (event.kind === 'expiring') {
      note({
        kind: 'expiring',
        key: event.jobId,
        value: 0,
        message: `dead job ${event.jobId} (${event.type}) expires at ${event.expiresAt} unless retried or cancelled`,
        jobId: event.jobId,
        jobType: event.type,
        expiresAt: event.expiresAt,
      });
      return;
    }
    const entry = reportedEntry(event);
    if (entry) audit(state, [entry]);
    const { stats } = state;
    apply(stats.total, event.kind);
    apply((stats.byType[event.type] ??= emptyCounters()), event.kind);
    apply((stats.byErrorType[event.errorType] ??= emptyCounters()), event.kind);
    applyToGroup(stats, event);
    if (event.kind === 'deadLettered') recordDeadLettering(state, event.type, Math.min(Date.now(), Date.parse(event.at) || Date.now()));
    checkAlerts();
  };
  setHandler(jobEventSignal, onEvent);
  setHandler(auditSignal, ({ entries }) => audit(state, entries ?? []));
  // By time: entries the jobs report come a moment after those the admin records as it acts.
  setHandler(auditQuery, ({ jobId, since } = {}) =>
    state.audit.filter((e) => (jobId === undefined || e.jobId === jobId) && (since === undefined || e.at >= since)).sort((a, b) => a.at.localeCompare(b.at)),
  );
  setHandler(jobEventsSignal, ({ events }) => events.forEach(onEvent));

  // The counters go to the memo, so they are read without a worker however busy the queue is:
  // at most about once a second while they change, and once at the start of each run.
  let publishedAt = 0;
  const publish = () => {
    changed = false;
    publishedAt = Date.now();
    const groups = [...state.stats.groups].filter((g) => g.deadNow > 0).sort((a, b) => b.deadNow - a.deadNow).slice(0, publishedGroupsLimit);
    upsertMemo({ published: { stats: { ...state.stats, groups }, at: new Date(publishedAt).toISOString() } satisfies PublishedStats });
  };
  publish();

  const reconcileEveryMs = input.reconcileEveryMs ?? minuteMs;
  /** After a failed look, the next waits until then. */
  let reconcileNotBefore = 0;
  /** Counts as cancelled the dead jobs closed from outside since the last look (the overlap's repeats are dropped as such). */
  const reconcile = async () => {
    const startedAt = Date.now();
    const since = new Date((state.reconciledAt ? Date.parse(state.reconciledAt) : startedAt - reconcileEveryMs) - reconcileOverlapMs).toISOString();
    try {
      for (const event of await findJobsClosedWhileDead({ taskQueue: input.taskQueue, since })) onEvent(event);
      state.reconciledAt = new Date(startedAt).toISOString();
    } catch (err) {
      // Look again later, from the same point, so that nothing closed meanwhile is missed.
      log.warn('could not look for dead jobs closed from outside; will try again', { error: String((err as Error)?.cause ?? err) });
      reconcileNotBefore = startedAt + reconcileEveryMs;
    }
  };
  const reconcileDueIn = (now: number) => {
    const due = untilReconcile(state, reconcileEveryMs, now);
    return due === undefined ? undefined : Math.max(due, reconcileNotBefore - now);
  };

  for (;;) {
    // The first dead job makes a look due at once: a wait begun while none was dead has no timeout.
    const wake = () => state.outbox.length > 0 || workflowInfo().continueAsNewSuggested || reconcileDueIn(Date.now()) === 0 || changed;
    const waits = [untilRateMayRecover(state, Date.now()), reconcileDueIn(Date.now())].filter((ms): ms is number => ms !== undefined);
    if (waits.length === 0) await condition(wake);
    else await condition(wake, Math.max(1, Math.min(...waits)));
    if (reconcileDueIn(Date.now()) === 0) await reconcile();
    checkAlerts();
    if (changed) {
      // At most once a second: what changes meanwhile goes out with it.
      const rest = publishedAt + publishEveryMs - Date.now();
      if (rest > 0) await sleep(rest, { summary: 'publish the counters' });
      publish();
    }
    if (state.outbox.length > 0) {
      const batch = state.outbox.splice(0, notifyBatchSize);
      try {
        await notify({ notifications: batch, webhookUrl: state.alerts.webhookUrl });
      } catch (err) {
        // The counters do not depend on delivery: drop the batch (each one was logged) and go on.
        log.warn('dead-letter notifications dropped: the webhook did not take them', {
          webhookUrl: state.alerts.webhookUrl,
          count: batch.length,
          error: String((err as Error)?.cause ?? err),
        });
      }
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof deadLetterWorkflow>({ taskQueue: input.taskQueue, alerts: state.alerts, reconcileEveryMs: input.reconcileEveryMs, carried: state });
    }
  }
}
