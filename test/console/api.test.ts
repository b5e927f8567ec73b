/**
 * The console's JSON API against real dead jobs on a fresh task queue, through a console served
 * with `serveConsole`: list, filter, show, stats, groups, overview, export; retry, cancel and bulk;
 * and the status and named problem of each bad request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin, type DeadLetterAdmin } from '../../src/admin';
import { serveConsole, type ConsoleServer } from '../../src/console';
import { JobStatus } from '../../src/contract';
import { deadJobType } from '../fixtures/dead-jobs';
import { eventually, testEnv, unique, type TestEnv } from '../helpers';
import { call, deadJobs, newToken, sorted, type CallOptions } from './console-helpers';

// Fixture types fail at once (one attempt): `{ error: 'validation' }` as ValidationError, else TimeoutError; `{ fixed: true }` succeeds.
const typeNames = ['report.build', 'invoice.send', 'retry.one', 'cancel.one', 'bulk.retried', 'bulk.cancelled', 'bulk.controlled'] as const;
const types = typeNames.map((t) => deadJobType(t));

describe('the console API', () => {
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  let server: ConsoleServer;
  const token = newToken();
  const dead = {} as Record<(typeof typeNames)[number], string[]>;
  let succeeded: string;
  let allDead: string[];

  /** Calls the full console, with the token unless told otherwise. */
  const api = (method: string, path: string, options: CallOptions = {}) => call(server.url, method, path, { token, ...options });

  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker(types);
    admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue });
    const jobs = env.jobs(types);
    const payloads: Record<(typeof typeNames)[number], [number, unknown]> = {
      'report.build': [3, { error: 'timeout' }],
      'invoice.send': [2, { error: 'validation' }],
      'retry.one': [3, { error: 'timeout' }],
      'cancel.one': [1, { error: 'validation' }],
      'bulk.retried': [3, { error: 'timeout' }],
      'bulk.cancelled': [2, { error: 'validation' }],
      'bulk.controlled': [4, { error: 'timeout' }],
    };
    await Promise.all(typeNames.map(async (t) => (dead[t] = await deadJobs(jobs, payloads[t][0], t, payloads[t][1]))));
    const ok = await jobs.submit('report.build', { fixed: true }, { jobId: unique('ok') });
    expect((await ok.settled()).status).toBe(JobStatus.Succeeded);
    succeeded = ok.jobId;
    allDead = Object.values(dead).flat();
    await eventually(async () => (await admin.list({}, { limit: 1_000 })).items.length === allDead.length, 'every dead job listed');
    await eventually(async () => (await admin.stats()).total.deadNow === allDead.length, 'every dead job counted');

    server = await serveConsole({ client: env.client, taskQueue: env.config.taskQueue, jobs: types, token, port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await env?.close();
  });

  describe('reading', () => {
    it('lists every dead job with its ids, type, error and attempts, and no next page', async () => {
      const answer = await api('GET', '/api/jobs?limit=1000');
      expect(answer.status, answer.text).toBe(200);
      expect(sorted(answer.json.items.map((i: any) => i.jobId))).toEqual(sorted(allDead));
      expect(answer.json.nextPageToken).toBeNull();
      expect(answer.json.items.find((i: any) => i.jobId === dead['report.build'][0])).toMatchObject({
        type: 'report.build',
        errorType: 'TimeoutError',
        message: expect.stringMatching(/^timeout after/),
        attempts: 1,
        deadLetteredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
    });

    it('filters by type, error type, failure group and time, on the server', async () => {
      const ids = async (query: string) => {
        const answer = await api('GET', `/api/jobs?limit=1000&${query}`);
        expect(answer.status, answer.text).toBe(200);
        return sorted(answer.json.items.map((i: any) => i.jobId));
      };
      const group = (await admin.get(dead['invoice.send'][0])).failureGroup!;
      const validation = [...dead['invoice.send'], ...dead['cancel.one'], ...dead['bulk.cancelled']];
      expect(await ids('type=report.build')).toEqual(sorted(dead['report.build']));
      expect(await ids('errorType=ValidationError')).toEqual(sorted(validation));
      expect(await ids(`group=${encodeURIComponent(group)}`)).toEqual(sorted(validation));
      expect(await ids('type=invoice.send&errorType=TimeoutError')).toEqual([]);
      expect(await ids('since=1h')).toEqual(sorted(allDead));
      expect(await ids('until=1h')).toEqual([]);
      expect(await ids(`since=${encodeURIComponent(new Date(Date.now() + 3_600_000).toISOString())}`)).toEqual([]);
    });

    it('pages with the page token it gives', async () => {
      const first = await api('GET', '/api/jobs?type=report.build&limit=2');
      expect(first.json.items).toHaveLength(2);
      const seen = first.json.items.map((i: any) => i.jobId);
      for (let pageToken = first.json.nextPageToken; pageToken; ) {
        const next = await api('GET', `/api/jobs?type=report.build&limit=2&pageToken=${encodeURIComponent(pageToken)}`);
        expect(next.status, next.text).toBe(200);
        seen.push(...next.json.items.map((i: any) => i.jobId));
        pageToken = next.json.nextPageToken;
      }
      expect(sorted(seen)).toEqual(sorted(dead['report.build']));
    });

    it('shows a job: payload, error and one history entry per attempt', async () => {
      const [jobId] = dead['invoice.send'];
      const answer = await api('GET', `/api/jobs/${jobId}`);
      expect(answer.status, answer.text).toBe(200);
      expect(answer.json).toMatchObject({ jobId, status: 'DeadLettered', type: 'invoice.send', payload: { error: 'validation' }, errorType: 'ValidationError', message: 'field "email" is invalid' });
      expect(answer.json.attemptHistory).toEqual([expect.objectContaining({ attempt: 1, errorType: 'ValidationError', time: expect.any(String) })]);
    });

    it("shows a job's tags on its page and in its JSON", async () => {
      const tagged = await env.jobs(types).submit('report.build', { fixed: true }, { jobId: unique('tagged'), tags: { userId: 'u1', plugin: 'sql' } });
      await tagged.result();
      expect((await api('GET', `/api/jobs/${tagged.jobId}`)).json.tags).toEqual({ userId: 'u1', plugin: 'sql' });
      const page = await api('GET', `/jobs/${tagged.jobId}`);
      expect(page.status, page.text).toBe(200);
      expect(page.text).toMatch(/<dt>Tags<\/dt><dd><span class="mono">plugin=sql userId=u1<\/span><\/dd>/);
    });

    it('gives the stats as `rebound dlq stats --json` does, and the failure groups', async () => {
      const stats = await api('GET', '/api/stats');
      expect(stats.status).toBe(200);
      expect(stats.json.dead.byType).toMatchObject({ 'report.build': 3, 'invoice.send': 2 });
      expect(stats.json.counters.byType['report.build']).toMatchObject({ deadNow: 3, deadLettered: 3 });
      expect(stats.json.counters.byErrorType.ValidationError.deadLettered).toBe(5);

      const groups = await api('GET', '/api/groups');
      expect(groups.status).toBe(200);
      const invoices = groups.json.groups.find((g: any) => g.types.includes('invoice.send'));
      expect(invoices).toMatchObject({ errorType: 'ValidationError', example: 'field "email" is invalid', firstSeen: expect.any(String), lastSeen: expect.any(String) });
      expect(invoices.deadNow).toBeGreaterThanOrEqual(2);
    });

    it('gives the overview: counters, dead-letterings over time, and expiry times', async () => {
      const answer = await api('GET', '/api/overview');
      expect(answer.status).toBe(200);
      const { chart, expiring } = answer.json;
      expect(chart.counted).toBeGreaterThan(0);
      expect(chart.buckets.reduce((n: number, b: any) => n + b.count, 0)).toBe(chart.counted);
      expect(expiring.length).toBeGreaterThan(0);
      expect(Date.parse(expiring[0].expiresAt)).toBeGreaterThan(Date.now());
    });

    it('exports the dead jobs of a filter as JSON Lines, one full record a line', async () => {
      const answer = await api('GET', '/api/export?type=report.build');
      expect(answer.status).toBe(200);
      expect(answer.headers.get('content-type')).toContain('application/x-ndjson');
      const records = answer.text.trimEnd().split('\n').map((line) => JSON.parse(line));
      expect(sorted(records.map((r) => r.jobId))).toEqual(sorted(dead['report.build']));
      expect(records[0]).toMatchObject({ status: 'DeadLettered', payload: { error: 'timeout' }, attemptHistory: [expect.objectContaining({ attempt: 1 })] });
    });
  });

  describe('bad requests', () => {
    it('answers 400 with a JSON body naming the problem', async () => {
      const [jobId] = dead['retry.one'];
      const cases: [string, string, unknown, RegExp][] = [
        ['GET', '/api/jobs?limit=0', undefined, /limit/],
        ['GET', '/api/jobs?limit=many', undefined, /limit/],
        ['GET', '/api/jobs?since=yesterday', undefined, /since/],
        ['GET', '/api/jobs?pageToken=not-a-page-token', undefined, /page token/i],
        ['GET', '/api/export?until=later', undefined, /until/],
        ['POST', `/api/jobs/${jobId}/retry`, 'not json', /body: not valid JSON/],
        ['POST', `/api/jobs/${jobId}/retry`, [1, 2], /body: expected a JSON object/],
        ['POST', `/api/jobs/${jobId}/retry`, { colour: 'red' }, /"colour"/],
        ['POST', `/api/jobs/${jobId}/retry`, { retryPolicy: { maximumAttempts: 0 } }, /maximumAttempts/],
        ['POST', `/api/jobs/${jobId}/cancel`, { reason: 42 }, /reason/],
        ['POST', '/api/bulk', { action: 'explode' }, /action/],
        ['POST', '/api/bulk', { action: 'retry', rate: 0 }, /rate/],
        ['POST', '/api/bulk', { action: 'retry', rate: 'fast' }, /rate/],
        ['POST', '/api/bulk', { action: 'retry', filter: { since: 'soon' } }, /since/],
        ['POST', '/api/bulk', { action: 'cancel', filter: { colour: 'red' } }, /"colour"/],
      ];
      for (const [method, path, body, problem] of cases) {
        const answer = await api(method, path, { body });
        expect(answer.status, `${method} ${path} ${JSON.stringify(body)}: ${answer.text}`).toBe(400);
        expect(answer.json.error.message, `${method} ${path}`).toMatch(problem);
        expect(answer.json.error.name).toEqual(expect.any(String));
      }
      expect(await admin.get(jobId)).toMatchObject({ status: JobStatus.DeadLettered, round: 1 });
    });

    it('answers a page request with bad input or an unknown job with an error page and its status', async () => {
      const bad = await api('GET', '/jobs?since=yesterday');
      expect(bad.status).toBe(400);
      expect(bad.headers.get('content-type')).toContain('text/html');
      expect(bad.text).toContain('since: expected how long ago');
      const nobody = unique('nobody');
      const missing = await api('GET', `/jobs/${nobody}`);
      expect(missing.status).toBe(404);
      expect(missing.text).toContain(`no job with id &quot;${nobody}&quot;`);
    });

    it('refuses an edited payload the schema rejects with its message (400), and changes nothing', async () => {
      const [, jobId] = dead['retry.one'];
      const answer = await api('POST', `/api/jobs/${jobId}/retry`, { body: { payload: { error: 'sometimes' } } });
      expect(answer.status).toBe(400);
      expect(answer.json).toMatchObject({ jobId, ok: false, error: { name: 'PayloadValidationError', message: expect.stringContaining('error:') } });
      expect(await admin.get(jobId)).toMatchObject({ status: JobStatus.DeadLettered, round: 1, payload: { error: 'timeout' } });
    });

    it('answers 404 for an unknown job or operation, 409 for a job that is not dead', async () => {
      const nobody = unique('nobody');
      const show = await api('GET', `/api/jobs/${nobody}`);
      expect(show.status).toBe(404);
      expect(show.json.error).toEqual({ name: 'JobNotFoundError', message: expect.stringContaining(nobody) });
      expect((await api('POST', `/api/jobs/${nobody}/retry`, { body: {} })).status).toBe(404);
      expect((await api('POST', `/api/jobs/${nobody}/cancel`)).status).toBe(404);

      const notDead = await api('POST', `/api/jobs/${succeeded}/retry`, { body: {} });
      expect(notDead.status).toBe(409);
      expect(notDead.json.error).toEqual({ name: 'JobNotDeadError', message: expect.stringContaining('Succeeded') });

      const operation = unique('no-such-operation');
      const progress = await api('GET', `/api/bulk/${operation}`);
      expect(progress.status).toBe(404);
      expect(progress.json.error.name).toBe('OperationNotFoundError');
      expect((await api('POST', `/api/bulk/${operation}/pause`)).status).toBe(404);
    });
  });

  describe('changing', () => {
    it('retries a job with a corrected payload until it succeeds, and cancels another', async () => {
      const [, , jobId] = dead['retry.one'];
      const retried = await api('POST', `/api/jobs/${jobId}/retry`, { body: { payload: { fixed: true }, reason: 'fixed by hand' } });
      expect(retried.status, retried.text).toBe(200);
      expect(retried.json).toMatchObject({ jobId, ok: true });
      await eventually(async () => (await admin.get(jobId)).status === JobStatus.Succeeded, 'the retried job to succeed');
      expect(await admin.get(jobId)).toMatchObject({ payload: { fixed: true }, round: 2, reason: 'fixed by hand' });

      const [cancelled] = dead['cancel.one'];
      const answer = await api('POST', `/api/jobs/${cancelled}/cancel`, { body: { reason: 'customer left' } });
      expect(answer.status, answer.text).toBe(200);
      expect(answer.json).toMatchObject({ jobId: cancelled, ok: true, status: 'Cancelled' });
      expect(await admin.get(cancelled)).toMatchObject({ status: JobStatus.Cancelled, reason: 'customer left' });
    });

    it('counts a bulk retry first, then runs it at a rate to the end, touching only its selection', async () => {
      const dry = await api('POST', '/api/bulk', { body: { action: 'retry', filter: { type: 'bulk.retried' }, dryRun: true } });
      expect(dry.status, dry.text).toBe(200);
      expect(dry.json).toMatchObject({ action: 'retry', dryRun: true, matched: 3, operationId: null, until: expect.any(String) });
      expect(sorted(dry.json.ids)).toEqual(sorted(dead['bulk.retried']));
      for (const id of dead['bulk.retried']) expect((await admin.get(id)).round).toBe(1);

      const started = await api('POST', '/api/bulk', { body: { action: 'retry', filter: { type: 'bulk.retried', until: dry.json.until }, rate: 5, reason: 'provider is back' } });
      expect(started.status, started.text).toBe(202);
      expect(started.json).toMatchObject({ matched: 3, dryRun: false, operationId: expect.any(String) });
      const done = await eventually(async () => {
        const p = await api('GET', `/api/bulk/${started.json.operationId}`);
        return p.json.state === 'Completed' && p.json;
      }, 'the bulk retry to complete');
      expect(done).toMatchObject({ kind: 'retry', matched: 3, done: 3, failed: 0, remaining: 0 });
      // The fixture fails again: each job is dead once more, in its second round.
      await eventually(async () => (await Promise.all(dead['bulk.retried'].map((id) => admin.get(id)))).every((r) => r.round === 2), 'every selected job retried');
      expect((await admin.get(dead['report.build'][0])).round).toBe(1);
    });

    it('runs a bulk cancel of a filter', async () => {
      const started = await api('POST', '/api/bulk', { body: { action: 'cancel', filter: { type: 'bulk.cancelled' }, rate: 50 } });
      expect(started.status, started.text).toBe(202);
      await eventually(async () => (await api('GET', `/api/bulk/${started.json.operationId}`)).json.state === 'Completed', 'the bulk cancel to complete');
      for (const id of dead['bulk.cancelled']) expect((await admin.get(id)).status).toBe(JobStatus.Cancelled);
    });

    it('pauses, resumes and aborts a bulk operation', async () => {
      const started = await api('POST', '/api/bulk', { body: { action: 'retry', filter: { type: 'bulk.controlled' }, rate: 0.5 } });
      expect(started.status, started.text).toBe(202);
      const id = started.json.operationId;
      const state = async () => (await api('GET', `/api/bulk/${id}`)).json.state;
      await eventually(async () => (await state()) === 'Running', 'the operation to run');

      expect((await api('POST', `/api/bulk/${id}/pause`, { body: { why: 'x' } })).status).toBe(400);
      const paused = await api('POST', `/api/bulk/${id}/pause`, { body: { reason: 'too fast for the mail provider' } });
      expect(paused.status, paused.text).toBe(200);
      await eventually(async () => (await state()) === 'Paused', 'the operation to pause');
      expect((await api('POST', `/api/bulk/${id}/resume`)).status).toBe(200);
      await eventually(async () => (await state()) === 'Running', 'the operation to resume');
      expect((await api('POST', `/api/bulk/${id}/abort`)).status).toBe(200);
      const aborted = await eventually(async () => {
        const p = (await api('GET', `/api/bulk/${id}`)).json;
        return p.state === 'Aborted' && p;
      }, 'the operation to abort');
      expect(aborted.remaining).toBeGreaterThan(0);
      // Each control is in the audit log under the console's name.
      const controls = await eventually(async () => {
        const { entries } = (await api('GET', '/api/audit')).json as { entries: { action: string; actor: string; reason?: string; operationId?: string }[] };
        const mine = entries.filter((e) => e.operationId === id);
        return mine.length === 4 && mine;
      }, 'the operation and its controls in the audit log');
      expect(controls.map((e) => [e.action, e.actor, e.reason])).toEqual([
        ['bulkRetry', 'console', undefined],
        ['bulkPause', 'console', 'too fast for the mail provider'],
        ['bulkResume', 'console', undefined],
        ['bulkAbort', 'console', undefined],
      ]);
    });
  });
});
