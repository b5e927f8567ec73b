/**
 * `rebound jobs list`, `rebound stats` and `--tag`, run as a subprocess the way scripts run them
 * (`npm run build` first), against jobs in every status on a fresh task queue.
 */
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleJobs } from '../../examples/jobs';
import type { DeadLetterAdmin } from '../../src/admin';
import { JobStatus } from '../../src/contract';
import { json, reboundOn, requireBuiltCli, succeeded as ok } from '../fixtures/rebound-cli';
import { mixedJobTypes, submitMixedJobs, type MixedJobs } from '../fixtures/mixed-jobs';
import { adminTestEnv, eventually, type TestEnv } from '../helpers';

const sorted = (ids: string[]) => [...ids].sort();

describe('rebound jobs list, stats and --tag', () => {
  const types = mixedJobTypes();
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  let mix: MixedJobs;
  const cli = (...args: string[]) => reboundOn(env.config, ...args);

  beforeAll(async () => {
    requireBuiltCli();
    ({ env, admin } = await adminTestEnv([types.main, types.expiring, ...exampleJobs]));
    mix = await submitMixedJobs(env, admin, types);
  });
  afterAll(async () => {
    mix?.release();
    await env?.close();
  });

  it('submit --tag stores the tags; status shows them, as JSON and for people', async () => {
    const submitted = json(ok(await cli('submit', 'example.send-email', '--payload', '{}', '--tag', 'userId=u1', '--tag', 'plugin=sql', '--wait', '--json')));
    expect(submitted.status).toBe(JobStatus.Succeeded);
    const status = json(ok(await cli('status', submitted.jobId, '--json')));
    expect(status.tags).toEqual({ userId: 'u1', plugin: 'sql' });
    expect(ok(await cli('status', submitted.jobId)).stdout).toMatch(/^Tags\s+plugin=sql userId=u1$/m);
    const listed = await eventually(async () => {
      const doc = json(ok(await cli('jobs', 'list', '--tag', 'userId=u1', '--tag', 'plugin=sql', '--json')));
      return doc.items.length === 1 && doc;
    }, 'the tagged job listed');
    expect(listed.items[0]).toMatchObject({ jobId: submitted.jobId, type: 'example.send-email', status: JobStatus.Succeeded, attempts: 1, tags: { userId: 'u1', plugin: 'sql' } });
  });

  it('refuses a bad --tag with exit 2, naming it', async () => {
    const badKey = await cli('submit', 'example.send-email', '--tag', 'user id=u1');
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toContain('tag "user id": a tag key must be');
    const noValue = await cli('jobs', 'list', '--tag', 'userId');
    expect(noValue.code).toBe(2);
    expect(noValue.stderr).toContain('tag "userId" must be key=value');
    const twice = await cli('stats', '--tag', 'a=1', '--tag', 'a=2');
    expect(twice.code).toBe(2);
    expect(twice.stderr).toContain('tag "a" given twice');
  });

  it('jobs list --json filters by status, type and tag', async () => {
    const ids = async (...filters: string[]) => sorted(json(ok(await cli('jobs', 'list', '--tag', `batch=${mix.batch}`, '--json', ...filters))).items.map((i: { jobId: string }) => i.jobId));
    expect(await ids()).toHaveLength(10);
    expect(await ids('--status', 'Retrying')).toEqual([mix.retrying]);
    expect(await ids('--status', 'Running,Retrying')).toEqual(sorted([mix.running, mix.retrying]));
    expect(await ids('--status', 'Scheduled', '--status', 'Cancelled')).toEqual(sorted([mix.scheduled, mix.cancelled]));
    expect(await ids('--type', types.expiring.type)).toEqual([mix.expired]);
    expect(await ids('--error', 'ValidationError', '--status', 'DeadLettered')).toEqual([mix.dead[0]]);
    expect(await ids('--tag', 'path=fast')).toEqual(sorted(mix.succeeded.slice(0, 2)));
    expect(await ids('--since', '1h')).toHaveLength(10);
    expect(await ids('--until', '1h')).toEqual([]);
  });

  it('jobs list pages with --page-token, and prints a table for people', async () => {
    const first = json(ok(await cli('jobs', 'list', '--tag', `batch=${mix.batch}`, '--limit', '4', '--json')));
    expect(first.items).toHaveLength(4);
    const seen = first.items.map((i: { jobId: string }) => i.jobId);
    for (let token = first.nextPageToken; token; ) {
      const next = json(ok(await cli('jobs', 'list', '--tag', `batch=${mix.batch}`, '--limit', '4', '--page-token', token, '--json')));
      seen.push(...next.items.map((i: { jobId: string }) => i.jobId));
      token = next.nextPageToken;
    }
    expect(new Set(seen).size).toBe(10);

    const table = ok(await cli('jobs', 'list', '--tag', `batch=${mix.batch}`, '--status', 'Retrying')).stdout;
    expect(table).toMatch(/Job\s+│ Type\s+│ Status\s+│ Attempts\s+│ Error type\s+│ Submitted\s+│ Tags/);
    expect(table).toMatch(new RegExp(`│ ${mix.retrying}\\s+│ ${types.main.type}\\s+│ Retrying\\s+│`));
    expect(ok(await cli('jobs', 'list', '--tag', 'batch=none')).stdout).toContain('No jobs match.');
  });

  it('jobs list refuses an unknown status with exit 2, naming it', async () => {
    const run = await cli('jobs', 'list', '--status', 'Waiting');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('Unknown status "Waiting"');
  });

  it('stats --json counts per type and status, with rates; the table says the same', async () => {
    const expectedMain = { total: 9, scheduled: 1, running: 1, retrying: 1, succeeded: 3, deadLettered: 2, cancelled: 1, expired: 0, settled: 6, retried: 2, successRate: 0.5, retryRate: 0.3333 };
    const expectedAll = { total: 10, scheduled: 1, running: 1, retrying: 1, succeeded: 3, deadLettered: 2, cancelled: 1, expired: 1, settled: 7, retried: 2, successRate: 0.4286, retryRate: 0.2857 };
    const doc = await eventually(async () => {
      const d = json(ok(await cli('stats', '--tag', `batch=${mix.batch}`, '--since', '1h', '--json')));
      return isDeepStrictEqual(d.total, expectedAll) && d;
    }, 'the stats to count every job').catch(async () => json(ok(await cli('stats', '--tag', `batch=${mix.batch}`, '--json'))));
    expect(doc.total).toEqual(expectedAll);
    expect(doc.byType[types.main.type]).toEqual(expectedMain);
    expect(doc.taskQueue).toBe(env.config.taskQueue);
    expect(Date.parse(doc.since)).not.toBeNaN();

    const table = ok(await cli('stats', '--tag', `batch=${mix.batch}`)).stdout;
    expect(table).toContain(`Task queue "${env.config.taskQueue}": 10 job(s).`);
    expect(table).toMatch(/Job type\s+│ Scheduled\s+│ Running\s+│ Retrying\s+│ Succeeded\s+│ Dead\s+│ Cancelled\s+│ Expired\s+│ Total\s+│ Success rate\s+│ Retry rate/);
    expect(table).toMatch(new RegExp(`│ ${types.main.type}\\s+│ 1\\s+│ 1\\s+│ 1\\s+│ 3\\s+│ 2\\s+│ 1\\s+│ 0\\s+│ 9\\s+│ 50.0%\\s+│ 33.3%`));
    expect(table).toMatch(/│ \(all\)\s+│ 1\s+│ 1\s+│ 1\s+│ 3\s+│ 2\s+│ 1\s+│ 1\s+│ 10\s+│ 42.9%\s+│ 28.6%/);
  });

  it('dlq list, retry --all --dry-run and export take --tag', async () => {
    const dead = json(ok(await cli('dlq', 'list', '--tag', `batch=${mix.batch}`, '--json')));
    expect(sorted(dead.items.map((i: { jobId: string }) => i.jobId))).toEqual(sorted(mix.dead));
    expect(dead.items[0].tags).toEqual({ batch: mix.batch });
    const dry = json(ok(await cli('dlq', 'retry', '--all', '--dry-run', '--tag', `batch=${mix.batch}`, '--type', types.main.type, '--json')));
    expect(dry).toMatchObject({ dryRun: true, matched: 2, done: 0 });
    expect(sorted(dry.ids)).toEqual(sorted(mix.dead));
    const lines = ok(await cli('dlq', 'export', '--tag', `batch=${mix.batch}`)).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(sorted(lines.map((r) => r.jobId))).toEqual(sorted(mix.dead));
    for (const record of lines) expect(record.tags).toEqual({ batch: mix.batch });
  });
});
