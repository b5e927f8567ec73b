/**
 * `rebound worker` stopped with SIGTERM while attempts run: it takes no new work, lets running
 * attempts finish within `--shutdown-grace`, cancels those that would not, and exits 0; the next
 * worker finishes every job, none run twice for nothing, none lost.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { JobStatus } from '../../src/contract';
import { long } from '../fixtures/fault-jobs';
import { alive, expectAllAccounted, settledRecord, startWorkerProcess, stopProcess, type Expected } from '../fixtures/fault-harness';
import { requireBuiltCli, type Started } from '../fixtures/rebound-cli';
import { eventually, testEnv, unique, type TestEnv } from '../helpers';

describe('the fault suite: SIGTERM during long attempts', () => {
  const envs: TestEnv[] = [];
  const workers: Started[] = [];
  let dir: string;
  beforeAll(() => {
    requireBuiltCli();
    dir = mkdtempSync(path.join(os.tmpdir(), 'rebound-shutdown-'));
  });
  afterAll(async () => {
    await Promise.all(workers.map((w) => stopProcess(w)));
    await Promise.all(envs.map((e) => e.close()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const marker = (jobId: string, run: number, what: 'started' | 'done') => path.join(dir, `${jobId}.${run}.${what}`);

  async function setup(graceArgs: string[]) {
    const env = await testEnv();
    envs.push(env);
    const worker = await startWorkerProcess(env.config.address, env.config.taskQueue, graceArgs);
    workers.push(worker);
    return { env, worker, jobs: env.jobs([long]) };
  }

  it('lets running attempts (8 s, longer than the 5 s it once allowed) finish within the grace time, takes no new job meanwhile, and exits 0', async () => {
    const { env, worker, jobs } = await setup(['--shutdown-grace', '60s']);
    const ids = Array.from({ length: 4 }, () => unique('long'));
    await Promise.all(ids.map((jobId) => jobs.submit('fault.long', { markerDir: dir, sleepMs: 8_000 }, { jobId })));
    await eventually(async () => ids.every((id) => existsSync(marker(id, 1, 'started'))), 'every first attempt to start', 60_000);

    worker.kill('SIGTERM');
    const late = unique('late');
    await jobs.submit('fault.long', { markerDir: dir, sleepMs: 0 }, { jobId: late });
    const stopped = await worker.exited;
    expect(stopped.code, stopped.stderr.slice(-2_000)).toBe(0);
    // Each running attempt finished on the stopping worker; the job submitted after SIGTERM did not start there.
    for (const id of ids) expect(existsSync(marker(id, 1, 'done')), id).toBe(true);
    expect(readdirSync(dir).filter((f) => f.startsWith(late))).toEqual([]);

    workers.push(await startWorkerProcess(env.config.address, env.config.taskQueue));
    const expected: Expected = new Map([...ids, late].map((id) => [id, JobStatus.Succeeded]));
    for (const id of [...ids, late]) {
      const record = await settledRecord(jobs.getHandle(id));
      expect(record).toMatchObject({ status: JobStatus.Succeeded, result: { run: 1 }, totalAttempts: 1 });
    }
    // No attempt ran twice: each job has the one run.
    for (const id of ids) expect(existsSync(marker(id, 2, 'started')), id).toBe(false);
    await expectAllAccounted(env, expected);
  }, 300_000);

  it('cancels attempts still running when the grace time ends, exits 0, and the next worker runs them without using up an attempt', async () => {
    const { env, worker, jobs } = await setup(['--shutdown-grace', '1s']);
    const ids = Array.from({ length: 3 }, () => unique('cut'));
    // One attempt allowed: the attempt cut short by the shutdown must not use it up.
    await Promise.all(ids.map((jobId) => jobs.submit('fault.long', { markerDir: dir, sleepMs: 10 * 60_000 }, { jobId })));
    await eventually(async () => ids.every((id) => existsSync(marker(id, 1, 'started'))), 'every first attempt to start', 60_000);

    worker.kill('SIGTERM');
    const stopped = await worker.exited;
    expect(stopped.code, stopped.stderr.slice(-2_000)).toBe(0);
    expect(alive(worker)).toBe(false);
    for (const id of ids) expect(existsSync(marker(id, 1, 'done')), id).toBe(false);

    workers.push(await startWorkerProcess(env.config.address, env.config.taskQueue));
    for (const id of ids) {
      const record = await settledRecord(jobs.getHandle(id));
      expect(record).toMatchObject({ status: JobStatus.Succeeded, result: { run: 2 }, totalAttempts: 1 });
    }
    await expectAllAccounted(env, new Map(ids.map((id) => [id, JobStatus.Succeeded])));
  }, 300_000);
});
