/**
 * The example programs, each rebuilding a production retry system on rebound, run against the
 * real dev server. Each is judged by rebound's own records of the jobs it submitted (statuses,
 * attempts, errors, delays, rounds), read here with a client of the test's own, not by what the
 * program prints or says of itself.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { JobStatus, readJob, type JobRecord } from '../../src';
import { main as imageProcessing } from '../../examples/image-processing';
import { main as importFlow } from '../../examples/import-flow';
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
  const env = await testEnv(taskQueue);
  await env.startWorker([]);
  readers.push(env);
  return { result, printed: printed.join('\n'), taskQueue, client: env.client, record: (jobId: string): Promise<JobRecord> => readJob(env.client, jobId) };
}
const readers: TestEnv[] = [];
afterAll(() => Promise.all(readers.map((env) => env.close())));

const failedAttempts = (r: JobRecord, round = r.round) => r.attemptHistory.filter((a) => a.round === round && a.outcome !== 'Succeeded');

describe('the example programs', () => {
  it('image-processing: retried every 5 minutes at most 3 times, then dead; retry-all revives it; one job id runs once', async () => {
    const { result, record } = await run(imageProcessing);
    const { cat, dog, bird } = result.jobIds;

    const catJob = await record(cat);
    expect(catJob).toMatchObject({ status: JobStatus.Succeeded, attempts: 1, round: 1, totalAttempts: 1 });

    const dogJob = await record(dog);
    expect(dogJob).toMatchObject({ status: JobStatus.Succeeded, attempts: 3, round: 1 });
    expect(failedAttempts(dogJob).map((a) => [a.errorType, a.nextDelayMs])).toEqual([
      ['StorageUnavailableError', 500],
      ['StorageUnavailableError', 500],
    ]);

    const birdJob = await record(bird);
    expect(birdJob).toMatchObject({ status: JobStatus.Succeeded, round: 2, attempts: 1, totalAttempts: 5 });
    expect(failedAttempts(birdJob, 1).map((a) => a.errorType)).toEqual(Array(4).fill('StorageUnavailableError'));
    expect(birdJob.timeline.map((e) => e.event)).toEqual(['Submitted', 'DeadLettered', 'Retried', 'Succeeded']);
    expect(result.ok).toBe(true);
  });

  it('import-flow: an import whose queue went away mid-way is retried, every item queued once, the corrupt one dead at once', async () => {
    const { result, record, taskQueue, client } = await run(importFlow);
    const { import: importId, item1, item2, item3, item4, item5 } = result.jobIds;

    const importJob = await record(importId);
    expect(importJob).toMatchObject({ status: JobStatus.Succeeded, attempts: 2, result: { items: 5, queuedNow: 3 } });
    expect(importJob.attemptHistory[0]).toMatchObject({ outcome: 'Failed', errorType: 'ServerUnreachableError' });

    for (const id of [item1, item4, item5]) expect(await record(id)).toMatchObject({ status: JobStatus.Succeeded, attempts: 1 });
    const slow = await record(item2);
    expect(slow).toMatchObject({ status: JobStatus.Succeeded, attempts: 2 });
    expect(slow.attemptHistory[0].errorType).toBe('ImageTimeoutError');
    const corrupt = await record(item3);
    expect(corrupt).toMatchObject({ status: JobStatus.DeadLettered, attempts: 1, errorType: 'CorruptImage' });
    expect(corrupt.attemptHistory[0].nonRetryable).toBe(true);

    // Five image jobs on the queue, no more: none lost, none queued twice.
    await eventually(async () => (await client.workflow.count(`TaskQueue = "${taskQueue}" AND JobType = "import.image"`)).count === 5, 'five image jobs listed');
    expect(result.ok).toBe(true);
  });
});
