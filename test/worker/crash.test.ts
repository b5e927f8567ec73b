import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { JobHandle, SubmitOptions } from '../../src/client';
import { JobStatus } from '../../src/contract';
import { crashJob } from '../fixtures/crash-jobs';
import { address, eventually, testEnv, unique, type TestEnv } from '../helpers';

const root = path.join(__dirname, '..', '..');

/** Starts test/fixtures/worker-process.ts in a child process on `taskQueue`. */
function startChildWorker(taskQueue: string): { child: ChildProcess; output: () => string } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(__dirname, '..', 'fixtures', 'worker-process.ts')], {
    cwd: root,
    env: { ...process.env, REBOUND_TEST_ADDRESS: address(), REBOUND_TEST_TASK_QUEUE: taskQueue },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-4_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  return { child, output: () => output };
}

const alive = (child: ChildProcess) => child.exitCode === null && child.signalCode === null;

describe('a worker that dies mid-attempt', () => {
  const envs: TestEnv[] = [];
  const children: ChildProcess[] = [];
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'rebound-crash-'));
  });
  afterAll(async () => {
    for (const child of children) if (alive(child)) child.kill('SIGKILL');
    await Promise.all(envs.map((env) => env.close()));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Submits a crash job on a fresh task queue served only by a child worker, waits until the
   * child runs attempt 1, kills the child with SIGKILL, then starts a worker in this process.
   */
  async function jobWhoseWorkerDied(options: SubmitOptions = {}): Promise<JobHandle> {
    const env = await testEnv();
    envs.push(env);
    const { child, output } = startChildWorker(env.config.taskQueue);
    children.push(child);
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));

    const markerFile = path.join(dir, `${unique('marker')}.json`);
    const handle = await env.jobs([crashJob]).submit('test.crash', { markerFile }, { jobId: unique('crash'), ...options });
    await eventually(async () => {
      if (!alive(child)) throw new Error(`the child worker exited early:\n${output()}`);
      return existsSync(markerFile) && readFileSync(markerFile, 'utf8').length > 0;
    }, 'attempt 1 to start in the child worker', 60_000);
    expect(JSON.parse(readFileSync(markerFile, 'utf8'))).toEqual({ pid: child.pid, attempt: 1 });

    child.kill('SIGKILL');
    expect(await exited).toBe('SIGKILL');
    // No worker answers queries now; the server's description says the job is still open.
    expect((await env.client.workflow.getHandle(handle.workflowId).describe()).status.name).toBe('RUNNING');

    await env.startWorker([crashJob]);
    return handle;
  }

  it('loses its attempt, and the job finishes on the next worker with the lost attempt in its history', async () => {
    const handle = await jobWhoseWorkerDied();
    const record = await handle.settled();

    expect(record.status).toBe(JobStatus.Succeeded);
    expect(record.result).toEqual({ attempt: 2, pid: process.pid });
    expect(record.totalAttempts).toBe(2);
    expect(record.attemptHistory.map((a) => [a.round, a.attempt, a.outcome])).toEqual([
      [1, 1, 'Lost'],
      [1, 2, 'Succeeded'],
    ]);
    const [lost] = record.attemptHistory;
    expect(lost.errorType).toBe('AttemptLost');
    expect(lost.endedAt).toBeUndefined();
  });

  it('dead-letters the job with the lost attempt as its error when that was its last attempt', async () => {
    const handle = await jobWhoseWorkerDied({ retry: { maximumAttempts: 1 } });
    const record = await handle.settled();

    expect(record.status).toBe(JobStatus.DeadLettered);
    expect(record.totalAttempts).toBe(1);
    expect(record.attemptHistory.map((a) => [a.round, a.attempt, a.outcome])).toEqual([[1, 1, 'Lost']]);
    // The attempt after the lost one finds no attempts left and says what became of the last.
    expect(record.errorType).toBe('AttemptLost');
    expect(record.timeline.at(-1)?.event).toBe('DeadLettered');
  });
});
