/**
 * A job's whole life on the self-hosted cluster (4 history shards, SQL visibility on PostgreSQL),
 * with two `rebound worker` processes of the built CLI running a job module of the test's own:
 * success, retries, dead-lettering, a retry with a corrected payload, cancelling (a dead job with
 * `rebound dlq cancel`, a running one with the official CLI) and expiry after a short retention.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { jobTypes, writeJobModule } from './job-module';
import { json, requireBuilt, Team } from './rebound';
import { waitFor } from './run';
import { temporalCli } from './temporal-cli';

const cluster = inject('cluster');
const cliPath = inject('temporalCliPath');
const unique = (prefix: string) => `${prefix}-${randomUUID().slice(0, 8)}`;

describe('a job on the cluster, run by two rebound worker processes', () => {
  let jobModule: ReturnType<typeof writeJobModule>;
  let team: Team;

  beforeAll(async () => {
    requireBuilt();
    jobModule = writeJobModule();
    team = new Team(cluster, jobModule.file, unique('lifecycle'));
    await Promise.all([team.startWorker(), team.startWorker()]);
  });
  afterAll(async () => {
    await team?.close();
    jobModule?.remove();
  });

  /** `rebound submit <type> --wait --json`, checked to exit 0; its JSON. */
  const submitAndWait = async (type: string, payload: unknown = {}, id = unique('job')) => {
    const run = await team.cli('submit', type, '--id', id, '--payload', JSON.stringify(payload), '--wait', '--json');
    expect(run.code, run.stderr).toBe(0);
    return json(run);
  };
  /** `rebound status <jobId> --json` until `status` is `want`. */
  const untilStatus = (jobId: string, want: string) =>
    waitFor(
      `job ${jobId} to be ${want}`,
      async () => {
        const record = json(await team.cli('status', jobId, '--json'));
        return record.status === want ? record : undefined;
      },
      60_000,
    );
  /** Job ids `rebound dlq list --type <type>` lists now. */
  const listedDead = async (type: string) => json(await team.cli('dlq', 'list', '--type', type, '--limit', '1000', '--json')).items.map((i: { jobId: string }) => i.jobId);

  it('succeeds at once', async () => {
    const done = await submitAndWait(jobTypes.succeed);
    expect(done).toMatchObject({ status: 'Succeeded', attempts: 1, result: { attempt: 1 } });
  });

  it('retries a job that fails twice, then it succeeds on its third attempt', async () => {
    const done = await submitAndWait(jobTypes.flaky);
    expect(done).toMatchObject({ status: 'Succeeded', attempts: 3, result: { attempt: 3 } });
  });

  it('dead-letters a job that fails every attempt, keeping each attempt\'s error, and lists it', async () => {
    const dead = await submitAndWait(jobTypes.deadLetter);
    expect(dead).toMatchObject({ status: 'DeadLettered', attempts: 3, error: { type: 'FlakyError' } });

    const shown = json(await team.cli('dlq', 'show', dead.jobId, '--json'));
    expect(shown).toMatchObject({ jobId: dead.jobId, status: 'DeadLettered', type: jobTypes.deadLetter, errorType: 'FlakyError', attempts: 3 });
    expect(shown.attemptHistory.map((a: { attempt: number; errorType: string }) => [a.attempt, a.errorType])).toEqual([
      [1, 'FlakyError'],
      [2, 'FlakyError'],
      [3, 'FlakyError'],
    ]);
    // Visibility (SQL, on PostgreSQL) follows a moment later.
    await waitFor('the dead job to be listed', async () => ((await listedDead(jobTypes.deadLetter)).includes(dead.jobId) ? true : undefined), 30_000);
  });

  it('retries a dead job with a corrected payload, checked against its schema, in a second round', async () => {
    const dead = await submitAndWait(jobTypes.deadLetter, { permanent: true });
    expect(dead).toMatchObject({ status: 'DeadLettered', attempts: 1, error: { type: 'InvalidInput' } });

    const refused = await team.cli('dlq', 'retry', dead.jobId, '--payload', '{"fixed":"yes"}');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/fixed/);
    expect(json(await team.cli('status', dead.jobId, '--json'))).toMatchObject({ status: 'DeadLettered', round: 1, payload: { permanent: true } });

    const retried = await team.cli('dlq', 'retry', dead.jobId, '--payload', '{"fixed":true}', '--reason', 'fixed the payload', '--json');
    expect(retried.code, retried.stderr).toBe(0);
    const done = await untilStatus(dead.jobId, 'Succeeded');
    expect(done).toMatchObject({ round: 2, payload: { fixed: true } });
  });

  it('cancels a dead job with rebound dlq cancel: it ends Cancelled and leaves the dead-letter queue', async () => {
    const dead = await submitAndWait(jobTypes.refuse);
    await waitFor('the dead job to be listed', async () => ((await listedDead(jobTypes.refuse)).includes(dead.jobId) ? true : undefined), 30_000);

    const cancelled = await team.cli('dlq', 'cancel', dead.jobId, '--reason', 'obsolete', '--json');
    expect(cancelled.code, cancelled.stderr).toBe(0);
    await untilStatus(dead.jobId, 'Cancelled');
    await waitFor('the job to leave the list', async () => (!(await listedDead(jobTypes.refuse)).includes(dead.jobId) ? true : undefined), 30_000);
  });

  it('cancels a running job with the official CLI (as the Web UI does): it ends Cancelled', async () => {
    const jobId = unique('running');
    const submitted = await team.cli('submit', jobTypes.succeed, '--id', jobId, '--payload', '{"sleepMs":600000}', '--json');
    expect(submitted.code, submitted.stderr).toBe(0);
    await waitFor('the job to be running', async () => (json(await team.cli('status', jobId, '--json')).status === 'Running' ? true : undefined), 30_000);

    const r = await temporalCli(cliPath, cluster, ['workflow', 'cancel', '--workflow-id', json(submitted).workflowId]);
    expect(r.code, r.stderr).toBe(0);
    await untilStatus(jobId, 'Cancelled');
  });

  it('expires a dead job once its retention (3 s for this type) ends', async () => {
    const dead = await submitAndWait(jobTypes.expiring);
    expect(dead).toMatchObject({ status: 'DeadLettered', attempts: 1 });
    await untilStatus(dead.jobId, 'Expired');
    await waitFor('the job to leave the list', async () => (!(await listedDead(jobTypes.expiring)).includes(dead.jobId) ? true : undefined), 30_000);
  });
});
