/**
 * The worker that runs a bulk retry (and the dead-letter queue) SIGKILLed mid-operation: once a
 * worker is back, the operation finishes, every selected job retried exactly once, none skipped
 * or failed, and the counters count each retry once.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { createAdmin } from '../../src/admin';
import { JobStatus } from '../../src/contract';
import { untilRetried } from '../fixtures/fault-jobs';
import { expectAllAccounted, fullSize, settledRecord, startWorkerProcess, stopProcess, type Expected } from '../fixtures/fault-harness';
import { requireBuiltCli, type Started } from '../fixtures/rebound-cli';
import { eventually, testEnv, unique, type TestEnv } from '../helpers';

const size = fullSize ? { jobs: 200, rate: 10, kills: 3 } : { jobs: 24, rate: 4, kills: 1 };
const timeout = fullSize ? 1_800_000 : 600_000;

describe('the fault suite: a bulk retry whose worker is killed', () => {
  let env: TestEnv;
  const workers: Started[] = [];
  afterAll(async () => {
    await Promise.all(workers.map((w) => stopProcess(w)));
    await env?.close();
  });

  it(`retries each of ${size.jobs} dead jobs exactly once though its worker is SIGKILLed ${size.kills} time(s)`, async () => {
    requireBuiltCli();
    env = await testEnv();
    const start = async () => {
      const worker = await startWorkerProcess(env.config.address, env.config.taskQueue);
      workers.push(worker);
      return worker;
    };
    let worker = await start();
    const jobs = env.jobs([untilRetried]);
    const handles = await Promise.all(Array.from({ length: size.jobs }, () => jobs.submit('fault.until-retried', {}, { jobId: unique('bulk') })));
    const admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue });
    await eventually(async () => (await admin.list({}, { limit: 1_000 })).items.length === size.jobs, 'every job dead and listed', 300_000);

    const { matched, operation } = await admin.retryAll({ type: 'fault.until-retried' }, { rate: size.rate, reason: 'fault suite' });
    expect(matched).toBe(size.jobs);
    for (let kill = 1; kill <= size.kills; kill++) {
      const target = Math.floor((size.jobs * kill) / (size.kills + 1));
      await eventually(async () => (await operation!.progress()).done >= target, `${target} jobs retried`, 300_000);
      await stopProcess(worker, 'SIGKILL');
      worker = await start();
    }
    const result = await operation!.result();

    // Each job retried exactly once: in its second round, and counted once as retried.
    const expected: Expected = new Map(handles.map((h) => [h.jobId, JobStatus.Succeeded]));
    const rounds: [string, number][] = [];
    // A few at a time: each read replays the job on a worker that just started.
    for (let i = 0; i < handles.length; i += 10) {
      const part = await Promise.all(
        handles.slice(i, i + 10).map(async (h) => {
          return [h.jobId, (await settledRecord(h)).round] as [string, number];
        }),
      );
      rounds.push(...part);
    }
    expect(rounds.filter(([, round]) => round !== 2)).toEqual([]);
    await expectAllAccounted(env, expected, { deadLettered: size.jobs, retried: size.jobs });
    // And the operation says so: a job its lost attempt retried is done, not skipped.
    expect(result).toMatchObject({ state: 'Completed', matched: size.jobs, done: size.jobs, skipped: 0, failed: 0, remaining: 0 });
  }, timeout);
});
