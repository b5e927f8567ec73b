/**
 * What the overview shows beside the queue's counters: dead-letterings of the jobs dead now over
 * time, and the dead jobs that expire soonest. Both come from listing the dead jobs; expiry times
 * from reading the oldest dead jobs of each type (a type's jobs share one retention, so its oldest
 * expire first).
 */
import type { DeadJobSummary, DeadLetterAdmin } from '../admin';
import type { DeadLetterStats } from '../contract';

/** Dead-letterings per time bucket. */
export interface DeadChart {
  /** Width of a bucket. */
  bucketMs: number;
  /** Each bucket's start and how many of the jobs dead now dead-lettered in it, oldest first. */
  buckets: { at: string; count: number }[];
  /** Dead jobs counted (at most `maxJobs`). */
  counted: number;
  /** True when there were more dead jobs than counted. */
  truncated: boolean;
}

/** A dead job and when it expires. */
export interface ExpiringJob {
  jobId: string;
  type: string;
  deadLetteredAt: string;
  expiresAt: string;
}

/** Everything the overview shows. */
export interface OverviewData {
  stats: DeadLetterStats;
  chart: DeadChart;
  expiring: ExpiringJob[];
  /** True when a dead job's worker did not answer, so expiry times could not be read. */
  noWorker: boolean;
}

/** Limits of {@link loadOverview}. */
export interface OverviewLimits {
  /** Dead jobs listed for the chart and the expiry look-up. @defaultValue 10000 */
  maxJobs?: number;
  /** Oldest dead jobs of each type read for their expiry time. @defaultValue 5 */
  expiringPerType?: number;
  /** Jobs shown as expiring soonest. @defaultValue 10 */
  expiringShown?: number;
}

const minute = 60_000;
const bucketSizes = [minute, 5 * minute, 15 * minute, 60 * minute, 3 * 60 * minute, 6 * 60 * minute, 24 * 60 * minute, 7 * 24 * 60 * minute];
const maxBuckets = 48;
const minBuckets = 12;

/** Buckets `times` (ms) into at most 48 buckets of a round size, ending now, at least 12 of them. */
export function bucketTimes(times: number[], now = Date.now()): Pick<DeadChart, 'bucketMs' | 'buckets'> {
  const oldest = times.length ? Math.min(...times) : now;
  const span = Math.max(0, now - oldest);
  const bucketMs = bucketSizes.find((size) => span / size < maxBuckets) ?? bucketSizes[bucketSizes.length - 1];
  const count = Math.min(maxBuckets, Math.max(minBuckets, Math.floor(span / bucketMs) + 1));
  const last = Math.floor(now / bucketMs) * bucketMs;
  const first = last - (count - 1) * bucketMs;
  const counts = new Array<number>(count).fill(0);
  for (const t of times) {
    const i = Math.floor((t - first) / bucketMs);
    if (i >= 0 && i < count) counts[i]++;
  }
  return { bucketMs, buckets: counts.map((n, i) => ({ at: new Date(first + i * bucketMs).toISOString(), count: n })) };
}

/** Runs `fn` over `items`, at most `limit` at a time. */
async function mapLimited<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await fn(items[i]);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** The jobs that expire soonest, from the oldest dead jobs of each type. */
async function expiringSoonest(admin: DeadLetterAdmin, jobs: DeadJobSummary[], perType: number, shown: number): Promise<{ expiring: ExpiringJob[]; noWorker: boolean }> {
  const byType = new Map<string, DeadJobSummary[]>();
  for (const job of jobs) byType.set(job.type, [...(byType.get(job.type) ?? []), job]);
  const candidates = [...byType.values()].flatMap((list) => list.sort((a, b) => a.deadLetteredAt.localeCompare(b.deadLetteredAt)).slice(0, perType));
  let noWorker = false;
  const read = await mapLimited(candidates, 8, async (job): Promise<ExpiringJob | undefined> => {
    // Each read waits a few seconds for a worker that is not there: one such answer is enough.
    if (noWorker) return undefined;
    try {
      const record = await admin.get(job.jobId);
      if (record.indexedOnly) noWorker = true;
      return record.expiresAt ? { jobId: job.jobId, type: job.type, deadLetteredAt: job.deadLetteredAt, expiresAt: record.expiresAt } : undefined;
    } catch {
      // Retried or gone since it was listed: not expiring.
      return undefined;
    }
  });
  const expiring = read.filter((j): j is ExpiringJob => j !== undefined).sort((a, b) => a.expiresAt.localeCompare(b.expiresAt)).slice(0, shown);
  return { expiring, noWorker };
}

/** The overview's data: counters, the chart of dead-letterings, and the jobs expiring soonest. */
export async function loadOverview(admin: DeadLetterAdmin, limits: OverviewLimits = {}, now = Date.now()): Promise<OverviewData> {
  const maxJobs = limits.maxJobs ?? 10_000;
  const statsRead = admin.stats();
  const jobs: DeadJobSummary[] = [];
  let truncated = false;
  for await (const job of admin.all()) {
    if (jobs.length >= maxJobs) {
      truncated = true;
      break;
    }
    jobs.push(job);
  }
  const times = jobs.map((j) => Date.parse(j.deadLetteredAt)).filter((t) => !Number.isNaN(t));
  const [stats, { expiring, noWorker }] = await Promise.all([statsRead, expiringSoonest(admin, jobs, limits.expiringPerType ?? 5, limits.expiringShown ?? 10)]);
  return { stats, chart: { ...bucketTimes(times, now), counted: jobs.length, truncated }, expiring, noWorker };
}
