/**
 * The built `rebound` CLI, run as a subprocess the way scripts run it (`npm run build` first):
 * exit codes, the JSON it prints, and that refused submits start nothing.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleJobs } from '../../examples/jobs';
import { jobWorkflowId } from '../../src/contract';
import { testEnv, unique, type TestEnv } from '../helpers';
import { json, rebound, reboundOn, requireBuiltCli, startRebound as start } from '../fixtures/rebound-cli';

beforeAll(() => {
  requireBuiltCli();
});

describe('rebound submit and status', () => {
  let env: TestEnv;
  /** `rebound` against the test server, on this file's task queue. */
  const cli = (...args: string[]) => reboundOn(env.config, ...args);
  const expectNotStarted = async (jobId: string) => {
    await expect(env.client.workflow.getHandle(jobWorkflowId(jobId)).describe()).rejects.toMatchObject({ name: 'WorkflowNotFoundError' });
  };

  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker(exampleJobs);
  });
  afterAll(() => env?.close());

  it('submit --wait --json reports a job that succeeds at once: Succeeded after 1 attempt', async () => {
    const jobId = unique('cli-ok');
    const run = await cli('submit', 'example.send-email', '--payload', '{"to":"ada@example.com"}', '--id', jobId, '--wait', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(json(run)).toMatchObject({
      jobId,
      workflowId: jobWorkflowId(jobId),
      runId: expect.any(String),
      created: true,
      status: 'Succeeded',
      attempts: 1,
      result: { ok: true, attempt: 1 },
    });
  });

  it('submit --wait --json reports a job that fails once as Succeeded after 2 attempts', async () => {
    const run = await cli('submit', 'example.resize-image', '--payload', '{"failTimes":1}', '--initial-interval', '100ms', '--wait', '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(json(run)).toMatchObject({ status: 'Succeeded', attempts: 2, result: { ok: true, attempt: 2 } });
  });

  it('submit --wait --json of a permanent failure reports DeadLettered after 1 attempt, and exits 0', async () => {
    const run = await cli('submit', 'example.send-email', '--payload', '{"permanent":true}', '--wait', '--json');
    expect(run.code, run.stderr).toBe(0);
    const doc = json(run);
    expect(doc).toMatchObject({ status: 'DeadLettered', attempts: 1, error: { type: 'ValidationError', message: expect.any(String) } });
    expect(doc).not.toHaveProperty('result');
  });

  it('submit --json without --wait prints the ids at once', async () => {
    const jobId = unique('cli-nowait');
    const run = await cli('submit', 'example.send-email', '--id', jobId, '--json');
    expect(run.code, run.stderr).toBe(0);
    expect(json(run)).toEqual({ jobId, workflowId: jobWorkflowId(jobId), runId: expect.any(String), created: true });
  });

  it('status --json shows a dead job with its error and one history entry per attempt', async () => {
    const jobId = unique('cli-dead');
    const submitted = await cli(
      'submit', 'example.send-email', '--id', jobId, '--payload', '{"failTimes":10}',
      '--max-attempts', '3', '--initial-interval', '50ms', '--max-interval', '200ms', '--wait', '--json',
    );
    expect(json(submitted)).toMatchObject({ status: 'DeadLettered', attempts: 3, error: { type: 'TimeoutError' } });

    const run = await cli('status', jobId, '--json');
    expect(run.code, run.stderr).toBe(0);
    const doc = json(run);
    expect(doc).toMatchObject({
      jobId,
      workflowId: jobWorkflowId(jobId),
      type: 'example.send-email',
      status: 'DeadLettered',
      attempts: 3,
      payload: { failTimes: 10 },
      errorType: 'TimeoutError',
      message: expect.stringMatching(/^timeout after/),
      deadLetteredAt: expect.any(String),
    });
    expect(doc.attemptHistory).toHaveLength(3);
    doc.attemptHistory.forEach((entry: any, i: number) => {
      expect(entry).toMatchObject({ attempt: i + 1, errorType: 'TimeoutError', message: expect.any(String), time: expect.any(String) });
    });
  });

  it('status without --json prints the key facts and the attempt history as a table', async () => {
    const jobId = unique('cli-human');
    await cli('submit', 'example.resize-image', '--id', jobId, '--payload', '{"permanent":true}', '--wait');
    const run = await cli('status', jobId);
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/Status\s+DeadLettered/);
    expect(run.stdout).toMatch(/Attempt history/);
    expect(run.stdout).toMatch(/│ 1\s+│ 1\s+│ Failed\s+│ ValidationError/);
    expect(run.stdout).toContain(`rebound dlq retry ${jobId}`);
  });

  it('refuses an unknown job type with exit 1, naming the type, and starts nothing', async () => {
    const jobId = unique('cli-unknown');
    const run = await cli('submit', 'example.no-such-type', '--id', jobId);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('example.no-such-type');
    await expectNotStarted(jobId);
  });

  it('refuses a payload the schema rejects with exit 1, and starts nothing', async () => {
    const jobId = unique('cli-invalid');
    const run = await cli('submit', 'example.send-email', '--id', jobId, '--payload', '{"failTimes":"often"}');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('failTimes');
    await expectNotStarted(jobId);
  });

  it('refuses a payload that is not JSON as a usage error (exit 2), naming the option', async () => {
    const jobId = unique('cli-badjson');
    const run = await cli('submit', 'example.send-email', '--id', jobId, '--payload', '{not json');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--payload');
    await expectNotStarted(jobId);
  });

  it('refuses --max-attempts 0 with a message naming maximumAttempts, and starts nothing', async () => {
    const jobId = unique('cli-zero');
    const run = await cli('submit', 'example.send-email', '--id', jobId, '--max-attempts', '0');
    expect([1, 2]).toContain(run.code);
    expect(run.stderr).toContain('maximumAttempts');
    await expectNotStarted(jobId);
  });

  it('refuses a --max-attempts that is not a number as a usage error (exit 2)', async () => {
    const run = await cli('submit', 'example.send-email', '--max-attempts', 'many');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--max-attempts');
    expect(run.stderr).toContain('Expected a whole number, or unlimited.');
  });

  it('takes --max-attempts unlimited', async () => {
    const run = await cli('submit', 'example.send-email', '--payload', '{"failTimes":1}', '--max-attempts', 'unlimited', '--initial-interval', '50ms', '--wait', '--json');
    expect(run.code, run.stderr).toBe(0);
    const doc = JSON.parse(run.stdout);
    expect(doc).toMatchObject({ status: 'Succeeded', attempts: 2 });
    const status = JSON.parse((await cli('status', doc.jobId, '--json')).stdout);
    // Temporal's own spelling of unlimited.
    expect(status.retry.maximumAttempts).toBe(0);
  });

  it('answers an unknown command or option with exit 2', async () => {
    expect((await cli('frobnicate')).code).toBe(2);
    expect((await cli('status', 'x', '--colour')).code).toBe(2);
  });

  it('status of an unknown id exits 1, naming the id', async () => {
    const jobId = unique('cli-nobody');
    const run = await cli('status', jobId);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(jobId);
  });

  it('an unreachable server exits 1, naming the address', async () => {
    const run = await rebound('status', 'anything', '--address', '127.0.0.1:1');
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('127.0.0.1:1');
  });
});

describe('rebound worker', () => {
  let env: TestEnv;
  let worker: ReturnType<typeof start> | undefined;
  beforeAll(async () => {
    env = await testEnv();
  });
  afterAll(async () => {
    if (worker && worker.exitCode === null) worker.kill('SIGKILL');
    await env?.close();
  });

  it('runs the example jobs named with --jobs until SIGTERM, then stops with exit 0', async () => {
    const flags = ['--jobs', 'rebound/examples', '--address', env.config.address, '--task-queue', env.config.taskQueue];
    worker = start(['worker', ...flags]);

    const run = await rebound('submit', 'example.resize-image', '--payload', '{"failTimes":1}', '--initial-interval', '100ms', '--wait', '--json', ...flags);
    expect(run.code, run.stderr).toBe(0);
    expect(json(run)).toMatchObject({ status: 'Succeeded', attempts: 2 });
    expect(worker.exitCode, worker.output().stderr).toBeNull();

    worker.kill('SIGTERM');
    const ended = await worker.exited;
    expect(ended.code, ended.stderr).toBe(0);
  });
});
