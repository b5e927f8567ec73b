/**
 * Job tags: given at submit, stored in the `JobTags` search attribute, shown by `get`, and
 * filtered by in every list, bulk operation, export and count; bad tags refused before anything
 * starts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterAdmin } from '../../src/admin';
import { JobStatus, jobWorkflowId, searchAttributes as sa } from '../../src/contract';
import { InvalidOptionsError } from '../../src/errors';
import { defineJob } from '../../src/jobs';
import { deadJobType } from '../fixtures/dead-jobs';
import { adminTestEnv, eventually, rejectionOf, unique, type TestEnv } from '../helpers';

const sorted = (ids: string[]) => [...ids].sort();

/** `n` tags with the longest keys and values a tag may have. */
const bigTags = (n: number) => Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${String(i).padStart(2, '0')}${'x'.repeat(61)}`, 'v'.repeat(128)]));

describe('job tags', () => {
  const deadType = unique('tagged-dead');
  const okType = unique('tagged-ok');
  const defs = [deadJobType(deadType), defineJob({ type: okType, handler: async () => 'ok' })];
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  let jobs: ReturnType<TestEnv['jobs']>;
  const ids = { u1Sql: [] as string[], u1Http: [] as string[], u2Sql: [] as string[], untagged: [] as string[], u1Ok: '' };

  beforeAll(async () => {
    ({ env, jobs, admin } = await adminTestEnv(defs));
    const dead = (n: number, tags: Record<string, string> | undefined, bucket: string[]) =>
      Array.from({ length: n }, async () => {
        const handle = await jobs.submit(deadType, { error: 'timeout' }, { jobId: unique('t'), ...(tags ? { tags } : {}) });
        bucket.push(handle.jobId);
        expect((await handle.settled()).status).toBe(JobStatus.DeadLettered);
      });
    const ok = async () => {
      const handle = await jobs.submit(okType, {}, { jobId: unique('ok'), tags: { userId: 'u1' } });
      ids.u1Ok = handle.jobId;
      expect((await handle.settled()).status).toBe(JobStatus.Succeeded);
    };
    await Promise.all([
      ...dead(3, { userId: 'u1', plugin: 'sql' }, ids.u1Sql),
      ...dead(2, { userId: 'u1', plugin: 'http' }, ids.u1Http),
      ...dead(2, { userId: 'u2', plugin: 'sql' }, ids.u2Sql),
      ...dead(1, undefined, ids.untagged),
      ok(),
    ]);
    await eventually(async () => (await admin.listJobs({}, { limit: 100 })).items.length === 9 && (await admin.list({}, { limit: 100 })).items.length === 8, 'every job in visibility');
  });
  afterAll(() => env.close());

  it('stores each tag as key=value in the JobTags search attribute, and get shows them', async () => {
    const [jobId] = ids.u1Sql;
    const described = await env.client.workflow.getHandle(jobWorkflowId(jobId)).describe();
    expect(described.typedSearchAttributes.get(sa.jobTags)).toEqual(['plugin=sql', 'userId=u1']);
    expect((await admin.get(jobId)).tags).toEqual({ userId: 'u1', plugin: 'sql' });
    expect((await admin.get(ids.untagged[0])).tags).toEqual({});
  });

  it('filters dead jobs by one tag, and by several (each must match)', async () => {
    const listIds = async (tags: Record<string, string>) => sorted((await admin.list({ tags }, { limit: 100 })).items.map((i) => i.jobId));
    expect(await listIds({ userId: 'u1' })).toEqual(sorted([...ids.u1Sql, ...ids.u1Http]));
    expect(await listIds({ plugin: 'sql' })).toEqual(sorted([...ids.u1Sql, ...ids.u2Sql]));
    expect(await listIds({ userId: 'u1', plugin: 'sql' })).toEqual(sorted(ids.u1Sql));
    expect(await listIds({ userId: 'u3' })).toEqual([]);
    const [item] = (await admin.list({ tags: { userId: 'u2' } }, { limit: 1 })).items;
    expect(item.tags).toEqual({ userId: 'u2', plugin: 'sql' });
  });

  it('filters jobs in any status by tag', async () => {
    const { items } = await admin.listJobs({ tags: { userId: 'u1' } }, { limit: 100 });
    expect(sorted(items.map((i) => i.jobId))).toEqual(sorted([...ids.u1Sql, ...ids.u1Http, ids.u1Ok]));
    expect(items.find((i) => i.jobId === ids.u1Ok)).toMatchObject({ status: JobStatus.Succeeded, tags: { userId: 'u1' } });
  });

  it('selects by tag in a bulk dry run, changing nothing', async () => {
    const retry = await admin.retryAll({ tags: { userId: 'u1', plugin: 'http' } }, { dryRun: true });
    expect(retry.matched).toBe(2);
    expect(retry.operation).toBeUndefined();
    expect(sorted(retry.ids)).toEqual(sorted(ids.u1Http));
    const cancel = await admin.cancelAll({ tags: { plugin: 'sql' } }, { dryRun: true });
    expect(sorted(cancel.ids)).toEqual(sorted([...ids.u1Sql, ...ids.u2Sql]));
    expect((await admin.get(ids.u1Http[0])).status).toBe(JobStatus.DeadLettered);
  });

  it('exports only the jobs with the tags, each record with its tags', async () => {
    const records = [];
    for await (const record of admin.export({ tags: { userId: 'u2' } })) records.push(record);
    expect(sorted(records.map((r) => r.jobId))).toEqual(sorted(ids.u2Sql));
    for (const record of records) expect(record).toMatchObject({ tags: { userId: 'u2', plugin: 'sql' }, payload: { error: 'timeout' } });
  });

  it('counts only the jobs with the tags', async () => {
    const stats = await admin.jobStats({ tags: { userId: 'u1' } });
    expect(stats.total).toMatchObject({ total: 6, deadLettered: 5, succeeded: 1 });
    expect(stats.byType[deadType]).toMatchObject({ total: 5, deadLettered: 5 });
    expect(stats.byType[okType]).toMatchObject({ total: 1, succeeded: 1 });
  });

  it('refuses bad tags at submit, naming the tag, and starts nothing', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ '1user': 'x' }, 'tag "1user": a tag key must be 1 to 64 characters'],
      [{ 'user id': 'x' }, 'tag "user id": a tag key must be'],
      [{ ['k'.repeat(65)]: 'x' }, `tag "${'k'.repeat(65)}": a tag key must be 1 to 64 characters`],
      [{ userId: '' }, 'tag "userId": a tag value must be 1 to 128 characters, got 0'],
      [{ userId: 'v'.repeat(129) }, 'tag "userId": a tag value must be 1 to 128 characters, got 129'],
      [{ userId: 42 }, 'tag "userId": a tag value must be a string, got 42'],
      [{ note: "it's" }, 'tag "note": a tag value must not hold quotes'],
      [Object.fromEntries(Array.from({ length: 21 }, (_, i) => [`k${i}`, 'v'])), 'at most 20 tags, got 21'],
      // Each tag within its limits, together past what the server takes in one search attribute.
      [bigTags(11), 'tags take 2157 bytes together (as the JobTags search attribute holds them), more than the 2000 the server takes'],
    ];
    for (const [tags, message] of cases) {
      const jobId = unique('bad-tags');
      const err = await rejectionOf(jobs.submit(okType, {}, { jobId, tags: tags as Record<string, string> }));
      expect(err, JSON.stringify(tags)).toBeInstanceOf(InvalidOptionsError);
      expect(err.message).toContain(message);
      expect(await rejectionOf(env.client.workflow.getHandle(jobWorkflowId(jobId)).describe())).toMatchObject({ name: 'WorkflowNotFoundError' });
    }
    const notObject = await rejectionOf(jobs.submit(okType, {}, { tags: 'userId=u1' as never }));
    expect(notObject.message).toContain('tags must be an object');
  });

  it('stores the most tags the server takes in one search attribute', async () => {
    const tags = bigTags(10);
    const handle = await jobs.submit(okType, {}, { jobId: unique('big-tags'), tags });
    expect((await handle.status()).tags).toEqual(tags);
  });

  it('refuses a bad tag in a filter, naming it', async () => {
    const err = await rejectionOf(admin.list({ tags: { 'bad key': 'x' } }));
    expect(err).toBeInstanceOf(InvalidOptionsError);
    expect(err.message).toContain('tag filter "bad key"');
    expect((await rejectionOf(admin.jobStats({ tags: { userId: 'a"b' } }))).message).toContain('tag filter "userId": a tag value must not hold quotes');
  });
});
