/**
 * The JSON documents the API answers with, in the shapes `rebound ... --json` prints, so that a
 * script can move between the CLI and the console's API without translating.
 */
import type { BulkSelection } from '../admin';
import type { JobRecord } from '../client';
import type { DeadLetterCounters, DeadLetterStats } from '../contract';

/** A job's record as `rebound dlq show --json` prints it: each attempt with one `time`, and nulls where nothing is known. */
export function jobDocument(record: JobRecord): Record<string, unknown> {
  return {
    ...record,
    payload: record.payload ?? null,
    attemptHistory: record.attemptHistory.map((a) => ({ ...a, time: a.endedAt ?? a.startedAt ?? null })),
  };
}

/** `{ T: n }` of the jobs dead now; kinds with none are left out. */
const deadNowOf = (counters: Record<string, DeadLetterCounters>) =>
  Object.fromEntries(Object.entries(counters).filter(([, c]) => c.deadNow > 0).map(([k, c]) => [k, c.deadNow]));

/** The counters as `rebound dlq stats --json` prints them: `{ dead: { total, byType, byErrorType }, counters, groups, firing, ... }`. */
export function statsDocument(stats: DeadLetterStats): Record<string, unknown> {
  const { total, byType, byErrorType, ...rest } = stats;
  return {
    ...rest,
    dead: { total: total.deadNow, byType: deadNowOf(byType), byErrorType: deadNowOf(byErrorType) },
    counters: { total, byType, byErrorType },
  };
}

/** What a bulk request started (or, for a dry run, would touch). */
export function bulkDocument(action: 'retry' | 'cancel', selection: BulkSelection, dryRun: boolean, filter: Record<string, string>): Record<string, unknown> {
  return {
    action,
    dryRun,
    matched: selection.matched,
    until: selection.until,
    filter,
    operationId: selection.operation?.operationId ?? null,
    workflowId: selection.operation?.workflowId ?? null,
    ids: selection.ids,
  };
}
