/**
 * The CLI's links into the Temporal Web UI: to a job's page from `status` and `dlq show`, to the
 * list of dead jobs from `dlq list`, when it knows where the UI is.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadJobType } from '../fixtures/dead-jobs';
import { rebound, reboundWithEnv, requireBuiltCli } from '../fixtures/rebound-cli';
import { eventually, testEnv, unique, type TestEnv } from '../helpers';

describe('links to the Web UI', () => {
  const type = unique('ui-link');
  const defs = [deadJobType(type)];
  let env: TestEnv;
  let jobId: string;
  const ui = 'http://ui.example:8080';
  const flags = () => ['--address', env.config.address, '--task-queue', env.config.taskQueue];
  beforeAll(async () => {
    requireBuiltCli();
    env = await testEnv();
    await env.startWorker(defs);
    const handle = await env.jobs(defs).submit(type, {}, { jobId: unique('linked') });
    await handle.settled();
    jobId = handle.jobId;
  });
  afterAll(() => env.close());

  it('status and dlq show link to the job page', async () => {
    for (const command of [['status', jobId], ['dlq', 'show', jobId]]) {
      const run = await reboundWithEnv({ REBOUND_UI_URL: `${ui}/` }, ...command, ...flags());
      expect(run.code, run.stderr).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`Web UI +${ui}/namespaces/default/workflows/job-${jobId}\\n`));
    }
  });

  it('dlq list links to the list of the dead jobs of its task queue', async () => {
    const run = await eventually(async () => {
      const r = await reboundWithEnv({ REBOUND_UI_URL: ui }, 'dlq', 'list', ...flags());
      return r.stdout.includes(jobId) ? r : undefined;
    }, 'the job to be listed');
    const query = encodeURIComponent(`WorkflowType="jobWorkflow" AND JobStatus="DeadLettered" AND TaskQueue="${env.config.taskQueue}"`);
    expect(run.stdout).toContain(`In the Web UI: ${ui}/namespaces/default/workflows?query=${query}`);
  });

  it('prints no link when it cannot know where the UI is', async () => {
    const run = await rebound('status', jobId, ...flags());
    expect(run.stdout).not.toContain('Web UI');
  });
});
