/**
 * `admin.listJobs()`: jobs in any status, filtered by type, status, error type, submit time and
 * tags, a page at a time.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterAdmin, JobFilter } from '../../src/admin';
import { JobStatus } from '../../src/contract';
import { InvalidOptionsError } from '../../src/errors';
import { mixedJobTypes, submitMixedJobs, type MixedJobs } from '../fixtures/mixed-jobs';
import { adminTestEnv, eventually, rejectionOf, type TestEnv } from '../helpers';

const sorted = (ids: string[]) => [...ids].sort();

describe('admin.listJobs', () => {
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

  const listIds = async (filter: JobFilter) => sorted((await admin.listJobs(filter, { limit: 100 })).items.map((i) => i.jobId));
  /** The ids once visibility agrees with `expected` (or the last read). */
  const idsAgreeing = async (filter: JobFilter, expected: string[]) => {
    let last: string[] = [];
    await eventually(async () => JSON.stringify((last = await listIds(filter))) === JSON.stringify(sorted(expected)), `jobs of ${JSON.stringify(filter)}`).catch(() => undefined);
    return last;
  };

  it('filters by each status, a job closed as it says', async () => {
    const byStatus: [JobStatus, string[]][] = [
      [JobStatus.Scheduled, [mix.scheduled]],
      [JobStatus.Running, [mix.running]],
      [JobStatus.Retrying, [mix.retrying]],
      [JobStatus.Succeeded, mix.succeeded],
      [JobStatus.DeadLettered, mix.dead],
      [JobStatus.Cancelled, [mix.cancelled]],
      [JobStatus.Expired, [mix.expired]],
    ];
    for (const [status, ids] of byStatus) expect(await idsAgreeing({ status }, ids), status).toEqual(sorted(ids));
    expect(await idsAgreeing({ status: [JobStatus.Running, JobStatus.Retrying] }, [mix.running, mix.retrying])).toEqual(sorted([mix.running, mix.retrying]));
  });

  it('lists each job with its type, status, attempts, times and tags', async () => {
    const { items } = await admin.listJobs({ tags: { batch: mix.batch } }, { limit: 100 });
    const of = (jobId: string) => items.find((i) => i.jobId === jobId)!;
    expect(of(mix.succeededAfterRetry)).toMatchObject({ type: types.main.type, status: JobStatus.Succeeded, attempts: 2, errorType: null, tags: { batch: mix.batch } });
    expect(of(mix.deadAfterRetry)).toMatchObject({ status: JobStatus.DeadLettered, attempts: 2, errorType: 'Error', closedAt: null });
    expect(Date.parse(of(mix.deadAfterRetry).deadLetteredAt!)).not.toBeNaN();
    expect(of(mix.expired)).toMatchObject({ type: types.expiring.type, status: JobStatus.Expired, errorType: 'ValidationError' });
    expect(Date.parse(of(mix.expired).closedAt!)).not.toBeNaN();
    expect(of(mix.scheduled)).toMatchObject({ status: JobStatus.Scheduled, attempts: null });
    expect(of(mix.succeeded[0]).tags).toEqual({ batch: mix.batch, path: 'fast' });
    for (const item of items) expect(Date.parse(item.submittedAt!)).not.toBeNaN();
  });

  it('filters by type, error type and tags', async () => {
    expect(await listIds({ type: types.expiring.type })).toEqual([mix.expired]);
    expect(await listIds({ errorType: 'ValidationError', type: types.main.type })).toEqual(sorted([mix.dead[0]]));
    expect(await listIds({ tags: { path: 'fast' } })).toEqual(sorted(mix.succeeded.slice(0, 2)));
    expect(await listIds({ tags: { path: 'fast' }, status: JobStatus.Running })).toEqual([]);
  });

  it('filters by submit time', async () => {
    const middle = new Date();
    const later = await env.jobs([types.main]).submit(types.main.type, {});
    await later.result();
    expect(await idsAgreeing({ since: middle }, [later.jobId])).toEqual([later.jobId]);
    const before = await listIds({ until: middle });
    expect(before).not.toContain(later.jobId);
    expect(before).toHaveLength(10);
  });

  it('pages of 3 cover every job once', async () => {
    const seen: string[] = [];
    let token: string | null | undefined;
    do {
      const page = await admin.listJobs({ tags: { batch: mix.batch } }, { limit: 3, pageToken: token });
      expect(page.items.length).toBeLessThanOrEqual(3);
      seen.push(...page.items.map((i) => i.jobId));
      token = page.nextPageToken;
    } while (token);
    expect(sorted(seen)).toEqual(await listIds({ tags: { batch: mix.batch } }));
    expect(new Set(seen).size).toBe(10);
  });

  it('refuses an unknown status, a bad limit and a made-up page token, naming them', async () => {
    const status = await rejectionOf(admin.listJobs({ status: 'Waiting' as JobStatus }));
    expect(status).toBeInstanceOf(InvalidOptionsError);
    expect(status.message).toContain('status must be one of Scheduled, Running, Retrying, Succeeded, DeadLettered, Cancelled, Expired, got "Waiting"');
    expect((await rejectionOf(admin.listJobs({}, { limit: 0 }))).message).toContain('limit must be a whole number from 1 to 1000');
    expect((await rejectionOf(admin.listJobs({}, { pageToken: 'abc' }))).message).toContain('is not one a listing gave');
    expect((await rejectionOf(admin.listJobs({ state: 'x' } as never))).message).toContain('unknown filter option');
  });
});
