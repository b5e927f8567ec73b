/**
 * Bulk operations at the edges: rates far below one a second, abort during a long wait, the
 * rate achieved beside the one asked, and the operation's worker killed mid-way.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterAdmin } from '../../src/admin';
import { deadJobType } from '../fixtures/dead-jobs';
import { deadJobsModule, requireBuiltCli, startRebound } from '../fixtures/rebound-cli';
import { address, adminTestEnv, eventually, testEnv, unique, type TestEnv } from '../helpers';
import { createAdmin } from '../../src/admin';

describe('bulk operations at the edges', () => {
  const type = unique('bulk-edge');
  const defs = [deadJobType(type)];
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  let jobs: ReturnType<TestEnv['jobs']>;
  beforeAll(async () => {
    ({ env, jobs, admin } = await adminTestEnv(defs));
  });
  afterAll(() => env.close());

  const deadJobs = async (n: number, prefix: string) => {
    const handles = await Promise.all(Array.from({ length: n }, () => jobs.submit(type, {}, { jobId: unique(prefix) })));
    for (const h of handles) await h.settled();
    const ids = handles.map((h) => h.jobId);
    await eventually(async () => (await admin.list({ type }, { limit: 100 })).items.filter((i) => ids.includes(i.jobId)).length === n, `${n} dead jobs listed`);
    return ids;
  };

  it('aborts at a rate of one job in 25 seconds while it waits for the next one', async () => {
    const ids = await deadJobs(3, 'slow');
    const { operation } = await admin.retryAll({ type, until: new Date() }, { rate: 0.04 });
    await eventually(async () => (await operation!.progress()).done === 1, 'the first job');
    await operation!.abort();
    // Not after the 25 s wait: the wait is a timer the abort ends.
    const progress = await operation!.result();
    expect(progress).toMatchObject({ state: 'Aborted', matched: 3, done: 1, remaining: 2 });
    expect(progress.activeMs).toBeLessThan(25_000);
    await admin.cancel(ids);
  });

  it('reports the rate achieved beside the one asked', async () => {
    const ids = await deadJobs(4, 'rate');
    const { operation } = await admin.retryAll({ type, until: new Date() }, { rate: 2 });
    const progress = await operation!.result();
    expect(progress).toMatchObject({ state: 'Completed', done: 4, rate: 2 });
    expect(progress.achievedRate).toBeGreaterThan(0);
    expect(progress.achievedRate).toBeLessThanOrEqual(4);
    await eventually(async () => (await Promise.all(ids.map((id) => admin.get(id)))).every((r) => r.round === 2 && r.status === 'DeadLettered'), 'round 2');
    await admin.cancel(ids);
  });
});

describe('a bulk operation whose worker is killed', () => {
  let env: TestEnv;
  beforeAll(async () => {
    requireBuiltCli();
    env = await testEnv();
  });
  afterAll(() => env.close());

  it('applies each job once and counts it done once, after the worker is SIGKILLed mid-way', async () => {
    const type = unique('bulk-kill');
    const defs = [deadJobType(type)];
    const workerArgs = ['worker', '--jobs', deadJobsModule, '--address', address(), '--task-queue', env.config.taskQueue];
    const first = startRebound(workerArgs, { REBOUND_TEST_DEAD_TYPES: type });
    const jobs = env.jobs(defs);
    const admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue, jobs: defs });
    const handles = await Promise.all(Array.from({ length: 12 }, () => jobs.submit(type, {}, { jobId: unique('k') })));
    for (const h of handles) await h.settled();
    await eventually(async () => (await admin.list({ type }, { limit: 100 })).items.length === 12, '12 dead jobs listed');

    const { operation } = await admin.retryAll({ type }, { rate: 3 });
    await eventually(async () => (await operation!.progress()).done >= 3, 'a few jobs retried');
    first.kill('SIGKILL');
    await first.exited;
    const second = startRebound(workerArgs, { REBOUND_TEST_DEAD_TYPES: type });
    try {
      const progress = await operation!.result();
      expect(progress).toMatchObject({ state: 'Completed', matched: 12, done: 12, skipped: 0, failed: 0, remaining: 0 });
      await eventually(async () => (await Promise.all(handles.map((h) => admin.get(h.jobId)))).every((r) => r.round === 2), 'every job in round 2');
      for (const h of handles) expect((await admin.get(h.jobId)).timeline.filter((e) => e.event === 'Retried')).toHaveLength(1);
    } finally {
      second.kill('SIGTERM');
      await second.exited;
    }
  });
});
