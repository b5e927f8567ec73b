/**
 * `rebound worker` logs no job data, at any level, unless `--log-payloads` asks for it.
 */
import { describe, expect, it } from 'vitest';
import { address, eventually, unique } from '../helpers';
import { json, rebound, requireBuiltCli, startRebound } from '../fixtures/rebound-cli';

/** Runs a worker at `LOG_LEVEL=trace` while one job fails once and succeeds; returns its stderr. */
async function workerLogs(marker: string, ...flags: string[]): Promise<{ stderr: string; jobId: string }> {
  requireBuiltCli();
  const connection = ['--address', address(), '--task-queue', unique('cli-logs'), '--jobs', 'rebound/examples'];
  const worker = startRebound(['worker', ...connection, ...flags], { LOG_LEVEL: 'trace' });
  try {
    await eventually(async () => worker.output().stderr.includes('worker running'), 'the worker to run', 60_000);
    const jobId = unique('secret');
    const payload = JSON.stringify({ failTimes: 1, apiKey: marker });
    expect(json(await rebound('submit', 'example.send-email', '--id', jobId, '--payload', payload, '--wait', '--json', ...connection))).toMatchObject({ status: 'Succeeded' });
    await eventually(async () => worker.output().stderr.includes('attempt succeeded'), 'the success to be logged');
    worker.kill('SIGTERM');
    return { stderr: (await worker.exited).stderr, jobId };
  } finally {
    if (worker.exitCode === null) worker.kill('SIGKILL');
  }
}

describe('rebound worker logs', () => {
  it('hold no payload of a job by default, even at trace level', async () => {
    const marker = 'sk-cli-default-42X';
    const { stderr, jobId } = await workerLogs(marker);
    expect(stderr).toContain(jobId);
    expect(stderr).toContain('attempt failed, will retry');
    expect(stderr).not.toContain(marker);
  });

  it('hold the payload with --log-payloads', async () => {
    const marker = 'sk-cli-asked-17Z';
    const { stderr } = await workerLogs(marker, '--log-payloads');
    expect(stderr).toContain(marker);
  });
});
