/**
 * `admin.jobStats()`: jobs per type and status over a window of submit times, from visibility's
 * counts. The server groups counts by `ExecutionStatus` only (SQL visibility, Server 1.32, refuses
 * `GROUP BY JobType` or `GROUP BY JobStatus`): so the job types in the window are found one
 * listing each, and each (type, status) pair is one count, several in flight at once.
 */
import type { Client } from '@temporalio/client';
import { JobStatus, searchAttributes as sa } from '../contract';
import type { JobStats, JobStatsFilter, JobStatusCounts } from './types';
import { jobFilterQuery, listExecutions, statusCondition } from './visibility';

/** Counts in flight at once. */
const countsInFlight = 8;

/** Job types counted, at most: each one lengthens the query that finds the next. */
export const maxStatsTypes = 100;

const counted = {
  scheduled: JobStatus.Scheduled,
  running: JobStatus.Running,
  retrying: JobStatus.Retrying,
  succeeded: JobStatus.Succeeded,
  deadLettered: JobStatus.DeadLettered,
  cancelled: JobStatus.Cancelled,
  expired: JobStatus.Expired,
} as const;
type Counted = keyof typeof counted;

const settledStatuses = [JobStatus.Succeeded, JobStatus.DeadLettered, JobStatus.Cancelled, JobStatus.Expired];
/** Settled jobs that took more than one attempt. */
const retriedCondition = `(${settledStatuses.map((s) => `(${statusCondition(s)})`).join(' OR ')}) AND ${sa.jobAttempts.name} > 1`;

/** Runs `tasks` with at most `limit` in flight; their results in order. */
async function inPool<T>(tasks: (() => Promise<T>)[], limit: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, tasks.length) }, lane));
  return results;
}

/** The job types with jobs matching `filter`: one listing of one job per type, each excluding the types found. */
async function typesOf(client: Client, taskQueue: string, filter: JobStatsFilter): Promise<string[]> {
  if (filter.type) return [filter.type];
  const types: string[] = [];
  while (types.length < maxStatsTypes) {
    const others = types.length === 0 ? '' : ` AND ${sa.jobType.name} NOT IN (${types.map((t) => `'${t}'`).join(', ')})`;
    const page = await listExecutions(client, jobFilterQuery(taskQueue, filter) + others, 1);
    const type = page.items[0]?.typedSearchAttributes.get(sa.jobType);
    // A type that cannot be quoted cannot be excluded either: stop rather than find it again.
    if (!type || /['"\\]/.test(type)) break;
    types.push(type);
  }
  return types;
}

const rate = (n: number, of: number) => (of === 0 ? null : Math.round((n / of) * 10_000) / 10_000);

/** Counts from the statuses' counts: totals and rates. */
function summed(byStatus: Record<Counted, number>, retried: number): JobStatusCounts {
  const settled = byStatus.succeeded + byStatus.deadLettered + byStatus.cancelled + byStatus.expired;
  const total = settled + byStatus.scheduled + byStatus.running + byStatus.retrying;
  return { total, ...byStatus, settled, retried, successRate: rate(byStatus.succeeded, settled), retryRate: rate(retried, settled) };
}

/** Jobs of `taskQueue` per type and status, over `filter`'s window. */
export async function jobStats(client: Client, taskQueue: string, filter: JobStatsFilter = {}): Promise<JobStats> {
  const types = await typesOf(client, taskQueue, filter);
  const keys = Object.keys(counted) as Counted[];
  const count = (query: string) => () => client.workflow.count(query).then((r) => r.count);
  const tasks = types.flatMap((type) => {
    const ofType = jobFilterQuery(taskQueue, { ...filter, type });
    return [...keys.map((key) => count(`${ofType} AND ${statusCondition(counted[key])}`)), count(`${ofType} AND ${retriedCondition}`)];
  });
  const results = await inPool(tasks, countsInFlight);
  const byType: Record<string, JobStatusCounts> = {};
  const all = Object.fromEntries(keys.map((k) => [k, 0])) as Record<Counted, number>;
  let allRetried = 0;
  types.forEach((type, t) => {
    const row = results.slice(t * (keys.length + 1), (t + 1) * (keys.length + 1));
    const byStatus = Object.fromEntries(keys.map((k, i) => [k, row[i]])) as Record<Counted, number>;
    const counts = summed(byStatus, row[keys.length]);
    if (counts.total === 0) return;
    byType[type] = counts;
    for (const k of keys) all[k] += byStatus[k];
    allRetried += counts.retried;
  });
  return { taskQueue, since: filter.since?.toISOString() ?? null, until: filter.until?.toISOString() ?? null, total: summed(all, allRetried), byType };
}
