/**
 * `rebound check`, run as scripts run it (`npm run build` first): exit 0 and a summary when every
 * job is in one status and every dead job is counted once; exit 1 naming what differs otherwise.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobWorkflowId, jobWorkflowType } from '../../src/contract';
import { deadJobType } from '../fixtures/dead-jobs';
import { json, rebound, requireBuiltCli } from '../fixtures/rebound-cli';
import { adminTestEnv, eventually, testEnv, unique, type TestEnv } from '../helpers';

const reports = deadJobType('report.build');

describe('rebound check', () => {
  const envs: TestEnv[] = [];
  beforeAll(() => requireBuiltCli());
  afterAll(() => Promise.all(envs.map((e) => e.close())));

  it('exits 0 with the counts when everything adds up', async () => {
    const { env, jobs, admin } = await adminTestEnv([reports]);
    envs.push(env);
    const handles = await Promise.all([{ fixed: true }, { error: 'timeout' }, { error: 'validation' }].map((p) => jobs.submit('report.build', p, { jobId: unique('r') })));
    for (const h of handles) await h.settled();
    await eventually(async () => (await admin.stats()).total.deadNow === 2, 'both dead jobs counted');
    const flags = ['--address', env.config.address, '--task-queue', env.config.taskQueue];

    const human = await rebound('check', ...flags);
    expect(human.code, human.stderr).toBe(0);
    expect(human.stdout).toContain('3 submitted = 1 succeeded + 2 dead-lettered + 0 cancelled + 0 expired + 0 running');
    expect(human.stdout).toContain('2 counted by the dead-letter queue, 2 listed by visibility');
    expect(human.stdout).toContain('OK: every job is in one status, and every dead job is counted once.');

    const doc = json(await rebound('check', '--json', ...flags));
    expect(doc).toMatchObject({ ok: true, jobs: { submitted: 3, succeeded: 1, deadLettered: 2 }, counted: { total: 2 }, listed: { total: 2 }, differences: [] });
  });

  it('exits 1 naming the job that is in no status', async () => {
    const env = await testEnv();
    envs.push(env);
    const jobId = unique('outside');
    await env.client.workflow.start(jobWorkflowType, { workflowId: jobWorkflowId(jobId), taskQueue: env.config.taskQueue, args: [{}] });
    await eventually(async () => (await env.client.workflow.count(`TaskQueue = '${env.config.taskQueue}'`)).count === 1, 'the job to be visible');
    const run = await rebound('check', '--wait', '2s', '--address', env.config.address, '--task-queue', env.config.taskQueue);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('1 job(s) in no status');
    expect(run.stdout).toContain(`(jobs: ${jobId})`);
    expect(run.stderr).toContain(`error: 1 difference(s) in task queue "${env.config.taskQueue}"`);
    // Looking changed nothing: the job is still running, in no status.
    expect((await env.client.workflow.getHandle(jobWorkflowId(jobId)).describe()).status.name).toBe('RUNNING');
  });
});
