/**
 * A `rebound worker` process SIGKILLed while mixed jobs run on the self-hosted cluster: the other
 * worker carries on, a new one joins, and every job ends as its type says (succeeding, failing
 * twice then succeeding, dead-lettering), none lost and none counted twice, as `rebound check`
 * reconciles it from the cluster's visibility.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { jobTypes, writeJobModule } from './job-module';
import { json, requireBuilt, stopProcess, Team } from './rebound';
import { waitFor } from './run';

const cluster = inject('cluster');
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

describe('a worker SIGKILLed mid-run on the cluster', () => {
  let jobModule: ReturnType<typeof writeJobModule>;
  let team: Team;
  let client: Awaited<ReturnType<Team['client']>>;

  beforeAll(async () => {
    requireBuilt();
    jobModule = writeJobModule();
    team = new Team(cluster, jobModule.file, unique('worker-kill'));
    client = await team.client();
  });
  afterAll(async () => {
    await team?.close();
    await client?.connection.close();
    jobModule?.remove();
  });

  const settled = async () =>
    (await client.workflow.count(`TaskQueue="${team.taskQueue}" AND JobStatus IN ("Succeeded", "DeadLettered")`)).count;

  it('loses no job: each ends Succeeded or DeadLettered as designed, and rebound check agrees', async () => {
    const [, victim] = await Promise.all([team.startWorker(), team.startWorker()]);
    const jobs = team.jobs(client);
    const kinds = [
      [jobTypes.succeed, 'Succeeded'],
      [jobTypes.flaky, 'Succeeded'],
      [jobTypes.deadLetter, 'DeadLettered'],
    ] as const;
    const n = 30;
    // Attempts that sleep up to 1.5 s, so that the kill finds some under way.
    const expected = new Map<string, string>();
    await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        const [type, status] = kinds[i % kinds.length];
        const jobId = unique(type.replace('cluster.', ''));
        expected.set(jobId, status);
        await jobs.submit(type, { sleepMs: Math.floor(Math.random() * 1_500) }, { jobId });
      }),
    );

    await waitFor('a third of the jobs to settle', async () => ((await settled()) >= n / 3 ? true : undefined), 120_000);
    await stopProcess(victim, 'SIGKILL');
    await team.startWorker();
    await waitFor('every job to settle', async () => ((await settled()) === n ? true : undefined), 300_000);

    // Each job listed once, in the status its type ends in.
    const listed = new Map<string, string[]>();
    for await (const wf of client.workflow.list({ query: `TaskQueue="${team.taskQueue}" AND WorkflowType="jobWorkflow"` })) {
      const jobId = wf.workflowId.replace(/^job-/, '');
      listed.set(jobId, [...(listed.get(jobId) ?? []), String(wf.typedSearchAttributes.get(team.library.searchAttributes.jobStatus))]);
    }
    const wrong = [...expected].filter(([jobId, status]) => listed.get(jobId)?.join() !== status);
    expect(wrong.map(([jobId, status]) => `${jobId}: expected ${status}, listed ${listed.get(jobId)?.join(' and ') ?? 'nowhere'}`)).toEqual([]);
    expect(listed.size).toBe(n);

    const dead = [...expected.values()].filter((s) => s === 'DeadLettered').length;
    const check = await team.cli('check', '--wait', '30s', '--json');
    expect(check.code, check.stdout + check.stderr).toBe(0);
    expect(json(check)).toMatchObject({
      ok: true,
      jobs: { submitted: n, succeeded: n - dead, deadLettered: dead, cancelled: 0, expired: 0, running: 0 },
      counted: { total: dead },
      listed: { total: dead },
      differences: [],
    });
  }, 600_000);
});
