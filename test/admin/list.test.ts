import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin, type DeadLetterAdmin } from '../../src/admin';
import { JobStatus } from '../../src/contract';
import { deadJobType } from '../fixtures/dead-jobs';
import { eventually, testEnv, unique, type TestEnv } from '../helpers';

const emails = deadJobType('email.send');
const images = deadJobType('image.resize');

describe('admin.list', () => {
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  const ids = { email: [] as string[], image: [] as string[], timeout: [] as string[], validation: [] as string[], early: [] as string[], late: [] as string[] };
  let middle: Date;

  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker([emails, images]);
    const jobs = env.jobs([emails, images]);
    admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue, jobs: [emails, images] });
    const submitBatch = async (n: number, bucket: string[]) => {
      const handles = await Promise.all(
        Array.from({ length: n }, (_, i) => {
          const type = i % 2 === 0 ? 'email.send' : 'image.resize';
          const error = i % 3 === 0 ? 'validation' : 'timeout';
          const jobId = unique('dead');
          (type === 'email.send' ? ids.email : ids.image).push(jobId);
          (error === 'timeout' ? ids.timeout : ids.validation).push(jobId);
          bucket.push(jobId);
          return jobs.submit(type, { error, ms: 100 + i }, { jobId });
        }),
      );
      for (const h of handles) expect((await h.settled()).status).toBe(JobStatus.DeadLettered);
    };
    await submitBatch(15, ids.early);
    await new Promise((r) => setTimeout(r, 50));
    middle = new Date();
    await new Promise((r) => setTimeout(r, 50));
    await submitBatch(15, ids.late);
    await eventually(async () => (await admin.list({}, { limit: 100 })).items.length === 30, 'all 30 dead jobs in visibility');
  });
  afterAll(() => env.close());

  const listIds = async (filter: Parameters<DeadLetterAdmin['list']>[0]) =>
    (await admin.list(filter, { limit: 100 })).items.map((i) => i.jobId).sort();

  it('filters by job type', async () => {
    expect(await listIds({ type: 'email.send' })).toEqual([...ids.email].sort());
    expect(await listIds({ type: 'image.resize' })).toEqual([...ids.image].sort());
  });

  it('filters by error type', async () => {
    expect(await listIds({ errorType: 'TimeoutError' })).toEqual([...ids.timeout].sort());
    expect(await listIds({ errorType: 'ValidationError' })).toEqual([...ids.validation].sort());
  });

  it('filters by dead-lettered time range', async () => {
    expect(await listIds({ until: middle })).toEqual([...ids.early].sort());
    expect(await listIds({ since: middle })).toEqual([...ids.late].sort());
  });

  it('includes in --until a job dead-lettered at exactly that time', async () => {
    const { items } = await admin.list({}, { limit: 100 });
    expect(items).toHaveLength(30);
    for (const item of items) {
      const at = new Date(item.deadLetteredAt);
      const upTo = await listIds({ until: at });
      expect(upTo, `until ${item.deadLetteredAt}`).toContain(item.jobId);
      expect(await listIds({ since: at }), `since ${item.deadLetteredAt}`).toContain(item.jobId);
    }
  });

  it('pages of 7 cover all 30 once, none twice', async () => {
    const seen: string[] = [];
    let token: string | null | undefined;
    let pages = 0;
    do {
      const page = await admin.list({}, { limit: 7, pageToken: token });
      seen.push(...page.items.map((i) => i.jobId));
      token = page.nextPageToken;
      pages++;
    } while (token);
    expect(seen).toHaveLength(30);
    expect(new Set(seen).size).toBe(30);
    expect(pages).toBeGreaterThanOrEqual(5);
  });

  it('lists each dead job with its type, error, message, attempts and time', async () => {
    const { items } = await admin.list({ type: 'email.send', errorType: 'TimeoutError' }, { limit: 100 });
    expect(items.length).toBeGreaterThan(0);
    for (const item of items) {
      expect(item).toMatchObject({ type: 'email.send', errorType: 'TimeoutError', attempts: 1 });
      expect(item.message).toMatch(/^timeout after \d+ ms$/);
      expect(Date.parse(item.deadLetteredAt)).not.toBeNaN();
    }
  });

  it('counts every dead job in stats, by type and by error type', async () => {
    const stats = await eventually(async () => {
      const s = await admin.stats();
      return s.total.deadNow === 30 && s;
    }, 'stats to count 30');
    expect(stats.byType['email.send'].deadNow).toBe(ids.email.length);
    expect(stats.byErrorType['ValidationError'].deadNow).toBe(ids.validation.length);
  });
});
