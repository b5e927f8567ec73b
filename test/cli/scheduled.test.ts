/**
 * Delayed and scheduled jobs from the command line: `rebound submit --delay | --run-at |
 * --priority`, what `rebound status` and `rebound jobs list` show of a scheduled job, and
 * `rebound jobs cancel` of a job that has not settled, run as a subprocess the way scripts run it
 * (`npm run build` first).
 */
import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleJobs } from '../../examples/jobs';
import type { DeadLetterAdmin } from '../../src/admin';
import { pendingAttemptOf } from '../../src/client';
import { JobStatus, jobWorkflowId } from '../../src/contract';
import { json, reboundOn, requireBuiltCli, succeeded as ok } from '../fixtures/rebound-cli';
import { adminTestEnv, eventually, unique, type TestEnv } from '../helpers';

describe('rebound submit --delay / --run-at, and rebound jobs cancel', () => {
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  const cli = (...args: string[]) => reboundOn(env.config, ...args);

  beforeAll(async () => {
    requireBuiltCli();
    ({ env, admin } = await adminTestEnv(exampleJobs));
  });
  afterAll(() => env?.close());

  it('submit --delay: Scheduled with its time in status and jobs list; jobs cancel before it runs ends it Cancelled, never run, and recorded', async () => {
    const jobId = unique('later');
    const before = Date.now();
    const submitted = ok(await cli('submit', 'example.send-email', '--payload', '{}', '--id', jobId, '--delay', '1h'));
    expect(submitted.stdout).toMatch(/Scheduled to run at \d{4}-\d{2}-\d{2} /);

    const status = json(ok(await cli('status', jobId, '--json')));
    expect(status.status).toBe(JobStatus.Scheduled);
    const runAt = Date.parse(status.runAt);
    expect(runAt).toBeGreaterThanOrEqual(before + 3_600_000 - 1_000);
    expect(runAt).toBeLessThanOrEqual(Date.now() + 3_600_000 + 1_000);
    const people = ok(await cli('status', jobId)).stdout;
    expect(people).toMatch(/^Runs at\s+\d{4}-\d{2}-\d{2} /m);
    expect(people).toContain('Scheduled: the server starts it at its time');

    const listed = await eventually(async () => {
      const doc = json(ok(await cli('jobs', 'list', '--status', 'Scheduled', '--json')));
      return doc.items.find((i: { jobId: string }) => i.jobId === jobId);
    }, 'the scheduled job listed');
    expect(listed).toMatchObject({ status: JobStatus.Scheduled, runAt: status.runAt });

    const cancelled = json(ok(await cli('jobs', 'cancel', jobId, '--reason', 'campaign called off', '--as', 'lena', '--json')));
    expect(cancelled.results[0]).toMatchObject({ jobId, ok: true, action: 'cancel', actor: 'lena' });
    const record = await eventually(async () => {
      const r = await admin.get(jobId);
      return r.status === JobStatus.Cancelled && r;
    }, 'the job to read Cancelled');
    expect(record.totalAttempts).toBe(0);
    const [entry] = await eventually(async () => {
      const log = await admin.audit({ jobId });
      return log.length > 0 && log;
    }, 'the cancel in the audit log');
    expect(entry).toMatchObject({ action: 'cancel', actor: 'lena', reason: 'campaign called off', type: 'example.send-email', detail: { status: JobStatus.Scheduled } });
  });

  it('submit --run-at an ISO time runs it then; a bad time, a bad delay and a priority out of 1-5 exit 2 naming the option', async () => {
    const runAt = new Date(Date.now() + 3_000);
    const submitted = json(ok(await cli('submit', 'example.send-email', '--payload', '{}', '--run-at', runAt.toISOString(), '--priority', '1', '--wait', '--json')));
    expect(submitted.status).toBe(JobStatus.Succeeded);
    const started = (await env.client.workflow.getHandle(submitted.workflowId).describe()).executionTime!;
    expect(started.getTime()).toBeGreaterThanOrEqual(runAt.getTime() - 1_000);

    for (const [args, message] of [
      [['--run-at', 'tomorrow'], "option '--run-at <time>' argument 'tomorrow' is invalid"],
      [['--run-at', '30m'], 'Expected an ISO time'],
      [['--delay', 'soon'], "option '--delay <duration>' argument 'soon' is invalid"],
      [['--priority', '6'], 'Expected a whole number from 1 to 5'],
    ] as const) {
      const run = await cli('submit', 'example.send-email', ...args);
      expect(run.code, run.stderr).toBe(2);
      expect(run.stderr).toContain(message);
    }
    const both = await cli('submit', 'example.send-email', '--delay', '1m', '--run-at', runAt.toISOString());
    expect(both.code).toBe(1);
    expect(both.stderr).toContain('give delay or runAt, not both');
  });

  it('jobs cancel of a running job cancels its attempt, noted with who and why; a settled job is refused (exit 1) and left as it was', async () => {
    const jobId = unique('long');
    ok(await cli('submit', 'example.send-email', '--payload', '{"sleepMs":600000}', '--id', jobId));
    await eventually(async () => pendingAttemptOf(await env.client.workflow.getHandle(jobWorkflowId(jobId)).describe())?.state === 'Running', 'the attempt to run');
    ok(await cli('jobs', 'cancel', jobId, '--reason', 'wrong recipient list'));
    const record = await eventually(async () => {
      const r = await admin.get(jobId);
      return r.status === JobStatus.Cancelled && r;
    }, 'the job to end Cancelled', 60_000);
    expect(record.timeline.find((t) => t.event === 'CancelRequested')).toMatchObject({ actor: userInfo().username, reason: 'wrong recipient list' });
    // The attempt it cut short is kept.
    expect(record.attemptHistory.map((a) => [a.attempt, a.outcome, a.errorType])).toEqual([[1, 'Lost', 'Cancelled']]);

    const done = json(ok(await cli('submit', 'example.send-email', '--payload', '{}', '--wait', '--json')));
    const refused = await cli('jobs', 'cancel', done.jobId, jobId);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`job "${done.jobId}" is Succeeded: only a job that is Scheduled, Running or Retrying can be cancelled`);
    expect(refused.stderr).toContain(`job "${jobId}" is Cancelled`);
    expect((await admin.get(done.jobId)).status).toBe(JobStatus.Succeeded);
  });
});
