/**
 * `admin.check()`: reconciles a task queue's jobs from visibility's counts, and the dead-letter
 * queue's counters with the dead jobs visibility lists. Visibility is eventually consistent, so a
 * difference counts only once it has outlasted a few reads.
 */
import type { Client } from '@temporalio/client';
import { JobStatus, jobIdOfWorkflowId, searchAttributes as sa, type DeadLetterStats } from '../contract';
import { InvalidOptionsError } from '../errors';
import type { CheckDifference, CheckOptions, CheckReport, DeadCounts, DeadJobSummary, JobCounts } from './types';
import { jobsQuery, noStatusCondition, statusCondition } from './visibility';

/** Job ids a difference names, at most. */
const idsShown = 20;

/**
 * One query per status, disjoint, and together covering every job: a job in `unaccounted` ended
 * without recording how (its workflow completed or was cancelled while it still read scheduled,
 * running or dead), or carries no status rebound knows. `running` counts retrying jobs too.
 */
const statusConditions: Record<keyof Omit<JobCounts, 'submitted'>, string> = {
  succeeded: statusCondition(JobStatus.Succeeded),
  expired: statusCondition(JobStatus.Expired),
  cancelled: statusCondition(JobStatus.Cancelled),
  deadLettered: statusCondition(JobStatus.DeadLettered),
  running: `ExecutionStatus = 'Running' AND ${sa.jobStatus.name} IN ('${JobStatus.Running}', '${JobStatus.Retrying}')`,
  scheduled: statusCondition(JobStatus.Scheduled),
  unaccounted: noStatusCondition,
};

/** What `check` reads from the server. */
export interface CheckSources {
  client: Client;
  taskQueue: string;
  /** Every dead job visibility lists (the admin API's `all()`). */
  listDead(): AsyncIterable<DeadJobSummary>;
  /** The dead-letter queue's counters (the admin API's `stats()`). */
  stats(): Promise<DeadLetterStats>;
}

async function countJobs({ client, taskQueue }: CheckSources): Promise<JobCounts> {
  const entries = Object.entries({ submitted: '', ...statusConditions });
  const counts = await Promise.all(entries.map(async ([key, condition]) => [key, (await client.workflow.count(jobsQuery(taskQueue, ...(condition ? [condition] : [])))).count]));
  return Object.fromEntries(counts) as JobCounts;
}

async function idsOf({ client, taskQueue }: CheckSources, condition: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const wf of client.workflow.list({ query: jobsQuery(taskQueue, condition), pageSize: idsShown })) {
    ids.push(wf.workflowId);
    if (ids.length >= idsShown) break;
  }
  return ids;
}

const add = (counts: Record<string, number>, key: string) => (counts[key] = (counts[key] ?? 0) + 1);

/** Compares two counts per key; each key that differs is one difference. */
function compareByKey(
  kind: 'deadNowByType' | 'deadNowByErrorType',
  what: string,
  counted: Record<string, number>,
  listed: Record<string, number>,
  listedIds: (key: string) => string[],
): CheckDifference[] {
  const keys = [...new Set([...Object.keys(counted), ...Object.keys(listed)])].sort();
  return keys
    .filter((key) => (counted[key] ?? 0) !== (listed[key] ?? 0))
    .map((key) => ({
      kind,
      key,
      counted: counted[key] ?? 0,
      listed: listed[key] ?? 0,
      jobIds: listedIds(key).slice(0, idsShown),
      message: `${what} "${key}": the dead-letter queue counts ${counted[key] ?? 0} dead now, visibility lists ${listed[key] ?? 0}`,
    }));
}

