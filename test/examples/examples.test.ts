/**
 * The example programs, each rebuilding a production retry system on rebound, run against the
 * real dev server. Each is judged by rebound's own records of the jobs it submitted (statuses,
 * attempts, errors, delays, rounds), read here with a client of the test's own, not by what the
 * program prints or says of itself.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { WorkflowNotFoundError } from '@temporalio/client';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JobStatus, createAdmin, readJob, type JobRecord } from '../../src';
import { main as imageProcessing } from '../../examples/image-processing';
import { main as importFlow } from '../../examples/import-flow';
import { main as generation } from '../../examples/generation';
import { main as featureFlags, maxRetriesFromEnv } from '../../examples/feature-flags';
import { main as eventRetry, serverPriority } from '../../examples/event-retry';
import { address, eventually, testEnv, unique, type TestEnv } from '../helpers';

/** Options every example's `main` takes. */
interface RunOptions {
  address: string;
  taskQueue: string;
  print: (line: string) => void;
}

/**
 * Runs an example quietly on a fresh task queue; returns its result, what it printed, and a reader
 * of its jobs' records. A job's full record comes from its workflow, which a worker answers for:
 * the example's own worker has stopped, so a worker without job types takes its place.
 */
async function run<R extends { ok: boolean }>(main: (options: RunOptions) => Promise<R>, extra: Record<string, unknown> = {}) {
  const printed: string[] = [];
  const taskQueue = unique('example');
  const result = await main({ address: address(), taskQueue, print: (line) => printed.push(line), ...extra });
  // SHOW_EXAMPLES=1 shows what each example printed.
  if (process.env.SHOW_EXAMPLES) console.log(printed.join('\n'));
  const env = await testEnv(taskQueue);
  await env.startWorker([]);
  readers.push(env);
  return { result, printed: printed.join('\n'), taskQueue, client: env.client, record: (jobId: string): Promise<JobRecord> => readJob(env.client, jobId) };
}
const readers: TestEnv[] = [];
afterAll(() => Promise.all(readers.map((env) => env.close())));

const failedAttempts = (r: JobRecord, round = r.round) => r.attemptHistory.filter((a) => a.round === round && a.outcome !== 'Succeeded');

