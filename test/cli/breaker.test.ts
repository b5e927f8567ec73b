/**
 * `rebound breaker ...`, run in process: what it prints, its exit codes, what it changes.
 */
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin, type DeadLetterAdmin } from '../../src/admin';
import { main } from '../../src/cli';
import { guarded, unguarded } from '../fixtures/breaker-jobs-module';
import { eventually, testEnv, unique, type TestEnv } from '../helpers';

const jobsModule = path.join(__dirname, '..', 'fixtures', 'breaker-jobs-module.ts');

describe('rebound breaker', () => {
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker([guarded, unguarded]);
    admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue, jobs: [guarded, unguarded] });
  });
  afterAll(() => env.close());

  async function rebound(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
    let stdout = '';
    let stderr = '';
    const io = { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } };
    const code = await main(['node', 'rebound', ...args, '--jobs', jobsModule, '--address', env.config.address, '--task-queue', env.config.taskQueue], io);
    return { code, stdout, stderr };
  }
  const cli = (...args: string[]) => rebound('breaker', ...args);

  it('opens, shows, lists and closes a breaker, recording who and why', async () => {
    const opened = await cli('open', 'cli.guarded', '--reason', 'vendor outage', '--as', 'dana', '--json');
    expect(opened.code, opened.stderr).toBe(0);
    expect(JSON.parse(opened.stdout)).toMatchObject({ type: 'cli.guarded', state: 'open', mode: 'open', override: { by: 'dana', reason: 'vendor outage' } });

    const shown = await cli('show', 'cli.guarded');
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/State\s+open \(forced open\)/);
    expect(shown.stdout).toMatch(/Override\s+open by dana at .*: vendor outage/);

    const listed = await cli('list', '--json');
    expect(JSON.parse(listed.stdout).items).toContainEqual(expect.objectContaining({ type: 'cli.guarded', state: 'open', mode: 'open' }));

    const closed = await cli('close', 'cli.guarded');
    expect(closed.code, closed.stderr).toBe(0);
    expect(closed.stdout).toMatch(/Breaker of cli.guarded: closed \(forced closed\), by \S+\./);
    const auto = await cli('auto', 'cli.guarded', '--reason', 'done');
    expect(auto.stdout).toMatch(/closed \(following its failure rate\)/);
    const record = await admin.breaker('cli.guarded');
    expect(record.overrides.map((o) => o.mode)).toEqual(['open', 'closed', 'auto']);
    // Without --as, the OS user is recorded.
    expect(record.overrides[1].by).toBe(os.userInfo().username);
  });

  it('exits 1 naming the type when it has no breaker, and 2 on a command it does not know', async () => {
    const none = await cli('open', 'cli.unguarded');
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/job type "cli.unguarded" has no circuit breaker on task queue/);
    const unknown = await cli('shut', 'cli.guarded');
    expect(unknown.code).toBe(2);
  });

  it('shows a job waiting for its breaker in rebound status', async () => {
    await cli('open', 'cli.guarded', '--as', 'dana');
    const handle = await env.jobs([guarded, unguarded]).submit('cli.guarded', {}, { jobId: unique('status') });
    await eventually(async () => (await handle.status()).breakerWait !== undefined, 'the job to wait for the breaker');
    const shown = await rebound('status', handle.jobId);
    expect(shown.code, shown.stderr).toBe(0);
    expect(shown.stdout).toMatch(/Status\s+Running/);
    expect(shown.stdout).toMatch(/Waiting for\s+the circuit breaker of cli.guarded \(since .*, \d+ attempt\(s\) refused; looks again by .*\)/);
    const json = JSON.parse((await rebound('status', handle.jobId, '--json')).stdout);
    expect(json.timeline.map((e: { event: string }) => e.event)).toContain('BreakerOpen');
    await cli('close', 'cli.guarded');
    expect((await handle.settled()).status).toBe('Succeeded');
  });
});
