/**
 * The console API's operator actions beyond retry and cancel: retry now, pause and resume a job
 * waiting between attempts, cancel one that has not settled, delete one dead job or dead jobs by
 * filter, read the audit log; all
 * behind the token, and recorded under the console's token name.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin, type DeadLetterAdmin } from '../../src/admin';
import { serveConsole, type ConsoleServer } from '../../src/console';
import { JobStatus } from '../../src/contract';
import { defineJob } from '../../src/jobs';
import { deadJobType } from '../fixtures/dead-jobs';
import { eventually, testEnv, unique, type TestEnv } from '../helpers';
import { call, deadJobs, newToken, type CallOptions } from './console-helpers';

const waiting = defineJob({
  type: 'report.build',
  retry: { maximumAttempts: 3, initialInterval: '1h', maximumInterval: '2h' },
  handler: async (_payload: unknown, ctx) => {
    if (ctx.attempt === 1) throw new Error('first attempt fails');
    return { attempt: ctx.attempt };
  },
});
const emails = deadJobType('email.send');
const images = deadJobType('image.resize');

describe('the console API: retry now, pause, resume, delete, audit', () => {
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  let jobs: ReturnType<TestEnv['jobs']>;
  let server: ConsoleServer;
  let readOnly: ConsoleServer;
  const token = newToken();
  const api = (method: string, path: string, options: CallOptions = {}) => call(server.url, method, path, { token, ...options });

  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker([waiting, emails, images]);
    admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue });
    jobs = env.jobs([waiting, emails, images]);
    server = await serveConsole({ client: env.client, taskQueue: env.config.taskQueue, token, tokenName: 'ops-console', port: 0 });
    readOnly = await serveConsole({ client: env.client, taskQueue: env.config.taskQueue, readOnly: true, port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await readOnly?.close();
    await env?.close();
  });

  const waitingJob = async () => {
    const handle = await jobs.submit('report.build', {}, { jobId: unique('job') });
    await eventually(async () => (await admin.get(handle.jobId)).nextAttemptAt, 'the job to wait for its next attempt');
    return handle;
  };

  it('needs the token for every action, and a read-only console has none', async () => {
    const handle = await waitingJob();
    for (const path of [`/api/jobs/${handle.jobId}/pause`, `/api/jobs/${handle.jobId}/retry-now`, `/api/jobs/${handle.jobId}/delete`, '/api/delete']) {
      expect((await call(server.url, 'POST', path, { body: {} })).status, path).toBe(401);
      expect((await call(server.url, 'POST', path, { token: 'wrong-token-wrong-token', body: {} })).status, path).toBe(401);
      expect((await call(readOnly.url, 'POST', path, { body: {} })).status, path).toBe(404);
    }
    expect((await call(server.url, 'GET', '/api/audit')).status).toBe(401);
    expect((await admin.get(handle.jobId)).paused).toBeUndefined();
  });

  it('pauses, refuses a second pause with 409, resumes; the timeline and the audit log name the token', async () => {
    const handle = await waitingJob();
    const paused = await api('POST', `/api/jobs/${handle.jobId}/pause`, { body: { reason: 'check the provider' } });
    expect(paused.status, paused.text).toBe(200);
    expect(paused.json).toMatchObject({ ok: true, jobId: handle.jobId, action: 'pause', actor: 'ops-console', paused: true });
    const shown = await eventually(async () => {
      const r = await api('GET', `/api/jobs/${handle.jobId}`);
      return r.json.paused && r.json;
    }, 'the job to read as paused');
    expect(shown.paused).toMatchObject({ by: 'ops-console', reason: 'check the provider' });
    const again = await api('POST', `/api/jobs/${handle.jobId}/pause`);
    expect(again.status).toBe(409);
    expect(again.json.error).toMatchObject({ name: 'JobPausedError' });
    const resumed = await api('POST', `/api/jobs/${handle.jobId}/resume`);
    expect(resumed.status, resumed.text).toBe(200);
    const record = await handle.settled();
    expect(record.status).toBe(JobStatus.Succeeded);
    expect(record.timeline.filter((t) => t.event === 'Paused' || t.event === 'Resumed').map((t) => t.actor)).toEqual(['ops-console', 'ops-console']);
    const page = await api('GET', `/jobs/${handle.jobId}`);
    expect(page.status).toBe(200);
    expect(page.text).toMatch(/<strong>Paused<\/strong> by <span class="tl-actor">ops-console<\/span>.*<span class="muted tl-reason">check the provider<\/span>/);
    const audit = await eventually(async () => {
      const r = await api('GET', `/api/audit?jobId=${handle.jobId}`);
      return r.json.entries.length === 2 && r.json;
    }, 'both actions in the audit log');
    expect(audit.entries.map((e: { action: string; actor: string }) => [e.action, e.actor])).toEqual([
      ['pause', 'ops-console'],
      ['resume', 'ops-console'],
    ]);
  });

  it('cancels a job that has not settled through the cancel of dead jobs, under the token name; a succeeded one is refused with 409', async () => {
    const handle = await waitingJob();
    const cancelled = await api('POST', `/api/jobs/${handle.jobId}/cancel`, { body: { reason: 'report no longer needed' } });
    expect(cancelled.status, cancelled.text).toBe(200);
    expect(cancelled.json).toMatchObject({ ok: true, jobId: handle.jobId, action: 'cancel', actor: 'ops-console' });
    const record = await handle.settled();
    expect(record.status).toBe(JobStatus.Cancelled);
    expect(record.timeline.find((t) => t.event === 'CancelRequested')).toMatchObject({ actor: 'ops-console', reason: 'report no longer needed' });
    // Cancelled between attempts: its one attempt, and no record of a second it never ran.
    expect(record.attemptHistory.map((a) => [a.attempt, a.outcome])).toEqual([[1, 'Failed']]);
    expect(record.attempts).toBe(1);
    const settled = await api('POST', `/api/jobs/${handle.jobId}/cancel`);
    expect(settled.status).toBe(409);
    expect(settled.json.error).toMatchObject({ name: 'JobNotDeadError' });
  });

  it('answers 404 for an unknown job, 409 for one not waiting, 400 for unknown fields', async () => {
    expect((await api('POST', `/api/jobs/${unique('missing')}/retry-now`)).status).toBe(404);
    const [dead] = await deadJobs(jobs, 1, 'email.send', { error: 'timeout' });
    const notWaiting = await api('POST', `/api/jobs/${dead}/retry-now`);
    expect(notWaiting.status).toBe(409);
    expect(notWaiting.json.error).toMatchObject({ name: 'JobNotWaitingError' });
    const bad = await api('POST', `/api/jobs/${dead}/pause`, { body: { reasn: 'typo' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toContain('reasn');
  });

  it('deletes one dead job only with confirm, and dead jobs by filter with a dry run first', async () => {
    const [one] = await deadJobs(jobs, 1, 'email.send', { error: 'timeout' });
    const unconfirmed = await api('POST', `/api/jobs/${one}/delete`, { body: { reason: 'spam' } });
    expect(unconfirmed.status).toBe(400);
    expect(unconfirmed.json.error.message).toContain('confirm');
    expect((await admin.get(one)).status).toBe(JobStatus.DeadLettered);
    const deleted = await api('POST', `/api/jobs/${one}/delete`, { body: { reason: 'spam', confirm: true } });
    expect(deleted.status, deleted.text).toBe(200);
    expect(deleted.json).toMatchObject({ jobId: one, ok: true, status: 'Deleted' });

    const images = await deadJobs(jobs, 2, 'image.resize', { error: 'validation' });
    await eventually(async () => (await admin.list({ type: 'image.resize' })).items.length === 2, 'both listed');
    const dry = await api('POST', '/api/delete', { body: { filter: { type: 'image.resize' }, dryRun: true } });
    expect(dry.status, dry.text).toBe(200);
    expect(dry.json).toMatchObject({ kind: 'delete', dryRun: true, matched: 2, done: 0 });
    expect((await api('POST', '/api/delete', { body: { filter: { type: 'image.resize' } } })).status).toBe(400);
    const all = await api('POST', '/api/delete', { body: { filter: { type: 'image.resize' }, confirm: true, reason: 'bad batch' } });
    expect(all.status, all.text).toBe(200);
    expect(all.json).toMatchObject({ matched: 2, done: 2, failed: [] });
    const audit = await eventually(async () => {
      const r = await api('GET', '/api/audit');
      const deletions = r.json.entries.filter((e: { action: string; jobId?: string }) => e.action === 'delete' && [one, ...images].includes(e.jobId ?? ''));
      return deletions.length === 3 && r.json;
    }, 'the three deletions in the audit log');
    for (const e of audit.entries.filter((x: { action: string }) => x.action === 'delete')) expect(e.actor).toBe('ops-console');
    expect(audit.entries.find((e: { action: string }) => e.action === 'bulkDelete')).toMatchObject({ actor: 'ops-console', matched: 2, reason: 'bad batch' });
  });
});