/** One read of every source; the differences it shows. */
async function readOnce(sources: CheckSources): Promise<Omit<CheckReport, 'reads'>> {
  const checkedAt = new Date().toISOString();
  const [jobs, stats, dead] = await Promise.all([
    countJobs(sources),
    sources.stats(),
    (async () => {
      const items: DeadJobSummary[] = [];
      for await (const item of sources.listDead()) items.push(item);
      return items;
    })(),
  ]);
  const differences: CheckDifference[] = [];

  const sum = jobs.succeeded + jobs.deadLettered + jobs.cancelled + jobs.expired + jobs.running + jobs.scheduled + jobs.unaccounted;
  if (sum !== jobs.submitted) {
    differences.push({
      kind: 'sum',
      counted: sum,
      listed: jobs.submitted,
      message: `${jobs.submitted} job(s) submitted, but succeeded + dead-lettered + cancelled + expired + running + scheduled + in no status = ${sum}`,
    });
  }
  if (jobs.unaccounted > 0) {
    differences.push({
      kind: 'unaccounted',
      listed: jobs.unaccounted,
      jobIds: (await idsOf(sources, statusConditions.unaccounted)).map(jobIdOfWorkflowId),
      message: `${jobs.unaccounted} job(s) in no status: their workflow ended without recording how, or they carry no status rebound knows`,
    });
  }

  const listed: DeadCounts = { total: dead.length, byType: {}, byErrorType: {} };
  const seen = new Set<string>();
  const twice = new Set<string>();
  for (const job of dead) {
    if (seen.has(job.jobId)) twice.add(job.jobId);
    seen.add(job.jobId);
    add(listed.byType, job.type);
    add(listed.byErrorType, job.errorType || 'Error');
  }
  if (twice.size > 0) {
    differences.push({ kind: 'listedTwice', jobIds: [...twice].slice(0, idsShown), message: `${twice.size} dead job(s) listed more than once` });
  }
  const deadNow = (counters: DeadLetterStats['byType']) =>
    Object.fromEntries(Object.entries(counters).filter(([, c]) => c.deadNow !== 0).map(([key, c]) => [key, c.deadNow]));
  const counted: DeadCounts = { total: stats.total.deadNow, byType: deadNow(stats.byType), byErrorType: deadNow(stats.byErrorType) };
  if (counted.total !== listed.total) {
    differences.push({
      kind: 'deadNow',
      counted: counted.total,
      listed: listed.total,
      message:
        `the dead-letter queue counts ${counted.total} job(s) dead now, visibility lists ${listed.total}` +
        (counted.total > listed.total ? ' (a dead job terminated from outside is noticed within about a minute)' : ''),
    });
  }
  const idsWhere = (pick: (job: DeadJobSummary) => string) => (key: string) => dead.filter((job) => pick(job) === key).map((job) => job.jobId);
  differences.push(
    ...compareByKey('deadNowByType', 'job type', counted.byType, listed.byType, idsWhere((job) => job.type)),
    ...compareByKey('deadNowByErrorType', 'error type', counted.byErrorType, listed.byErrorType, idsWhere((job) => job.errorType || 'Error')),
  );
  return { taskQueue: sources.taskQueue, ok: differences.length === 0, jobs, counted, listed, differences, checkedAt };
}

/** Reads until nothing differs or `waitMs` has passed; the last read's report. */
export async function checkTaskQueue(sources: CheckSources, options: CheckOptions = {}): Promise<CheckReport> {
  const waitMs = options.waitMs ?? 10_000;
  const pollMs = options.pollMs ?? 500;
  for (const [name, value] of [['waitMs', waitMs], ['pollMs', pollMs]] as const) {
    if (!(typeof value === 'number' && Number.isFinite(value) && value >= 0)) throw new InvalidOptionsError(`${name} must be a number of milliseconds, 0 or more, got ${JSON.stringify(value)}`);
  }
  const deadline = Date.now() + waitMs;
  for (let reads = 1; ; reads++) {
    const report = await readOnce(sources);
    if (report.ok || Date.now() + pollMs > deadline) return { ...report, reads };
    await new Promise((resolve) => setTimeout(resolve, Math.max(1, pollMs)));
  }
}
