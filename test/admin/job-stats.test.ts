/**
 * `admin.jobStats()`: jobs per type and status (scheduled, running, retrying, succeeded, dead,
 * cancelled, expired) over a window of submit times, with success and retry rates.
 */
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterAdmin, JobStats, JobStatsFilter, JobStatusCounts } from '../../src/admin';
import { InvalidOptionsError } from '../../src/errors';
import { mixedJobTypes, submitMixedJobs, type MixedJobs } from '../fixtures/mixed-jobs';
import { adminTestEnv, rejectionOf, type TestEnv } from '../helpers';

const counts = (c: Partial<JobStatusCounts>): JobStatusCounts => {
  const zero = { scheduled: 0, running: 0, retrying: 0, succeeded: 0, deadLettered: 0, cancelled: 0, expired: 0, retried: 0, ...c };
  const settled = zero.succeeded + zero.deadLettered + zero.cancelled + zero.expired;
  const rate = (n: number) => (settled === 0 ? null : Math.round((n / settled) * 10_000) / 10_000);
  return { ...zero, total: settled + zero.scheduled + zero.running + zero.retrying, settled, successRate: rate(zero.succeeded), retryRate: rate(zero.retried) };
};

describe('admin.jobStats', () => {
  const types = mixedJobTypes();
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  let mix: MixedJobs;

  beforeAll(async () => {
    ({ env, admin } = await adminTestEnv([types.main, types.expiring]));
    mix = await submitMixedJobs(env, admin, types);
  });
  afterAll(async () => {
    mix?.release();
    await env.close();
  });

  /** The stats once visibility has caught up with `expected` (or the last read, to show what differs). */
  async function statsAgreeing(filter: JobStatsFilter, expected: Pick<JobStats, 'total' | 'byType'>): Promise<JobStats> {
    let last: JobStats | undefined;
    for (let i = 0; i < 100; i++) {
      last = await admin.jobStats(filter);
      if (isDeepStrictEqual([last.total, last.byType], [expected.total, expected.byType])) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    return last!;
  }

  const main = counts({ scheduled: 1, running: 1, retrying: 1, succeeded: 3, deadLettered: 2, cancelled: 1, retried: 2 });
  const expiring = counts({ expired: 1 });

  it('counts each job type per status, with success and retry rates', async () => {
    const all = counts({ scheduled: 1, running: 1, retrying: 1, succeeded: 3, deadLettered: 2, cancelled: 1, expired: 1, retried: 2 });
    const stats = await statsAgreeing({}, { total: all, byType: { [types.main.type]: main, [types.expiring.type]: expiring } });
    expect(stats.taskQueue).toBe(env.config.taskQueue);
    expect(stats.byType).toEqual({ [types.main.type]: main, [types.expiring.type]: expiring });
    expect(stats.total).toEqual(all);
    expect(stats.total).toMatchObject({ total: 10, settled: 7, successRate: 0.4286, retryRate: 0.2857 });
    expect(main).toMatchObject({ total: 9, settled: 6, successRate: 0.5, retryRate: 0.3333 });
  });

  it('counts one type only', async () => {
    const stats = await statsAgreeing({ type: types.expiring.type }, { total: expiring, byType: { [types.expiring.type]: expiring } });
    expect(stats.byType).toEqual({ [types.expiring.type]: expiring });
  });

  it('counts the jobs submitted in a window only', async () => {
    const middle = new Date();
    const later = await env.jobs([types.main]).submit(types.main.type, {}, { tags: { batch: mix.batch } });
    await later.result();
    const one = counts({ succeeded: 1 });
    const since = await statsAgreeing({ since: middle }, { total: one, byType: { [types.main.type]: one } });
    expect(since.since).toBe(middle.toISOString());
    expect(since.total).toEqual(one);
    const until = await statsAgreeing({ until: middle }, { total: counts({ scheduled: 1, running: 1, retrying: 1, succeeded: 3, deadLettered: 2, cancelled: 1, expired: 1, retried: 2 }), byType: { [types.main.type]: main, [types.expiring.type]: expiring } });
    expect(until.total.total).toBe(10);
  });

  it('answers zeros for a window with no job', async () => {
    const stats = await admin.jobStats({ since: new Date(Date.now() + 3_600_000) });
    expect(stats.total).toEqual(counts({}));
    expect(stats.byType).toEqual({});
  });

  it('refuses an unknown filter field and a bad time, naming them', async () => {
    const unknown = await rejectionOf(admin.jobStats({ status: 'Running' } as never));
    expect(unknown).toBeInstanceOf(InvalidOptionsError);
    expect(unknown.message).toContain('status');
    expect((await rejectionOf(admin.jobStats({ since: new Date('nope') }))).message).toContain('since must be a valid time');
  });
});
