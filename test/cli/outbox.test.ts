/**
 * `rebound outbox status` and `rebound outbox flush`: the backlog read from disk, forwarding by
 * hand, and entries the server refuses for good set aside with their error. Runs the built CLI
 * (`npm run build` first) against the shared dev server; entries are queued by a client whose
 * server does not answer.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createJobClient } from '../../src/client';
import { jobWorkflowId } from '../../src/contract';
import { freePort } from '../../src/dev';
import { defineJob } from '../../src/jobs';
import { json, rebound, requireBuiltCli } from '../fixtures/rebound-cli';
import { testEnv, unique, type TestEnv } from '../helpers';

const queuedJob = defineJob({ type: 'test.cli-outbox', schema: z.object({ n: z.number() }), handler: async () => ({}) });
const otherJob = defineJob({ type: 'test.cli-outbox-other', schema: z.object({}), handler: async () => ({}) });

describe('rebound outbox', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rebound-cli-outbox-'));
  const outbox = path.join(dir, 'outbox');
  let env: TestEnv;
  let down: Connection;
  const okId = unique('cli-ok');
  const takenId = unique('cli-taken');

  beforeAll(async () => {
    requireBuiltCli();
    env = await testEnv();
    // The id is taken on the server by a job of another type before its entry is forwarded.
    await env.jobs([otherJob]).submit('test.cli-outbox-other', {}, { jobId: takenId });
    down = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
    const jobs = createJobClient({ client: new Client({ connection: down }), jobs: [queuedJob], taskQueue: env.config.taskQueue, submitDeadline: '200ms', outbox: { dir: outbox } });
    try {
      for (const [n, jobId] of [okId, takenId].entries()) expect((await jobs.submit('test.cli-outbox', { n }, { jobId })).queued).toBe(true);
    } finally {
      await jobs.close();
    }
  }, 60_000);

  afterAll(async () => {
    await down?.close();
    await env?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('shows the entries waiting and the oldest one’s age, from disk, then forwards them and shows the refused one with its error', async () => {
    const before = json(await rebound('outbox', 'status', '--dir', outbox, '--json'));
    expect(before).toMatchObject({ dir: path.resolve(outbox), pending: 2, failed: [] });
    expect(Date.parse(before.oldestQueuedAt)).not.toBeNaN();
    expect(before.oldestAgeMs).toBeGreaterThanOrEqual(0);

    const flush = await rebound('outbox', 'flush', '--dir', outbox, '--address', env.config.address, '--json');
    expect(flush.code, flush.stderr).toBe(1);
    expect(json(flush)).toMatchObject({ forwarded: 1, failed: 1, pending: 0 });
    const started = await env.client.workflow.getHandle(jobWorkflowId(okId)).describe();
    expect(started.taskQueue).toBe(env.config.taskQueue);

    const after = json(await rebound('outbox', 'status', '--dir', outbox, '--json'));
    expect(after).toMatchObject({ pending: 0, oldestQueuedAt: null, failed: [{ jobId: takenId, type: 'test.cli-outbox', error: { name: 'InvalidOptionsError' } }] });
    expect(after.failed[0].error.message).toContain('"test.cli-outbox-other"');

    const people = await rebound('outbox', '--dir', outbox);
    expect(people.code, people.stderr).toBe(0);
    expect(people.stdout).toMatch(/Waiting\s+0/);
    expect(people.stdout).toMatch(/Failed\s+1/);
    expect(people.stdout).toContain(takenId);
    expect(people.stdout).toContain('is taken by a job of type');
  }, 60_000);

  it('asks for the directory when none is given (exit 2), and names a directory that does not exist (exit 1)', async () => {
    const none = await rebound('outbox', 'status');
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('--dir');

    const missing = path.join(dir, 'no-such-outbox');
    const absent = await rebound('outbox', 'status', '--dir', missing);
    expect(absent.code).toBe(1);
    expect(absent.stderr).toContain(`"${missing}"`);
  });
});
