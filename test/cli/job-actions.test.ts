/**
 * `rebound jobs retry-now|pause|resume`, `rebound dlq delete`, `rebound dlq audit`, the control of a
 * bulk operation (`dlq operation --pause|--abort`) and `--as`,
 * run as a subprocess the way scripts run them (`npm run build` first).
 */
import { userInfo } from 'node:os';
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin, type DeadLetterAdmin } from '../../src/admin';
import { JobStatus, jobWorkflowId } from '../../src/contract';
import { defineJob } from '../../src/jobs';
import { deadJobType } from '../fixtures/dead-jobs';
import { json, rebound, requireBuiltCli } from '../fixtures/rebound-cli';
import { eventually, testEnv, unique, type TestEnv } from '../helpers';

const waiting = defineJob({
  type: 'report.build',
  retry: { maximumAttempts: 3, initialInterval: '1h', maximumInterval: '2h' },
  handler: async (_payload: unknown, ctx) => {
    if (ctx.attempt === 1) throw new Error('first attempt fails');
    return { attempt: ctx.attempt };
  },
});
const emails = deadJobType('email.send');

describe('rebound jobs and rebound dlq delete / audit', () => {
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  let jobs: ReturnType<TestEnv['jobs']>;
  const cli = (...args: string[]) => rebound(...args, '--address', env.config.address, '--task-queue', env.config.taskQueue);

  beforeAll(async () => {
    requireBuiltCli();
    env = await testEnv();
    await env.startWorker([waiting, emails]);
    admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue });
    jobs = env.jobs([waiting, emails]);
  });
  afterAll(() => env?.close());

  const waitingJob = async () => {
    const handle = await jobs.submit('report.build', {}, { jobId: unique('job') });
    await eventually(async () => (await admin.get(handle.jobId)).nextAttemptAt, 'the job to wait for its next attempt');
    return handle;
  };
  const deadJob = async () => {
    const handle = await jobs.submit('email.send', { error: 'timeout' }, { jobId: unique('job') });
    expect((await handle.settled()).status).toBe(JobStatus.DeadLettered);
    return handle.jobId;
  };

  it('pause, status shows it paused, resume; --as names the actor in the timeline and the audit log', async () => {
    const handle = await waitingJob();
    const paused = await cli('jobs', 'pause', handle.jobId, '--reason', 'look first', '--as', 'grace', '--json');
    expect(paused.code, paused.stderr).toBe(0);
    expect(json(paused).results[0]).toMatchObject({ jobId: handle.jobId, ok: true, action: 'pause', actor: 'grace', paused: true });
    const status = await eventually(async () => {
      const run = await cli('status', handle.jobId, '--json');
      return json(run).paused && json(run);
    }, 'status to show the job paused');
    expect(status.paused).toMatchObject({ by: 'grace', reason: 'look first' });
    const text = await cli('status', handle.jobId);
    expect(text.stdout).toMatch(/Paused\s+yes.* by grace: look first/);
    expect(text.stdout).toMatch(/│ Paused\s*│ grace\s*│ look first/);
    const again = await cli('jobs', 'pause', handle.jobId);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(`job "${handle.jobId}" is paused already`);
    const resumed = await cli('jobs', 'resume', handle.jobId);
    expect(resumed.code, resumed.stderr).toBe(0);
    expect(resumed.stdout).toContain(`(as ${userInfo().username})`);
    expect((await handle.settled()).status).toBe(JobStatus.Succeeded);
    const audit = await eventually(async () => {
      const r = await cli('dlq', 'audit', '--job', handle.jobId, '--json');
      return json(r).entries.length === 2 && json(r);
    }, 'both actions in dlq audit');
    expect(audit.entries.map((e: { action: string; actor: string }) => [e.action, e.actor])).toEqual([
      ['pause', 'grace'],
      ['resume', userInfo().username],
    ]);
  });

  it('retry-now runs the waiting attempt at once; exit 1 naming each job that is not waiting', async () => {
    const handle = await waitingJob();
    const dead = await deadJob();
    const run = await cli('jobs', 'retry-now', handle.jobId, dead, '--json');
    expect(run.code).toBe(1);
    const doc = json(run);
    expect(doc).toMatchObject({ ok: 1, failed: 1 });
    expect(doc.results[1]).toMatchObject({ jobId: dead, ok: false, error: { name: 'JobNotWaitingError' } });
    expect(run.stderr).toContain(`job "${dead}" is not waiting between attempts: it is DeadLettered`);
    const record = await handle.settled();
    expect(record.status).toBe(JobStatus.Succeeded);
    expect(record.attempts).toBe(2);
  });

  it('dlq delete needs --yes, deletes with it, and dlq audit shows the deletion without the payload', async () => {
    const id = await deadJob();
    const refused = await cli('dlq', 'delete', id);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--yes');
    expect((await admin.get(id)).status).toBe(JobStatus.DeadLettered);
    const run = await cli('dlq', 'delete', id, '--yes', '--reason', 'duplicate', '--as', 'heidi', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(json(run).results[0]).toMatchObject({ jobId: id, ok: true, status: 'Deleted' });
    await eventually(
      async () => {
        try {
          await env.client.workflow.getHandle(jobWorkflowId(id)).describe();
          return false;
        } catch (err) {
          return err instanceof WorkflowNotFoundError;
        }
      },
      'the workflow to be deleted',
      120_000,
    );
    const audit = await eventually(async () => {
      const r = await cli('dlq', 'audit', '--job', id, '--json');
      return json(r).entries.length > 0 && json(r);
    }, 'the deletion in dlq audit');
    expect(audit.entries).toEqual([expect.objectContaining({ action: 'delete', actor: 'heidi', reason: 'duplicate', jobId: id, type: 'email.send', errorType: 'TimeoutError' })]);
    expect(JSON.stringify(audit)).not.toContain('"error":"timeout"');
    const table = await cli('dlq', 'audit', '--since', '1h');
    expect(table.stdout).toContain('heidi');
    expect(table.stdout).toContain(id);
  });

  it('dlq operation --pause / --abort with --reason and --as: the operation stops and the audit log names who and why', async () => {
    const ids = [await deadJob(), await deadJob()];
    await eventually(async () => (await admin.list({ type: 'email.send' }, { limit: 1000 })).items.filter((i) => ids.includes(i.jobId)).length === 2, 'the jobs to be listed');
    const { operation } = await admin.retryAll({ type: 'email.send', until: new Date() }, { rate: 0.1 });
    const id = operation!.operationId;
    const stray = await cli('dlq', 'operation', id, '--reason', 'no action');
    expect(stray.code).toBe(2);
    expect(stray.stderr).toContain('--reason goes with --pause, --resume or --abort');
    const paused = await cli('dlq', 'operation', id, '--pause', '--reason', 'provider asked us to slow down', '--as', 'ivan', '--json');
    expect(paused.code, paused.stderr).toBe(0);
    expect(paused.stderr).toContain(`Sent pause to operation ${id}.`);
    await eventually(async () => (await operation!.progress()).state === 'Paused', 'the operation to pause');
    const aborted = await cli('dlq', 'operation', id, '--abort', '--json');
    expect(aborted.code, aborted.stderr).toBe(0);
    expect((await operation!.result()).state).toBe('Aborted');
    const audit = await eventually(async () => {
      const r = await cli('dlq', 'audit', '--json');
      const mine = json(r).entries.filter((e: { operationId?: string }) => e.operationId === id);
      return mine.length === 3 && mine;
    }, 'the pause and the abort in dlq audit');
    expect(audit.map((e: { action: string; actor: string; reason?: string }) => [e.action, e.actor, e.reason])).toEqual([
      ['bulkRetry', userInfo().username, undefined],
      ['bulkPause', 'ivan', 'provider asked us to slow down'],
      ['bulkAbort', userInfo().username, undefined],
    ]);
  });

  it('dlq delete --all --dry-run lists what matches and deletes nothing', async () => {
    const id = await deadJob();
    await eventually(async () => (await admin.list({ type: 'email.send' })).items.some((i) => i.jobId === id), 'the job to be listed');
    const run = await cli('dlq', 'delete', '--all', '--type', 'email.send', '--dry-run', '--json');
    expect(run.code, run.stderr).toBe(0);
    const doc = json(run);
    expect(doc).toMatchObject({ kind: 'delete', dryRun: true, done: 0 });
    expect(doc.ids).toContain(id);
    expect((await admin.get(id)).status).toBe(JobStatus.DeadLettered);
  });
});
