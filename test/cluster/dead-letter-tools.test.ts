/**
 * The dead-letter tools on the self-hosted cluster, each set of jobs on a task queue of its own
 * with two `rebound worker` processes: `rebound dlq list` filters and pages through PostgreSQL
 * visibility, `rebound dlq stats` agrees with it, the official CLI's batch signal retries what
 * its query selects and nothing else, and `rebound dlq retry --all` / `cancel --all` apply to
 * each selected job exactly once though the worker running the operation is SIGKILLed mid-way.
 */
import { randomUUID } from 'node:crypto';
import { isDeepStrictEqual } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { jobTypes, writeJobModule } from './job-module';
import { json, requireBuilt, startRebound, stopProcess, Team, type Started } from './rebound';
import { waitFor } from './run';
import { temporalCli } from './temporal-cli';

const cluster = inject('cluster');
const cliPath = inject('temporalCliPath');
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sorted = (ids: string[]) => [...ids].sort();

type Client = Awaited<ReturnType<Team['client']>>;

/** A team with two workers on a fresh task queue, a client, and its job client; closed after the describe. */
function useTeam(prefix: string) {
  const ctx = {} as { team: Team; client: Client; jobs: ReturnType<Team['jobs']>; remove(): void };
  beforeAll(async () => {
    requireBuilt();
    const jobModule = writeJobModule();
    ctx.remove = jobModule.remove;
    ctx.team = new Team(cluster, jobModule.file, unique(prefix));
    await Promise.all([ctx.team.startWorker(), ctx.team.startWorker()]);
    ctx.client = await ctx.team.client();
    ctx.jobs = ctx.team.jobs(ctx.client);
  });
  afterAll(async () => {
    await ctx.team?.close();
    await ctx.client?.connection.close();
    ctx.remove?.();
  });
  return ctx;
}

/** Visibility's count of the team's jobs matching `where`. */
async function count(ctx: { team: Team; client: Client }, where: string): Promise<number> {
  return (await ctx.client.workflow.count(`TaskQueue="${ctx.team.taskQueue}" AND ${where}`)).count;
}

/** Each job's record once it is `status` (a dead job stays settled until its retry starts: poll). */
function untilStatus(ctx: { jobs: ReturnType<Team['jobs']> }, jobIds: string[], status: string) {
  return Promise.all(
    jobIds.map((jobId) =>
      waitFor(`job ${jobId} to be ${status}`, async () => {
        const record = await ctx.jobs.status(jobId);
        return record.status === status ? record : undefined;
      }, 120_000),
    ),
  );
}

/**
 * `rebound dlq stats --json` once the counters of job type `type` hold `expected` (the dead-letter
 * queue counts what jobs report to it, a moment after they change), or the last one read.
 */
async function statsWhen(ctx: { team: Team }, type: string, expected: Record<string, number>) {
  let last: any;
  const holds = () => Object.entries(expected).every(([k, v]) => last?.counters.byType[type]?.[k] === v);
  await waitFor('the counters to follow', async () => {
    last = json(await ctx.team.cli('dlq', 'stats', '--json'));
    return holds() ? true : undefined;
  }, 60_000).catch(() => undefined);
  return last;
}

interface DeadJob {
  jobId: string;
  type: string;
  errorType: string;
}

