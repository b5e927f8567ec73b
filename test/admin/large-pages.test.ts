/**
 * Pages of dead jobs larger than gRPC's default 4 MB answer: each listed job brings its whole
 * record in its memo, payload included.
 */
import { Client, Connection } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAdmin, deadJobQuery } from '../../src/admin';
import { connectClient, loadConfig } from '../../src/config';
import { JobStatus } from '../../src/contract';
import { PermanentError } from '../../src/errors';
import { defineJob } from '../../src/jobs';
import { address, eventually, testEnv, unique, type TestEnv } from '../helpers';

const big = defineJob({
  type: 'large.record',
  schema: z.object({ blob: z.string() }),
  retry: { maximumAttempts: 1 },
  async handler() {
    throw new PermanentError('refused', { type: 'Refused' });
  },
});

describe('listing dead jobs whose records weigh more than 4 MB a page', () => {
  let env: TestEnv;
  let ids: string[];
  const count = 24;
  // 240 KB a job: 24 of them are 5.8 MB of memos in one page.
  const blob = 'x'.repeat(240_000);
  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker([big]);
    const jobs = env.jobs([big]);
    const handles = await Promise.all(Array.from({ length: count }, () => jobs.submit('large.record', { blob }, { jobId: unique('large') })));
    for (const h of handles) expect((await h.settled()).status).toBe(JobStatus.DeadLettered);
    ids = handles.map((h) => h.jobId).sort();
    // Counted, not listed: this client takes 4 MB, and would wait out the SDK's retries first.
    await eventually(async () => (await env.client.workflow.count(deadJobQuery(env.config.taskQueue))).count === count, `${count} dead jobs listed`);
  }, 120_000);
  afterAll(() => env.close());

  it('comes in one page through a client rebound connects', async () => {
    const client = await connectClient(loadConfig({ address: address() }, {}));
    try {
      const admin = createAdmin({ client, taskQueue: env.config.taskQueue });
      const page = await admin.list({}, { limit: 50 });
      expect(page.items.map((i) => i.jobId).sort()).toEqual(ids);
      expect(page.nextPageToken).toBeNull();
    } finally {
      await client.connection.close();
    }
  });

  it("comes in smaller pages through a client that takes gRPC's default 4 MB, and nothing is missed", async () => {
    // No retry interceptor: the refusal comes at once rather than after the SDK's retries.
    const connection = await Connection.connect({ address: address(), interceptors: [] });
    try {
      const admin = createAdmin({ client: new Client({ connection }), taskQueue: env.config.taskQueue });
      const first = await admin.list({}, { limit: 50 });
      expect(first.items.length).toBeGreaterThan(0);
      expect(first.items.length).toBeLessThan(count);
      expect(first.nextPageToken).not.toBeNull();
      const listed: string[] = [];
      for await (const item of admin.all()) listed.push(item.jobId);
      expect(listed.sort()).toEqual(ids);
      const exported: string[] = [];
      for await (const record of admin.export()) {
        expect((record.payload as { blob: string }).blob).toBe(blob);
        exported.push(record.jobId);
      }
      expect(exported.sort()).toEqual(ids);
      expect((await admin.retryAll({}, { dryRun: true })).matched).toBe(count);
    } finally {
      await connection.close();
    }
  });
});
