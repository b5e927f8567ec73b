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
  it('write each operator action of the audit log as a line of its own', async () => {
    requireBuiltCli();
    const connection = ['--address', address(), '--task-queue', unique('cli-audit-logs'), '--jobs', 'rebound/examples'];
    const worker = startRebound(['worker', ...connection], { LOG_LEVEL: 'info' });
    try {
      await eventually(async () => worker.output().stderr.includes('worker running'), 'the worker to run', 60_000);
      const jobId = unique('audited');
      expect(json(await rebound('submit', 'example.send-email', '--id', jobId, '--payload', '{"permanent":true}', '--wait', '--json', ...connection))).toMatchObject({ status: 'DeadLettered' });
      expect((await rebound('dlq', 'cancel', jobId, '--as', 'nina', '--reason', 'customer left', ...connection)).code).toBe(0);
      const line = await eventually(async () => {
        return worker
          .output()
          .stderr.split('\n')
          .filter((l) => l.includes('operator action'))
          .map((l) => JSON.parse(l))
          .find((l) => l.audit?.jobId === jobId);
      }, 'the cancel in the worker log');
      expect(line.audit).toMatchObject({ action: 'cancel', actor: 'nina', reason: 'customer left', jobId, type: 'example.send-email' });
      expect(line.level).toBe(30);
    } finally {
      worker.kill('SIGKILL');
    }
  });

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
