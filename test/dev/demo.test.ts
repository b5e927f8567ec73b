import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleJobs } from '../../examples/jobs';
import { renderTable } from '../../src/cli/format';
import { runDemo } from '../../src/dev';
import { JobStatus } from '../../src/contract';
import { testEnv, type TestEnv } from '../helpers';

describe('runDemo', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker(exampleJobs);
  });
  afterAll(() => env.close());

  it('shows jobs succeeding at once, succeeding after retries and dead-lettering, then how to operate the dead ones', async () => {
    const lines: string[] = [];
    const summary = await runDemo({
      client: env.client,
      jobs: exampleJobs,
      renderTable,
      taskQueue: env.config.taskQueue,
      address: env.config.address,
      uiUrl: 'http://127.0.0.1:8233',
      command: 'npx rebound',
      print: (text) => lines.push(text),
    });
    const output = lines.join('\n');

    expect(summary.succeeded).toBe(4);
    expect(summary.deadLettered).toBe(2);
    const byScenario = Object.fromEntries(summary.jobs.map((j) => [j.scenario, [j.status, j.attempts]]));
    expect(byScenario).toEqual({
      'succeeds at once': [JobStatus.Succeeded, 1],
      'fails once, then succeeds': [JobStatus.Succeeded, 2],
      'fails twice, then succeeds': [JobStatus.Succeeded, 3],
      'fails every attempt: dead-lettered': [JobStatus.DeadLettered, 4],
      'permanent error: dead-lettered at once': [JobStatus.DeadLettered, 1],
    });
    for (const job of summary.jobs) expect((await env.jobs(exampleJobs).status(job.jobId)).status).toBe(job.status);

    const dead = summary.jobs.find((j) => j.status === JobStatus.DeadLettered)!;
    expect(output).toContain(`npx rebound dlq retry ${dead.jobId}`);
    expect(output).toContain(`--address ${env.config.address}`);
    expect(output).toContain(`temporal workflow signal --workflow-id ${dead.workflowId} --name retry`);
    expect(summary.workflowsUrl).toBe('http://127.0.0.1:8233/namespaces/default/workflows');
    expect(output).toContain('Web UI: http://127.0.0.1:8233/namespaces/default/workflows');
  });
});
