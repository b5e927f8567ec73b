/**
 * Where `rebound submit` and `rebound dlq retry` take a payload from: `--payload <json>`,
 * `--payload -` (stdin) or `--payload-file <file>`, exactly one of them; `null` and two sources
 * are usage errors that start and change nothing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleJobs } from '../../examples/jobs';
import { main } from '../../src/cli';
import { JobStatus, jobWorkflowId } from '../../src/contract';
import { testEnv, unique, type TestEnv } from '../helpers';

describe('payload options of submit and dlq retry', () => {
  let env: TestEnv;
  let dir: string;

  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker(exampleJobs);
    dir = mkdtempSync(path.join(os.tmpdir(), 'rebound-payload-'));
  });
  afterAll(async () => {
    await env?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** `rebound ...args` in this process, on the test's task queue, with `stdin` as its input. */
  async function cli(args: string[], stdin = ''): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, stdin: Readable.from([Buffer.from(stdin)]) };
    const code = await main(['node', 'rebound', ...args, '--jobs', 'rebound/examples', '--address', env.config.address, '--task-queue', env.config.taskQueue], io);
    return { code, stdout, stderr };
  }

  const file = (name: string, text: string) => {
    const at = path.join(dir, name);
    writeFileSync(at, text);
    return at;
  };

  const notStarted = async (jobId: string) => {
    await expect(env.client.workflow.getHandle(jobWorkflowId(jobId)).describe()).rejects.toMatchObject({ name: 'WorkflowNotFoundError' });
  };

  it('submit --payload-file sends the JSON in the file, as large as a command line cannot carry', async () => {
    const jobId = unique('from-file');
    const note = 'x'.repeat(200 * 1024);
    const run = await cli(['submit', 'example.send-email', '--id', jobId, '--payload-file', file('big.json', JSON.stringify({ to: 'ada@example.com', note })), '--wait', '--json']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ jobId, status: JobStatus.Succeeded });
    expect((await env.jobs(exampleJobs).status(jobId)).payload).toEqual({ to: 'ada@example.com', note });
  });

  it('submit --payload - reads the payload from stdin', async () => {
    const jobId = unique('from-stdin');
    const run = await cli(['submit', 'example.resize-image', '--id', jobId, '--payload', '-', '--wait', '--json'], '{"image":"cat.png"}\n');
    expect(run.code, run.stderr).toBe(0);
    expect((await env.jobs(exampleJobs).status(jobId)).payload).toEqual({ image: 'cat.png' });
  });

  it.each([
    ['two sources', ['--payload', '{}', '--payload-file', '/dev/null'], 'give the payload once'],
    ['JSON null', ['--payload', 'null'], '--payload: the payload is JSON null'],
    ['JSON null from a file', ['--payload-file', 'null.json'], 'the payload is JSON null'],
    ['a file that is not there', ['--payload-file', '/no/such/file.json'], '--payload-file /no/such/file.json: cannot read the file (ENOENT)'],
    ['an empty stdin', ['--payload', '-'], '--payload - (stdin): not valid JSON'],
  ])('submit refuses %s as a usage error naming the payload, and starts nothing', async (_what, options, message) => {
    const jobId = unique('refused');
    const args = options.map((o) => (o === 'null.json' ? file('null.json', 'null') : o));
    const run = await cli(['submit', 'example.send-email', '--id', jobId, ...args]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(message);
    await notStarted(jobId);
  });

  describe('dlq retry', () => {
    let dead: string[];
    beforeAll(async () => {
      const jobs = env.jobs(exampleJobs);
      const handles = await Promise.all([1, 2, 3].map(() => jobs.submit('example.send-email', { permanent: true }, { jobId: unique('dead') })));
      dead = await Promise.all(handles.map(async (h) => ((await h.settled()).status === JobStatus.DeadLettered ? h.jobId : '')));
      expect(dead.every(Boolean)).toBe(true);
    });

    it('takes the corrected payload from a file, or from stdin', async () => {
      const fromFile = await cli(['dlq', 'retry', dead[0], '--payload-file', file('fixed.json', '{"to":"grace@example.com"}'), '--json']);
      expect(fromFile.code, fromFile.stderr).toBe(0);
      const fromStdin = await cli(['dlq', 'retry', dead[1], '--payload', '-', '--json'], '{"to":"alan@example.com"}');
      expect(fromStdin.code, fromStdin.stderr).toBe(0);
      const jobs = env.jobs(exampleJobs);
      expect(await jobs.getHandle(dead[0]).settled()).toMatchObject({ status: JobStatus.Succeeded, round: 2, payload: { to: 'grace@example.com' } });
      expect(await jobs.getHandle(dead[1]).settled()).toMatchObject({ status: JobStatus.Succeeded, round: 2, payload: { to: 'alan@example.com' } });
    });

    it('refuses JSON null, two sources, or a payload with --all, and leaves the job dead', async () => {
      const nullPayload = await cli(['dlq', 'retry', dead[2], '--payload', 'null']);
      expect(nullPayload.code).toBe(2);
      expect(nullPayload.stderr).toContain('--payload: the payload is JSON null');
      expect(nullPayload.stderr).toContain('the job keeps its own');
      const twice = await cli(['dlq', 'retry', dead[2], '--payload', '{}', '--payload-file', '/dev/null']);
      expect(twice.code).toBe(2);
      expect(twice.stderr).toContain('give the payload once');
      const all = await cli(['dlq', 'retry', '--all', '--payload-file', file('any.json', '{}')]);
      expect(all.code).toBe(2);
      expect(all.stderr).toContain('--payload-file apply to jobs given by id');
      expect(await env.jobs(exampleJobs).status(dead[2])).toMatchObject({ status: JobStatus.DeadLettered, round: 1, payload: { permanent: true } });
    });
  });
});
