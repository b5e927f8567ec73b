/**
 * The console's JSON API filters dead jobs by tags, as every other list does: `tag=key=value`
 * query parameters for reads, `filter.tags` in the bodies of bulk actions and deletions.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin } from '../../src/admin';
import { serveConsole, type ConsoleServer } from '../../src/console';
import { deadJobType } from '../fixtures/dead-jobs';
import { eventually, testEnv, unique, type TestEnv } from '../helpers';
import { call, newToken, sorted, type CallOptions } from './console-helpers';

const emails = deadJobType('email.send');

describe('the console API with tags', () => {
  let env: TestEnv;
  let server: ConsoleServer;
  const token = newToken();
  const ids: Record<'u1' | 'u2' | 'none', string[]> = { u1: [], u2: [], none: [] };
  const api = (method: string, path: string, options: CallOptions = {}) => call(server.url, method, path, { token, ...options });

  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker([emails]);
    const jobs = env.jobs([emails]);
    const submit = (tags?: Record<string, string>) => jobs.submit('email.send', { error: 'timeout' }, { jobId: unique('tagged'), ...(tags ? { tags } : {}) });
    const handles = {
      u1: await Promise.all([1, 2].map(() => submit({ userId: 'u1', plugin: 'sql' }))),
      u2: await Promise.all([1].map(() => submit({ userId: 'u2', plugin: 'sql' }))),
      none: await Promise.all([1].map(() => submit())),
    };
    for (const [key, list] of Object.entries(handles)) for (const h of list) ids[key as keyof typeof ids].push((await h.settled()).jobId);
    const admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue });
    await eventually(async () => (await admin.list()).items.length === 4, 'every dead job listed');
    server = await serveConsole({ client: env.client, taskQueue: env.config.taskQueue, jobs: [emails], token, port: 0 });
  });
  afterAll(async () => {
    await server?.close();
    await env?.close();
  });

  it('lists and exports only the dead jobs carrying every tag asked for', async () => {
    const one = await api('GET', '/api/jobs?tag=userId=u1');
    expect(one.status, one.text).toBe(200);
    expect(sorted(one.json.items.map((i: { jobId: string }) => i.jobId))).toEqual(sorted(ids.u1));
    expect(one.json.filter.tags).toEqual({ userId: 'u1' });

    const both = await api('GET', '/api/jobs?tag=plugin=sql&tag=userId=u2');
    expect(both.json.items.map((i: { jobId: string }) => i.jobId)).toEqual(ids.u2);

    const exported = await api('GET', '/api/export?tag=plugin=sql');
    expect(exported.status, exported.text).toBe(200);
    const records = exported.text.trim().split('\n').map((line) => JSON.parse(line) as { jobId: string; tags: Record<string, string> });
    expect(sorted(records.map((r) => r.jobId))).toEqual(sorted([...ids.u1, ...ids.u2]));
    for (const r of records) expect(r.tags.plugin).toBe('sql');
  });

  it('takes tags in a bulk dry run and a deletion dry run', async () => {
    const bulk = await api('POST', '/api/bulk', { body: { action: 'retry', filter: { tags: { userId: 'u1' } }, dryRun: true } });
    expect(bulk.status, bulk.text).toBe(200);
    expect(bulk.json.matched).toBe(2);
    const deletion = await api('POST', '/api/delete', { body: { filter: { tags: { plugin: 'sql' } }, dryRun: true } });
    expect(deletion.status, deletion.text).toBe(200);
    expect(deletion.json.matched).toBe(3);
  });

  it('answers a malformed tag with a 400 naming it, and changes nothing', async () => {
    for (const path of ['/api/jobs?tag=userId', '/api/jobs?tag=user%20id=u1', '/api/jobs?tag=userId=u1&tag=userId=u2']) {
      const answer = await api('GET', path);
      expect(answer.status, path).toBe(400);
      expect(answer.text).toMatch(/tag/);
    }
    const bad = await api('POST', '/api/bulk', { body: { action: 'retry', filter: { tags: { 'user id': 'u1' } }, dryRun: true } });
    expect(bad.status).toBe(400);
    expect(bad.text).toContain('user id');
  });
});
