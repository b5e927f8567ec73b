/**
 * `rebound dlq ...`, run as a subprocess the way scripts run it (`npm run build` first), against
 * jobs dead-lettered on a fresh task queue: exit codes, the JSON it prints, what it changes.
 */
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleJobs } from '../../examples/jobs';
import { createAdmin, type DeadLetterAdmin } from '../../src/admin';
import { main } from '../../src/cli';
import { JobStatus, jobWorkflowId } from '../../src/contract';
import { deadJobType } from '../fixtures/dead-jobs';
import { eventually, testEnv, unique, type TestEnv } from '../helpers';
import { json, reboundOn, requireBuiltCli } from '../fixtures/rebound-cli';

const sorted = (ids: string[]) => [...ids].sort();

// Fixture types fail at once (one attempt): `{ error: 'validation' }` as ValidationError, else TimeoutError.
const reports = deadJobType('report.build');
const invoices = deadJobType('invoice.send');
const bulkRetried = deadJobType('bulk.retried');
const bulkCancelled = deadJobType('bulk.cancelled');
const watched = deadJobType('bulk.watched');
const types = [reports, invoices, bulkRetried, bulkCancelled, watched];

describe('rebound dlq', () => {
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  /** `rebound` against the test server, on this file's task queue. */
  const cli = (...args: string[]) => reboundOn(env.config, ...args);

  /** Dead job ids by what they are for. */
  const dead = {} as Record<'report' | 'invoice' | 'email' | 'bulkRetried' | 'bulkCancelled' | 'watched', string[]>;
  let succeeded: string;
  let allDead: string[];
  let expected: { byType: Record<string, number>; byErrorType: Record<string, number> };

  beforeAll(async () => {
    requireBuiltCli();
    env = await testEnv();
    await env.startWorker([...exampleJobs, ...types]);
    admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue, jobs: [...exampleJobs, ...types] });
    const jobs = env.jobs([...exampleJobs, ...types]);
    const submit = (n: number, type: string, payload: unknown) =>
      Promise.all(Array.from({ length: n }, () => jobs.submit(type, payload, { jobId: unique(type) })));
    const batches = {
      report: submit(3, 'report.build', { error: 'timeout' }),
      invoice: submit(2, 'invoice.send', { error: 'validation' }),
      email: submit(1, 'example.send-email', { permanent: true }),
      bulkRetried: submit(3, 'bulk.retried', { error: 'timeout' }),
      bulkCancelled: submit(2, 'bulk.cancelled', { error: 'validation' }),
      watched: submit(4, 'bulk.watched', { error: 'timeout' }),
    };
    const [ok] = await submit(1, 'example.send-email', {});
    await Promise.all(
      Object.entries(batches).map(async ([name, handles]) => {
        const settled = await Promise.all((await handles).map((h) => h.settled()));
        for (const s of settled) expect(s.status).toBe(JobStatus.DeadLettered);
        dead[name as keyof typeof dead] = settled.map((s) => s.jobId);
      }),
    );
    expect((await ok.settled()).status).toBe(JobStatus.Succeeded);
    succeeded = ok.jobId;
    allDead = Object.values(dead).flat();
    expected = {
      byType: { 'report.build': 3, 'invoice.send': 2, 'example.send-email': 1, 'bulk.retried': 3, 'bulk.cancelled': 2, 'bulk.watched': 4 },
      byErrorType: { TimeoutError: 10, ValidationError: 5 },
    };
    // Visibility and the queue's counters catch up a little after the jobs.
    await eventually(async () => (await admin.list({}, { limit: 1_000 })).items.length === allDead.length, 'every dead job listed');
    await eventually(async () => (await admin.stats()).total.deadNow === allDead.length, 'every dead job counted');
  });
  afterAll(() => env?.close());

  describe('reading', () => {
    it.concurrent('list --json prints every dead job with its ids, type, error and attempts, and no next page', async () => {
      const run = await cli('dlq', 'list', '--limit', '1000', '--json');
      expect(run.code, run.stderr).toBe(0);
      const doc = json(run);
      expect(sorted(doc.items.map((i: any) => i.jobId))).toEqual(sorted(allDead));
      expect(doc.nextPageToken).toBeNull();
      const report = doc.items.find((i: any) => i.jobId === dead.report[0]);
      expect(report).toMatchObject({
        jobId: dead.report[0],
        workflowId: jobWorkflowId(dead.report[0]),
        type: 'report.build',
        errorType: 'TimeoutError',
        message: expect.stringMatching(/^timeout after/),
        attempts: 1,
        deadLetteredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
    });

    it.concurrent('list filters by type, error type and dead-letter time, on the server', async () => {
      const ids = async (...filters: string[]) => {
        const run = await cli('dlq', 'list', '--json', ...filters);
        expect(run.code, run.stderr).toBe(0);
        return sorted(json(run).items.map((i: any) => i.jobId));
      };
      const future = new Date(Date.now() + 3_600_000).toISOString();
      const [byType, byError, both, recent, old, notYet] = await Promise.all([
        ids('--type', 'report.build'),
        ids('--error', 'ValidationError'),
        ids('--type', 'invoice.send', '--error', 'TimeoutError'),
        ids('--since', '1h'),
        ids('--until', '1h'),
        ids('--since', future),
      ]);
      expect(byType).toEqual(sorted(dead.report));
      expect(byError).toEqual(sorted([...dead.invoice, ...dead.email, ...dead.bulkCancelled]));
      expect(both).toEqual([]);
      expect(recent).toEqual(sorted(allDead));
      expect(old).toEqual([]);
      expect(notYet).toEqual([]);
    });

    it.concurrent('list pages through the dead jobs with --page-token', async () => {
      const first = json(await cli('dlq', 'list', '--type', 'report.build', '--limit', '2', '--json'));
      expect(first.items).toHaveLength(2);
      expect(first.nextPageToken).toEqual(expect.any(String));
      const seen = first.items.map((i: any) => i.jobId);
      for (let token = first.nextPageToken; token; ) {
        const next = json(await cli('dlq', 'list', '--type', 'report.build', '--limit', '2', '--page-token', token, '--json'));
        seen.push(...next.items.map((i: any) => i.jobId));
        token = next.nextPageToken;
      }
      expect(sorted(seen)).toEqual(sorted(dead.report));
    });

    it.concurrent('list without --json prints a table of the dead jobs', async () => {
      const run = await cli('dlq', 'list', '--type', 'invoice.send');
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/Job\s+│ Type\s+│ Error type\s+│ Message\s+│ Attempts\s+│ Dead since/);
      for (const id of dead.invoice) expect(run.stdout).toMatch(new RegExp(`│ ${id}\\s+│ invoice.send\\s+│ ValidationError`));
    });

    it.concurrent('show --json gives the payload, the error and one history entry per attempt', async () => {
      const [jobId] = dead.email;
      const run = await cli('dlq', 'show', jobId, '--json');
      expect(run.code, run.stderr).toBe(0);
      const doc = json(run);
      expect(doc).toMatchObject({
        jobId,
        workflowId: jobWorkflowId(jobId),
        status: 'DeadLettered',
        attempts: 1,
        type: 'example.send-email',
        payload: { permanent: true },
        errorType: 'ValidationError',
        message: expect.stringContaining(jobId),
        deadLetteredAt: expect.any(String),
      });
      expect(doc.attemptHistory).toEqual([expect.objectContaining({ attempt: 1, errorType: 'ValidationError', message: expect.any(String), time: expect.any(String) })]);
    });

    it.concurrent('show prints the attempt history as a table and the stack of the last failure', async () => {
      const run = await cli('dlq', 'show', dead.email[0]);
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(/Status\s+DeadLettered/);
      expect(run.stdout).toMatch(/│ 1\s+│ 1\s+│ Failed\s+│ ValidationError/);
      expect(run.stdout).toMatch(/Stack of the last failure \(round 1, attempt 1\):\n.*payload rejected[^\n]*\n\s+at /);
    });

    it.concurrent('show of an unknown job exits 1, naming it', async () => {
      const jobId = unique('nobody');
      const run = await cli('dlq', 'show', jobId);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(jobId);
    });

    it.concurrent('operation of an unknown id exits 1, naming it', async () => {
      const operationId = unique('no-such-operation');
      const run = await cli('dlq', 'operation', operationId);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(`no bulk operation with id "${operationId}"`);
    });

    it.concurrent('retry --all --dry-run reports what matches and changes nothing', async () => {
      const run = await cli('dlq', 'retry', '--all', '--type', 'bulk.retried', '--dry-run', '--json');
      expect(run.code, run.stderr).toBe(0);
      const doc = json(run);
      expect(doc).toMatchObject({ matched: 3, done: 0, dryRun: true, until: expect.any(String) });
      expect(Date.parse(doc.until)).not.toBeNaN();
      expect(sorted(doc.ids)).toEqual(sorted(dead.bulkRetried));
      for (const id of dead.bulkRetried) expect(await admin.get(id)).toMatchObject({ status: JobStatus.DeadLettered, round: 1 });
    });

    it.concurrent('stats --json counts the jobs dead now, by type and by error type', async () => {
      const run = await cli('dlq', 'stats', '--json');
      expect(run.code, run.stderr).toBe(0);
      const doc = json(run);
      expect(doc.dead).toEqual({ total: allDead.length, ...expected });
      expect(doc.counters.total).toMatchObject({ deadNow: allDead.length, deadLettered: allDead.length });
      expect(doc.counters.byType['report.build']).toMatchObject({ deadNow: 3 });
    });

    it.concurrent('export --out writes one JSON line per dead job, with its payload and attempt history', async () => {
      const dir = await mkdtemp(path.join(os.tmpdir(), 'rebound-export-'));
      try {
        const file = path.join(dir, 'dead.jsonl');
        const run = await cli('dlq', 'export', '--out', file);
        expect(run.code, run.stderr).toBe(0);
        const lines = (await readFile(file, 'utf8')).split('\n').filter(Boolean);
        const records = lines.map((line) => JSON.parse(line));
        expect(sorted(records.map((r) => r.jobId))).toEqual(sorted(allDead));
        for (const r of records) {
          expect(r).toMatchObject({ status: 'DeadLettered', payload: expect.any(Object), errorType: expect.any(String) });
          expect(r.attemptHistory).toEqual([expect.objectContaining({ attempt: 1, errorType: r.errorType, time: expect.any(String) })]);
        }
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it.concurrent('export with a filter and no --out writes JSON Lines to stdout', async () => {
      const run = await cli('dlq', 'export', '--type', 'invoice.send');
      expect(run.code, run.stderr).toBe(0);
      const records = run.stdout.trimEnd().split('\n').map((line) => JSON.parse(line));
      expect(sorted(records.map((r) => r.jobId))).toEqual(sorted(dead.invoice));
      expect(records[0]).toMatchObject({ type: 'invoice.send', payload: { error: 'validation' } });
    });

    it.concurrent('groups lists the failure groups, and list --group selects the jobs of one', async () => {
      const run = await cli('dlq', 'groups', '--json');
      expect(run.code, run.stderr).toBe(0);
      const { groups } = json(run);
      expect(groups.reduce((n: number, g: any) => n + g.deadNow, 0)).toBe(allDead.length);
      for (const g of groups) {
        expect(g).toMatchObject({ id: expect.any(String), errorType: expect.any(String), types: expect.any(Array), deadNow: expect.any(Number), example: expect.any(String) });
        expect(Number.isNaN(Date.parse(g.firstSeen)) || Number.isNaN(Date.parse(g.lastSeen))).toBe(false);
      }
      const invoiceGroup = groups.find((g: any) => g.types.includes('invoice.send'));
      expect(invoiceGroup).toMatchObject({ errorType: 'ValidationError', example: 'field "email" is invalid' });

      const [listed, table] = await Promise.all([cli('dlq', 'list', '--group', invoiceGroup.id, '--json'), cli('dlq', 'groups')]);
      const items = json(listed).items;
      expect(items).toHaveLength(invoiceGroup.deadNow);
      expect(items.map((i: any) => i.jobId)).toEqual(expect.arrayContaining(dead.invoice));
      for (const i of items) expect(i).toMatchObject({ failureGroup: invoiceGroup.id, errorType: 'ValidationError' });
      expect(table.code, table.stderr).toBe(0);
      expect(table.stdout).toContain(invoiceGroup.id);
    });
  });

  describe('usage mistakes exit 2, naming what is wrong', () => {
    it.concurrent('a --since that is neither a duration ago nor a time', async () => {
      const run = await cli('dlq', 'list', '--since', 'yesterday');
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--since');
    });

    it.concurrent('retry with job ids and --all together', async () => {
      const run = await cli('dlq', 'retry', dead.report[0], '--all');
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('--all');
    });

    it.concurrent('retry and cancel with neither job ids nor --all', async () => {
      const [retry, cancel] = await Promise.all([cli('dlq', 'retry'), cli('dlq', 'cancel')]);
      expect(retry.code).toBe(2);
      expect(cancel.code).toBe(2);
      expect(retry.stderr).toContain('--all');
    });

    it.concurrent('a filter given with job ids, and --payload given with --all', async () => {
      const [filterWithIds, payloadWithAll] = await Promise.all([
        cli('dlq', 'cancel', dead.report[0], '--type', 'report.build'),
        cli('dlq', 'retry', '--all', '--payload', '{}'),
      ]);
      expect(filterWithIds.code).toBe(2);
      expect(filterWithIds.stderr).toContain('--all');
      expect(payloadWithAll.code).toBe(2);
      expect(payloadWithAll.stderr).toContain('--payload');
    });

    it.concurrent('an unknown option', async () => {
      expect((await cli('dlq', 'list', '--colour')).code).toBe(2);
    });
  });

  describe('changing', () => {
    it.concurrent('retry with a corrected payload runs the job again until it succeeds, and it leaves the list', async () => {
      const [jobId] = dead.email;
      const refused = await cli('dlq', 'retry', jobId, '--payload', '{"failTimes":"often"}');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toContain(jobId);
      expect(refused.stderr).toContain('failTimes');
      expect((await admin.get(jobId)).status).toBe(JobStatus.DeadLettered);

      const run = await cli('dlq', 'retry', jobId, '--payload', '{"to":"ada@example.com"}', '--max-attempts', '2', '--reason', 'fixed address', '--json');
      expect(run.code, run.stderr).toBe(0);
      expect(json(run).results).toEqual([expect.objectContaining({ jobId, ok: true })]);
      const record = await eventually(async () => {
        const r = await admin.get(jobId);
        return r.status === JobStatus.Succeeded && r;
      }, 'the retried job to succeed');
      expect(record).toMatchObject({ payload: { to: 'ada@example.com' }, round: 2, reason: 'fixed address', retry: { maximumAttempts: 2 } });
      await eventually(async () => {
        const listed = json(await cli('dlq', 'list', '--type', 'example.send-email', '--json'));
        return listed.items.length === 0;
      }, 'the job gone from the list');
    });

    it.concurrent('retry of a job that is not dead exits 1, naming the job and its status', async () => {
      const run = await cli('dlq', 'retry', succeeded);
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(succeeded);
      expect(run.stderr).toContain('Succeeded');
      expect((await admin.get(succeeded)).status).toBe(JobStatus.Succeeded);
    });

    it.concurrent('retry of an unknown job exits 1, naming it', async () => {
      const jobId = unique('nobody');
      const run = await cli('dlq', 'retry', jobId, '--json');
      expect(run.code).toBe(1);
      expect(run.stderr).toContain(jobId);
      expect(json(run).results).toEqual([expect.objectContaining({ jobId, ok: false, error: expect.objectContaining({ name: 'JobNotFoundError' }) })]);
    });

    it.concurrent('cancel of several jobs cancels the dead ones and names each one that failed, exit 1', async () => {
      const [jobId] = dead.invoice;
      const nobody = unique('nobody');
      const run = await cli('dlq', 'cancel', jobId, nobody, '--reason', 'customer left');
      expect(run.code).toBe(1);
      expect(run.stdout).toContain(`Cancelled job ${jobId}`);
      expect(run.stderr).toContain(nobody);
      expect(run.stderr).not.toContain(jobId);
      expect(await admin.get(jobId)).toMatchObject({ status: JobStatus.Cancelled, reason: 'customer left' });
    });

    it.concurrent('retry --all --rate with a filter retries every match, reports { matched, done } once finished, and the operation can be read back', async () => {
      const run = await cli('dlq', 'retry', '--all', '--type', 'bulk.retried', '--rate', '5', '--json');
      expect(run.code, run.stderr).toBe(0);
      const doc = json(run);
      expect(doc).toMatchObject({ matched: 3, done: 3, failed: 0, remaining: 0, state: 'Completed', operationId: expect.any(String) });
      expect(run.stderr).toContain(doc.operationId);
      // The fixture fails again, so each job is dead once more, in its second round.
      await eventually(async () => {
        const records = await Promise.all(dead.bulkRetried.map((id) => admin.get(id)));
        return records.every((r) => r.round === 2 && r.status === JobStatus.DeadLettered);
      }, 'every selected job retried once');
      expect((await admin.get(dead.report[0])).round).toBe(1);

      const operation = await cli('dlq', 'operation', doc.operationId, '--json');
      expect(operation.code, operation.stderr).toBe(0);
      expect(json(operation)).toMatchObject({ operationId: doc.operationId, kind: 'retry', state: 'Completed', matched: 3, done: 3 });
    });

    it.concurrent('cancel --all with a filter cancels every match and no other job', async () => {
      const run = await cli('dlq', 'cancel', '--all', '--type', 'bulk.cancelled', '--json');
      expect(run.code, run.stderr).toBe(0);
      expect(json(run)).toMatchObject({ matched: 2, done: 2, state: 'Completed' });
      for (const id of dead.bulkCancelled) expect((await admin.get(id)).status).toBe(JobStatus.Cancelled);
      expect((await admin.get(dead.report[1])).status).toBe(JobStatus.DeadLettered);
    });

    it.concurrent('retry --all on a terminal shows progress while it runs, and the operation id', async () => {
      let stdout = '';
      let stderr = '';
      const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s), isTTY: true } };
      const argv = ['node', 'rebound', 'dlq', 'retry', '--all', '--type', 'bulk.watched', '--rate', '2', '--address', env.config.address, '--task-queue', env.config.taskQueue];
      const code = await main(argv, io);
      expect(code, stderr).toBe(0);
      const operationId = /operation ([0-9a-f-]{36})/.exec(stderr)?.[1];
      expect(operationId).toBeDefined();
      expect(stderr).toMatch(/\r(Running|Completed): \d\/4 done, 0 skipped, 0 failed, \d remaining/);
      expect(stdout).toMatch(new RegExp(`Retry operation ${operationId}: Completed: 4/4 done, 0 skipped, 0 failed, 0 remaining, [\\d.]+/s of 2/s asked\\.`));
    });
  });
});