describe('rebound dlq list and stats, and the official CLI\'s batch signal', () => {
  const ctx = useTeam('dlq-tools');
  // Dead-lettered before `boundary`, then after it.
  const before: DeadJob[] = [];
  const after: DeadJob[] = [];
  let boundary: string;

  const submitDead = async (into: DeadJob[], specs: [type: string, payload: object, errorType: string, n: number][]) => {
    const handles = await Promise.all(
      specs.flatMap(([type, payload, errorType, n]) =>
        Array.from({ length: n }, async () => {
          const jobId = unique('dead');
          into.push({ jobId, type, errorType });
          return ctx.jobs.submit(type, payload, { jobId });
        }),
      ),
    );
    const records = await Promise.all(handles.map((h) => h.settled()));
    expect(records.map((r) => r.status)).toEqual(records.map(() => 'DeadLettered'));
  };

  beforeAll(async () => {
    await submitDead(before, [
      [jobTypes.deadLetter, { untilRetried: true }, 'FlakyError', 3],
      [jobTypes.deadLetter, { permanent: true }, 'InvalidInput', 2],
      [jobTypes.refuse, {}, 'Refused', 2],
    ]);
    await sleep(1_100);
    boundary = new Date().toISOString();
    await sleep(1_100);
    await submitDead(after, [
      [jobTypes.deadLetter, { permanent: true }, 'InvalidInput', 2],
      [jobTypes.refuse, {}, 'Refused', 1],
    ]);
  });

  const all = () => [...before, ...after];
  const ids = (jobs: DeadJob[]) => sorted(jobs.map((j) => j.jobId));
  /** The ids `rebound dlq list <filters> --json` lists (one page of up to 1000). */
  const list = async (...filters: string[]) => {
    const run = await ctx.team.cli('dlq', 'list', ...filters, '--limit', '1000', '--json');
    expect(run.code, run.stderr).toBe(0);
    return sorted(json(run).items.map((i: { jobId: string }) => i.jobId));
  };

  it('lists every dead job, and filters by type, error type, time and all three at once', async () => {
    // Visibility follows the jobs by a moment.
    await waitFor('every dead job to be listed', async () => ((await list()).length === all().length ? true : undefined), 60_000);
    expect(await list()).toEqual(ids(all()));
    expect(await list('--type', jobTypes.refuse)).toEqual(ids(all().filter((j) => j.type === jobTypes.refuse)));
    expect(await list('--error', 'InvalidInput')).toEqual(ids(all().filter((j) => j.errorType === 'InvalidInput')));
    expect(await list('--error', 'FlakyError')).toEqual(ids(all().filter((j) => j.errorType === 'FlakyError')));
    expect(await list('--since', boundary)).toEqual(ids(after));
    expect(await list('--until', boundary)).toEqual(ids(before));
    expect(await list('--type', jobTypes.deadLetter, '--error', 'InvalidInput', '--since', boundary)).toEqual(ids(after.filter((j) => j.type === jobTypes.deadLetter)));
  });

  it('pages with the server\'s page tokens: every dead job once, no page over the limit, null after the last', async () => {
    const seen: string[] = [];
    let token: string | null = null;
    for (let page = 0; page < 20; page++) {
      const run = await ctx.team.cli('dlq', 'list', '--limit', '3', '--json', ...(token ? ['--page-token', token] : []));
      expect(run.code, run.stderr).toBe(0);
      const { items, nextPageToken } = json(run);
      expect(items.length).toBeLessThanOrEqual(3);
      seen.push(...items.map((i: { jobId: string }) => i.jobId));
      token = nextPageToken;
      if (token === null) break;
    }
    expect(token).toBeNull();
    expect(sorted(seen)).toEqual(ids(all()));
  });

  it('dlq stats counts the dead jobs dlq list lists, per type and per error type', async () => {
    const tally = (key: 'type' | 'errorType') => all().reduce<Record<string, number>>((acc, j) => ({ ...acc, [j[key]]: (acc[j[key]] ?? 0) + 1 }), {});
    const expected = { total: all().length, byType: tally('type'), byErrorType: tally('errorType') };
    const stats = async () => {
      const run = await ctx.team.cli('dlq', 'stats', '--json');
      expect(run.code, run.stderr).toBe(0);
      return json(run).dead;
    };
    // The counters follow the dead-letterings by a moment: wait for them, then show any difference.
    await waitFor('the counters to agree with the list', async () => (isDeepStrictEqual(await stats(), expected) ? true : undefined), 60_000).catch(() => undefined);
    const dead = await stats();
    expect(dead).toEqual(expected);
    expect(dead.total).toBe((await list()).length);
  });

  it('temporal workflow signal --query ... --name retry retries exactly the dead jobs its query selects', async () => {
    const selected = before.filter((j) => j.errorType === 'FlakyError');
    const query = `JobStatus="DeadLettered" AND JobType="${jobTypes.deadLetter}" AND JobErrorType="FlakyError" AND TaskQueue="${ctx.team.taskQueue}"`;
    const r = await temporalCli(cliPath, cluster, [
      'workflow', 'signal', '--query', query, '--name', 'retry',
      '--input', '{"reason":"provider is back"}', '--reason', 'provider is back', '--yes',
    ]);
    expect(r.code, r.stderr).toBe(0);

    // The server runs the batch in the background: each selected job succeeds in its second round.
    const records = await untilStatus(ctx, selected.map((j) => j.jobId), 'Succeeded');
    expect(records.map((rec) => rec.round)).toEqual(selected.map(() => 2));
    // Untouched: every other dead job, still dead, still listed.
    const others = all().filter((j) => !selected.includes(j));
    await waitFor('the retried jobs to leave the list', async () => ((await list()).length === others.length ? true : undefined), 60_000);
    expect(await list()).toEqual(ids(others));
    const expected = { retried: selected.length, succeededAfterRetry: selected.length };
    const { counters } = await statsWhen(ctx, jobTypes.deadLetter, expected);
    expect(counters.byType[jobTypes.deadLetter]).toMatchObject(expected);
  });
});

