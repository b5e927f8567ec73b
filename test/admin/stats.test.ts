import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterAdmin } from '../../src/admin';
import { findTemporalBinary } from '../../src/dev';
import { JobStatus, deadLetterWorkflowId, jobWorkflowId, retryUpdate } from '../../src/contract';
import { deadJobType } from '../fixtures/dead-jobs';
import { deadJobsModule, reboundWithEnv, requireBuiltCli } from '../fixtures/rebound-cli';
import { address, adminTestEnv, eventually, unique, type TestEnv } from '../helpers';

const run = promisify(execFile);

describe('admin.stats', () => {
  const typeA = unique('stats-a');
  const typeB = unique('stats-b');
  const shortLived = unique('stats-expiring');
  const defs = [deadJobType(typeA), deadJobType(typeB), deadJobType(shortLived, '3s')];
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  let jobs: ReturnType<TestEnv['jobs']>;

  beforeAll(async () => {
    requireBuiltCli();
    ({ env, jobs, admin } = await adminTestEnv(defs));
  });
  afterAll(() => env.close());

  const dead = async (n: number, type: string, error: 'timeout' | 'validation') => {
    const handles = await Promise.all(Array.from({ length: n }, (_, i) => jobs.submit(type, { error, ms: 100 + i }, { jobId: unique('s') })));
    for (const h of handles) expect((await h.settled()).status).toBe(JobStatus.DeadLettered);
    return handles.map((h) => h.jobId);
  };

  /** Counts from the visibility list, the same shape as the stats. */
  const fromList = async () => {
    const byType: Record<string, number> = {};
    const byErrorType: Record<string, number> = {};
    let total = 0;
    for await (const item of admin.all({})) {
      total++;
      byType[item.type] = (byType[item.type] ?? 0) + 1;
      byErrorType[item.errorType] = (byErrorType[item.errorType] ?? 0) + 1;
    }
    return { total, byType, byErrorType };
  };
  const fromStats = async () => {
    const s = await admin.stats();
    const pick = (m: Record<string, { deadNow: number }>) => Object.fromEntries(Object.entries(m).filter(([, c]) => c.deadNow > 0).map(([k, c]) => [k, c.deadNow]));
    return { total: s.total.deadNow, byType: pick(s.byType), byErrorType: pick(s.byErrorType) };
  };

  it('agrees with list after dead-letterings, retries by update, by the rebound CLI and by official signal, cancels and expiries, across a continue-as-new', async () => {
    const a = await dead(20, typeA, 'timeout');
    const b = await dead(12, typeB, 'validation');
    const expiring = await dead(3, shortLived, 'timeout');

    // Retry by update: two jobs come back and die again; one comes back fixed.
    await env.client.workflow.getHandle(jobWorkflowId(a[0])).executeUpdate(retryUpdate, { args: [{}] });
    await env.client.workflow.getHandle(jobWorkflowId(a[1])).executeUpdate(retryUpdate, { args: [{ payload: { fixed: true } }] });
    // Retry by the official CLI's batch signal: every dead job of type B.
    const temporal = findTemporalBinary().path;
    await run(temporal, [
      'workflow', 'signal', '--address', address(),
      '--query', `JobStatus="DeadLettered" AND JobType="${typeB}" AND TaskQueue="${env.config.taskQueue}"`,
      '--name', 'retry', '--input', '{"payload":{"fixed":true}}', '--reason', 'test batch retry', '--yes',
    ]);
    // Cancels.
    await admin.cancel(a.slice(2, 6), { reason: 'test' });
    // Retry by rebound's own CLI, with a corrected payload.
    const cli = await reboundWithEnv({ REBOUND_TEST_DEAD_TYPES: typeA }, 'dlq', 'retry', a[6], '--payload', '{"fixed":true}', '--jobs', deadJobsModule, '--address', address(), '--task-queue', env.config.taskQueue);
    expect(cli.code, cli.stderr).toBe(0);

    // Expiries: the short-lived type parks 3 s.
    for (const id of expiring) expect((await jobs.getHandle(id).settled()).status).toBeDefined();
    await eventually(async () => (await Promise.all(expiring.map((id) => admin.get(id)))).every((r) => r.status === JobStatus.Expired), 'jobs to expire', 30_000);
    await eventually(async () => (await Promise.all(b.map((id) => admin.get(id)))).every((r) => r.status === JobStatus.Succeeded), 'batch-retried jobs to succeed', 30_000);
    expect((await jobs.getHandle(a[6]).settled()).status).toBe(JobStatus.Succeeded);

    const expected = { total: 14, byType: { [typeA]: 14 }, byErrorType: { TimeoutError: 14 } };
    const stats = await eventually(async () => {
      const s = await fromStats();
      return JSON.stringify(s) === JSON.stringify(expected) && s;
    }, 'stats to settle', 30_000);
    const list = await eventually(async () => {
      const l = await fromList();
      return l.total === 14 && l;
    }, 'visibility to settle', 30_000);
    expect(stats).toEqual(list);

    const full = await admin.stats();
    expect(full.total).toMatchObject({ deadLettered: 36, retried: 15, cancelled: 4, expired: 3, succeededAfterRetry: 14 });
    // The queue's workflow continued as new at least once (the test server suggests it early) and kept every count.
    expect(full.generation).toBeGreaterThan(1);
    const runs = [];
    for await (const wf of env.client.workflow.list({ query: `WorkflowId = "${deadLetterWorkflowId(env.config.taskQueue)}"` })) runs.push(wf);
    expect(runs.length).toBeGreaterThan(1);
  });
});