describe('the example programs', () => {
  it('image-processing: retried every 5 minutes at most 3 times, then dead; retry-all revives it; one job id runs once; a breaker rides out a store outage', async () => {
    const { result, record, client, taskQueue } = await run(imageProcessing);
    const { cat, dog, bird } = result.jobIds;

    const catJob = await record(cat);
    expect(catJob).toMatchObject({ status: JobStatus.Succeeded, attempts: 1, round: 1, totalAttempts: 1 });

    const dogJob = await record(dog);
    expect(dogJob).toMatchObject({ status: JobStatus.Succeeded, attempts: 3, round: 1 });
    expect(failedAttempts(dogJob).map((a) => [a.errorType, a.nextDelayMs])).toEqual([
      ['StorageUnavailableError', 1250],
      ['StorageUnavailableError', 1250],
    ]);

    const birdJob = await record(bird);
    expect(birdJob).toMatchObject({ status: JobStatus.Succeeded, round: 2, attempts: 1, totalAttempts: 5 });
    expect(failedAttempts(birdJob, 1).map((a) => a.errorType)).toEqual(Array(4).fill('StorageUnavailableError'));
    expect(birdJob.timeline.map((e) => e.event)).toEqual(['Submitted', 'DeadLettered', 'Retried', 'Succeeded']);

    // The store outage: the breaker held the batch's attempts back instead of letting them burn out.
    const batch = await Promise.all(Object.keys(result.jobIds).filter((k) => k.startsWith('batch')).map((k) => record(result.jobIds[k])));
    expect(batch).toHaveLength(10);
    for (const job of batch) {
      expect(job).toMatchObject({ status: JobStatus.Succeeded, round: 1 });
      expect(job.attempts).toBeLessThan(4);
      expect(job.timeline.map((e) => e.event)).toEqual(expect.arrayContaining(['BreakerOpen', 'BreakerClosed', 'Succeeded']));
      expect(job.timeline.map((e) => e.event)).not.toContain('DeadLettered');
    }
    // The reading worker started a moment ago and replays the breaker's history first: on a loaded
    // machine its first answer may miss the read's 5 s (a WorkerUnavailableError), so read again.
    const admin = createAdmin({ client, taskQueue });
    const breaker = await eventually(() => admin.breaker('image.process'), 'the breaker read', 60_000);
    expect(breaker.state).toBe('closed');
    expect(breaker.transitions.map((t) => t.to)).toEqual(expect.arrayContaining(['open', 'halfOpen', 'closed']));
    expect(breaker.refused).toBeGreaterThan(0);
    expect(result.ok).toBe(true);
  });

  it('import-flow: submits made while the server was unreachable wait in the outbox and run once it answers; every item once, the corrupt one dead at once', async () => {
    const { result, record, taskQueue, client } = await run(importFlow);
    const { import: importId, item1, item2, item3, item4, item5 } = result.jobIds;

    for (const id of [item1, item4, item5]) expect(await record(id)).toMatchObject({ status: JobStatus.Succeeded, attempts: 1 });
    const slow = await record(item2);
    expect(slow).toMatchObject({ status: JobStatus.Succeeded, attempts: 2 });
    expect(slow.attemptHistory[0].errorType).toBe('ImageTimeoutError');
    const corrupt = await record(item3);
    expect(corrupt).toMatchObject({ status: JobStatus.DeadLettered, attempts: 1, errorType: 'CorruptImage', tags: { importId } });
    expect(corrupt.attemptHistory[0].nonRetryable).toBe(true);
    // Each started once: one submit in its timeline, one round, though the first two were submitted twice.
    for (const id of [item1, item2, item3, item4, item5]) {
      const job = await record(id);
      expect(job.round).toBe(1);
      expect(job.tags).toEqual({ importId });
      expect(job.timeline.filter((e) => e.event === 'Submitted')).toHaveLength(1);
    }

    // Five image jobs of the import on the queue, no more: none lost, none started twice.
    const query = `TaskQueue = "${taskQueue}" AND JobType = "import.image" AND JobTags = "importId=${importId}"`;
    await eventually(async () => (await client.workflow.count(query)).count === 5, 'five image jobs of the import listed');
    const runs: string[] = [];
    for await (const wf of client.workflow.list({ query })) runs.push(wf.workflowId);
    expect(runs.sort()).toEqual([item1, item2, item3, item4, item5].map((id) => `job-${id}`).sort());
    expect(result.ok).toBe(true);
  });

  it('generation: 5 s +-10%, one retry, auth and validation errors final; the dead letters paged, opened, retried, corrected, deleted', async () => {
    const { result, record, client, taskQueue } = await run(generation);
    const { poem, story, essay, summary, translation } = result.jobIds;

    expect(await record(poem)).toMatchObject({ status: JobStatus.Succeeded, attempts: 1 });
    const storyJob = await record(story);
    expect(storyJob).toMatchObject({ status: JobStatus.Succeeded, attempts: 2 });
    const [delay] = failedAttempts(storyJob).map((a) => a.nextDelayMs!);
    expect(delay).toBeGreaterThanOrEqual(225);
    expect(delay).toBeLessThanOrEqual(275);
    expect(storyJob.retry).toMatchObject({ initialIntervalMs: 250, backoffCoefficient: 2, maximumIntervalMs: 180_000, maximumAttempts: 2, jitter: { ratio: 0.1 } });

    // Dead after its two attempts, then retried once the model was back.
    const essayJob = await record(essay);
    expect(essayJob).toMatchObject({ status: JobStatus.Succeeded, round: 2, attempts: 1, totalAttempts: 3 });
    const essayDead = failedAttempts(essayJob, 1);
    expect(essayDead.map((a) => a.errorType)).toEqual(['ProviderUnavailableError', 'ProviderUnavailableError']);
    for (const a of essayDead) expect(a.stack).toContain('generate');

    // Not retried, then deleted: its workflow is gone from the server, its deletion in the audit log without its input.
    await expect(client.workflow.getHandle(`job-${summary}`).describe()).rejects.toBeInstanceOf(WorkflowNotFoundError);
    const admin = createAdmin({ client, taskQueue });
    const deletion = await eventually(async () => {
      const entries = await admin.audit({ jobId: summary });
      return entries.length > 0 && entries;
    }, 'the deletion in the audit log');
    expect(deletion).toEqual([expect.objectContaining({ action: 'delete', actor: 'bob', reason: 'key revoked for good', type: 'generation.run', errorType: 'AuthenticationError' })]);
    expect(JSON.stringify(deletion)).not.toContain('a summary of the logs');
    expect(await admin.audit({ jobId: essay })).toEqual([expect.objectContaining({ action: 'retry', actor: 'ada', reason: 'model is back' })]);
    expect(await admin.audit({ jobId: translation })).toEqual([expect.objectContaining({ action: 'editAndRetry', actor: 'ada', changes: [{ path: '$.maxTokens', kind: 'changed' }] })]);
    // Found by the run's tag: the dead letter it lists now is none (two retried, one deleted).
    await eventually(async () => (await admin.list({ tags: { run: poem.split('-')[1] } })).items.length === 0, 'no dead letter of the run left');

    // Not retried, then retried with a corrected payload.
    const translationJob = await record(translation);
    expect(translationJob).toMatchObject({ status: JobStatus.Succeeded, round: 2, totalAttempts: 2, payload: expect.objectContaining({ maxTokens: 4_000 }) });
    expect(failedAttempts(translationJob, 1)).toEqual([expect.objectContaining({ errorType: 'ValidationError', nonRetryable: true })]);
    expect(translationJob.timeline.map((e) => e.event)).toEqual(['Submitted', 'DeadLettered', 'Retried', 'Succeeded']);
    expect(result.ok).toBe(true);
  });

  it('feature-flags: a change waits for its time; retries after 2^(n+1) minutes plus up to 30 s, as many as configured; a deleted flag is final', async () => {
    const { result, record } = await run(featureFlags, { maxRetries: 2 });
    const { darkMode, checkout, banner, search } = result.jobIds;
    const minute = 50;

    const dark = await record(darkMode);
    expect(dark).toMatchObject({ status: JobStatus.Succeeded, attempts: 1 });
    expect(dark.timeline.map((e) => e.event)).toEqual(['Submitted', 'Started', 'Succeeded']);
    // Submitted for 30 minutes (1.5 s) later: it waited (less the moments between choosing the time and submitting).
    expect(Date.parse(dark.attemptHistory[0].startedAt!) - Date.parse(dark.timeline[0].at)).toBeGreaterThanOrEqual(30 * minute - 500);

    const checkoutJob = await record(checkout);
    expect(checkoutJob).toMatchObject({ status: JobStatus.Succeeded, attempts: 3 });
    expect(checkoutJob.retry).toMatchObject({ initialIntervalMs: 4 * minute, backoffCoefficient: 2, maximumAttempts: 3, jitter: { maxMs: 25 } });

    expect(await record(banner)).toMatchObject({ status: JobStatus.DeadLettered, attempts: 1, errorType: 'FlagNotFoundError' });

    const searchJob = await record(search);
    expect(searchJob).toMatchObject({ status: JobStatus.DeadLettered, attempts: 3, errorType: 'FlagServiceUnavailableError', tags: { flag: 'search-v2' } });
    for (const job of [checkoutJob, searchJob]) {
      const delays = failedAttempts(job, 1).flatMap((a) => (a.nextDelayMs === undefined ? [] : [a.nextDelayMs]));
      expect(delays).toHaveLength(2);
      delays.forEach((ms, i) => {
        expect(ms).toBeGreaterThanOrEqual(2 ** (i + 2) * minute);
        expect(ms).toBeLessThanOrEqual(2 ** (i + 2) * minute + 25);
      });
    }
    expect(result.ok).toBe(true);
  });

  it('feature-flags: reads its retries from FLAG_CHANGE_MAX_RETRIES, 0 to 10, and refuses anything else by name', () => {
    expect(maxRetriesFromEnv({})).toBe(3);
    expect(maxRetriesFromEnv({ FLAG_CHANGE_MAX_RETRIES: '0' })).toBe(0);
    expect(maxRetriesFromEnv({ FLAG_CHANGE_MAX_RETRIES: '10' })).toBe(10);
    for (const bad of ['11', '-1', '2.5', 'ten']) {
      expect(() => maxRetriesFromEnv({ FLAG_CHANGE_MAX_RETRIES: bad })).toThrow(`FLAG_CHANGE_MAX_RETRIES must be a whole number from 0 to 10, got "${bad}"`);
    }
  });

  it('event-retry: per-event retries and priorities, a stale attempt taken again, dead events cleaned up, job stats, listings and alerts', async () => {
    const { result, record, client, taskQueue } = await run(eventRetry);
    const ids = result.jobIds;

    expect(await record(ids['1001'])).toMatchObject({ status: JobStatus.Succeeded, attempts: 1 });
    const payment = await record(ids['1002']);
    expect(payment).toMatchObject({ status: JobStatus.Succeeded, attempts: 3, retry: { maximumAttempts: 4, initialIntervalMs: 200, backoffCoefficient: 3, jitter: { ratio: 0 } } });
    expect(failedAttempts(payment).map((a) => [a.errorType, a.nextDelayMs])).toEqual([
      ['GatewayTimeoutError', 200],
      ['GatewayTimeoutError', 600],
    ]);
    const webhook = await record(ids['1003']);
    expect(webhook).toMatchObject({ status: JobStatus.Succeeded, attempts: 2 });
    expect(webhook.attemptHistory[0].outcome).toBe('Lost');
    const broken = await record(ids['1004']);
    expect(broken).toMatchObject({ status: JobStatus.Expired, attempts: 2, errorType: 'WebhookFailedError', retry: { maximumAttempts: 2 } });
    expect(broken.timeline.map((e) => e.event)).toEqual(['Submitted', 'DeadLettered', 'Expired']);

    const priorities = await Promise.all(['1001', '1002', '1003', '1004'].map(async (n) => (await client.workflow.getHandle(`job-${ids[n]}`).describe()).priority?.priorityKey));
    expect(priorities).toEqual([1, 3, 5, 2]);

    const admin = createAdmin({ client, taskQueue });
    const stats = await eventually(async () => {
      const s = await admin.stats();
      return s.byType['event.webhook-deliver']?.expired === 1 && s;
    }, 'the expiry counted');
    expect(stats.byType['event.webhook-deliver']).toMatchObject({ deadNow: 0, deadLettered: 1, expired: 1 });
    expect(stats.firing).toEqual([]);

    // Every job's stats, as the example's stats view read them: per type and status, with retries.
    const jobStats = await eventually(async () => {
      const s = await admin.jobStats();
      return s.byType['event.webhook-deliver']?.expired === 1 && s;
    }, 'the expiry in the job stats');
    expect(jobStats.byType['event.order-created']).toMatchObject({ total: 1, succeeded: 1, retried: 0, successRate: 1, retryRate: 0 });
    expect(jobStats.byType['event.payment-captured']).toMatchObject({ total: 1, succeeded: 1, retried: 1, successRate: 1, retryRate: 1 });
    expect(jobStats.byType['event.webhook-deliver']).toMatchObject({ total: 2, succeeded: 1, deadLettered: 0, expired: 1, retried: 2, successRate: 0.5 });
    const listed = await admin.listJobs({ status: JobStatus.Expired });
    expect(listed.items.map((j) => [j.jobId, j.errorType])).toEqual([[ids['1004'], 'WebhookFailedError']]);
    expect(result.ok).toBe(true);
  });

  it('event-retry: maps table priorities 1-10 (10 first) onto the server\'s 1-5 (1 first), and refuses others', () => {
    expect([10, 9, 8, 7, 6, 5, 4, 3, 2, 1].map(serverPriority)).toEqual([1, 1, 2, 2, 3, 3, 4, 4, 5, 5]);
    for (const bad of [0, 11, 2.5]) expect(() => serverPriority(bad)).toThrow(`from 1 to 10, got ${bad}`);
  });

  describe('run as a program', () => {
    const root = path.join(__dirname, '..', '..');
    /** Runs an example file with tsx, as its documentation says; resolves with its exit code and output. */
    function program(file: string, env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
      return new Promise((resolve) => {
        execFile(path.join(root, 'node_modules', '.bin', 'tsx'), [path.join(root, file)], { cwd: root, env: { ...process.env, TEMPORAL_ADDRESS: address(), ...env } }, (err, stdout, stderr) => {
          resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
        });
      });
    }

    it('exits 0 when the system behaved as it should', async () => {
      const { code, stdout } = await program('examples/feature-flags.ts', { FLAG_CHANGE_MAX_RETRIES: '1' });
      expect(stdout).toContain('1 retries (FLAG_CHANGE_MAX_RETRIES)');
      expect(stdout).not.toContain('FAIL');
      expect(code).toBe(0);
    });

    it('import-flow exits 0 once its outbox was forwarded, and leaves no outbox directory behind', async () => {
      const { code, stdout, stderr } = await program('examples/import-flow.ts', {});
      expect(stdout, stderr).not.toContain('FAIL');
      const dir = /wait in the outbox \((.+)\)/.exec(stdout)?.[1];
      expect(dir).toBeTruthy();
      expect(existsSync(dir!)).toBe(false);
      expect(code).toBe(0);
    });

    it('exits 1, saying why, when it cannot run', async () => {
      const { code, stderr } = await program('examples/feature-flags.ts', { FLAG_CHANGE_MAX_RETRIES: 'many' });
      expect(stderr).toContain('FLAG_CHANGE_MAX_RETRIES must be a whole number from 0 to 10, got "many"');
      expect(code).toBe(1);
    });
  });
});