describe('rebound dlq retry --all and cancel --all, the worker running them SIGKILLed mid-way', () => {
  const ctx = useTeam('dlq-bulk');
  const n = 16;

  /** Submits `n` jobs of `type` that dead-letter at once; their ids. */
  const deadJobs = async (type: string, payload: object) => {
    const handles = await Promise.all(Array.from({ length: n }, () => ctx.jobs.submit(type, payload, { jobId: unique('bulk') })));
    const records = await Promise.all(handles.map((h) => h.settled()));
    expect(records.map((r) => r.status)).toEqual(records.map(() => 'DeadLettered'));
    await waitFor('every job to be listed dead', async () => ((await count(ctx, `JobType="${type}" AND JobStatus="DeadLettered"`)) === n ? true : undefined), 60_000);
    return handles.map((h) => h.jobId);
  };

  /** The worker process running operation `operationId` now: its pending activity's, else its last workflow task's. */
  const workerRunning = async (operationId: string): Promise<Started | undefined> => {
    const handle = ctx.client.workflow.getHandle(`rebound-bulk-${operationId}`);
    const { raw } = await handle.describe();
    const activityWorker = raw.pendingActivities?.find((a) => a.lastWorkerIdentity)?.lastWorkerIdentity ?? undefined;
    if (activityWorker) return ctx.team.workerByIdentity(activityWorker);
    const { events } = await handle.fetchHistory();
    const lastTask = events?.filter((e) => e.workflowTaskStartedEventAttributes).pop();
    return ctx.team.workerByIdentity(lastTask?.workflowTaskStartedEventAttributes?.identity ?? undefined);
  };

  /**
   * Runs `rebound dlq <kind> --all --type <type> --rate 2 --json`; once a few jobs are done,
   * SIGKILLs the worker running the operation (while jobs remain) and starts another. Resolves
   * with the CLI's JSON.
   */
  const bulkWithKill = async (kind: 'retry' | 'cancel', type: string) => {
    const run = startRebound(['dlq', kind, '--all', '--type', type, '--rate', '2', '--json', '--jobs', ctx.team.jobModule, ...ctx.team.flags], ctx.team.env);
    try {
      const operationId = await waitFor('the operation to start', async () => /: operation (\S+)/.exec(run.output().stderr)?.[1], 60_000);
      await waitFor('a few jobs to be handled', async () => ((await count(ctx, `JobType="${type}" AND JobStatus="DeadLettered"`)) <= n - 3 ? true : undefined), 60_000);
      const victim = await waitFor('the worker running the operation', () => workerRunning(operationId), 30_000);
      await stopProcess(victim, 'SIGKILL');
      // Mid-way: jobs were left for the operation to handle after the kill.
      expect(await count(ctx, `JobType="${type}" AND JobStatus="DeadLettered"`)).toBeGreaterThan(0);
      await ctx.team.startWorker();
      const done = await run.exited;
      expect(done.code, done.stderr).toBe(0);
      return json(done);
    } finally {
      await stopProcess(run, 'SIGTERM');
    }
  };

  it('dlq retry --all retries each selected job exactly once, and counts each retry once', async () => {
    const retried = await deadJobs(jobTypes.refuse, { untilRetried: true });
    const untouched = await deadJobs(jobTypes.deadLetter, { permanent: true });

    const result = await bulkWithKill('retry', jobTypes.refuse);
    expect(result).toMatchObject({ state: 'Completed', matched: n, done: n, skipped: 0, failed: 0, remaining: 0 });

    // Once each: every job succeeded in its second round, not a third.
    const records = await untilStatus(ctx, retried, 'Succeeded');
    expect(records.map((r) => r.round)).toEqual(retried.map(() => 2));
    const expected = { deadNow: 0, deadLettered: n, retried: n, succeededAfterRetry: n };
    const { counters } = await statsWhen(ctx, jobTypes.refuse, expected);
    expect(counters.byType[jobTypes.refuse]).toMatchObject(expected);
    // The other type's dead jobs were not selected and were not touched.
    expect(counters.byType[jobTypes.deadLetter]).toMatchObject({ deadNow: n, retried: 0 });
    expect(await count(ctx, `JobType="${jobTypes.deadLetter}" AND JobStatus="DeadLettered"`)).toBe(untouched.length);
  });

  it('dlq cancel --all cancels each selected job exactly once', async () => {
    const result = await bulkWithKill('cancel', jobTypes.deadLetter);
    expect(result).toMatchObject({ state: 'Completed', matched: n, done: n, skipped: 0, failed: 0, remaining: 0 });

    await waitFor('every job to be listed Cancelled', async () => ((await count(ctx, `JobType="${jobTypes.deadLetter}" AND JobStatus="Cancelled"`)) === n ? true : undefined), 60_000);
    const expected = { deadNow: 0, deadLettered: n, cancelled: n };
    const { counters, dead } = await statsWhen(ctx, jobTypes.deadLetter, expected);
    expect(counters.byType[jobTypes.deadLetter]).toMatchObject(expected);
    expect(dead.total).toBe(0);

    // And rebound's own reconciliation finds every job of the queue in one status, none counted twice.
    const check = await ctx.team.cli('check', '--wait', '30s', '--json');
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(json(check)).toMatchObject({ ok: true, jobs: { submitted: 2 * n, succeeded: n, cancelled: n, deadLettered: 0, running: 0 } });
  });
});
