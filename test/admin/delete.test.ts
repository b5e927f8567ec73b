import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin, type DeadLetterAdmin } from '../../src/admin';
import { JobStatus, jobWorkflowId } from '../../src/contract';
import { JobNotDeadError } from '../../src/errors';
import { defineJob } from '../../src/jobs';
import { deadJobType } from '../fixtures/dead-jobs';
import { adminTestEnv, eventually, rejectionOf, unique, type TestEnv } from '../helpers';

const emails = deadJobType('email.send');
const images = deadJobType('image.resize');

class CardDeclined extends Error {
  override name = 'CardDeclined';
}
/** Fails with the card number in its message: personal data a failure group's example may hold. */
const charges = defineJob({
  type: 'card.charge',
  retry: { maximumAttempts: 1 },
  handler: async (payload: { card: string }) => {
    throw new CardDeclined(`card ${payload.card} declined`);
  },
});

describe('admin.delete and admin.deleteAll', () => {
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  let jobs: ReturnType<TestEnv['jobs']>;

  beforeAll(async () => {
    ({ env, jobs } = await adminTestEnv([emails, images, charges]));
    admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue, actor: 'carol' });
  });
  afterAll(() => env.close());

  const deadJob = async (type = 'email.send', payload: object = { error: 'timeout', ms: 7 }) => {
    const handle = await jobs.submit(type, payload, { jobId: unique('job') });
    expect((await handle.settled()).status).toBe(JobStatus.DeadLettered);
    await eventually(async () => (await admin.list({}, { limit: 1000 })).items.some((i) => i.jobId === handle.jobId), 'the job to be listed');
    return handle.jobId;
  };

  const describeGone = async (jobId: string) => {
    try {
      await env.client.workflow.getHandle(jobWorkflowId(jobId)).describe();
      return false;
    } catch (err) {
      return err instanceof WorkflowNotFoundError;
    }
  };

  /** Dead jobs now as the dead-letter queue counts them, once they agree with what is listed. */
  const settledDeadNow = () =>
    eventually(async () => {
      const stats = await admin.stats();
      const { items } = await admin.list({}, { limit: 1000 });
      return stats.total.deadNow === items.length && stats;
    }, 'the counters to agree with the list');

  it('deletes a dead job: its workflow is gone, the counters drop, and the audit log has it without the payload', async () => {
    const keep = await deadJob('image.resize');
    const id = await deadJob('email.send', { error: 'timeout', ms: 7, secret: 'card-4242' });
    const before = await settledDeadNow();
    const [result] = await admin.delete([id], { reason: 'test data' });
    expect(result).toMatchObject({ jobId: id, ok: true, status: 'Deleted' });
    // The server deletes a closed workflow in the background, a while after it accepted the request.
    await eventually(() => describeGone(id), 'the workflow to be deleted', 120_000);
    const after = await eventually(async () => {
      const s = await admin.stats();
      return s.total.deadNow === before.total.deadNow - 1 && s;
    }, 'dead now to drop by one');
    expect(after.total.deleted).toBe((before.total.deleted ?? 0) + 1);
    expect(after.byType['email.send'].deadNow).toBe(before.byType['email.send'].deadNow - 1);
    expect(after.byType['image.resize'].deadNow).toBe(before.byType['image.resize'].deadNow);
    // The job left alone is still there.
    expect((await admin.get(keep)).status).toBe(JobStatus.DeadLettered);
    const entries = await eventually(async () => {
      const log = await admin.audit({ jobId: id });
      return log.length > 0 && log;
    }, 'the deletion in the audit log');
    expect(entries).toEqual([expect.objectContaining({ action: 'delete', actor: 'carol', reason: 'test data', jobId: id, type: 'email.send', errorType: 'TimeoutError' })]);
    expect(JSON.stringify(entries)).not.toContain('card-4242');
    expect(JSON.stringify(entries)).not.toContain('timeout after');
  });

  it("takes its message out of its failure group's example, which the group's next dead job fills again", async () => {
    const group = async () => (await admin.groups()).find((g) => g.errorType === 'CardDeclined');
    const first = await deadJob('card.charge', { card: '4242424242424242' });
    await deadJob('card.charge', { card: '5555555555554444' });
    expect(await eventually(async () => (await group())?.deadNow === 2 && group(), 'both in one group')).toMatchObject({ example: 'card 4242424242424242 declined' });
    await admin.delete([first]);
    const emptied = await eventually(async () => {
      const g = await group();
      return g?.deadNow === 1 && g;
    }, 'the group to count one');
    expect(emptied.example).toBe('');
    // The counters published in the queue's memo follow within a second or so.
    await eventually(async () => !JSON.stringify(await admin.stats()).includes('4242424242424242'), 'the published counters to drop the message');
    await deadJob('card.charge', { card: '378282246310005' });
    expect(await eventually(async () => (await group())?.deadNow === 2 && group(), 'the next one in the group')).toMatchObject({ example: 'card 378282246310005 declined' });
  });

  it('refuses a job that is not dead, and one that does not exist, and leaves them as they are', async () => {
    const [missing] = await admin.delete([unique('missing')]);
    expect(missing).toMatchObject({ ok: false, error: { name: 'JobNotFoundError' } });
    const handle = await jobs.submit('email.send', { fixed: true }, { jobId: unique('job') });
    expect((await handle.settled()).status).toBe(JobStatus.Succeeded);
    const [succeeded] = await admin.delete([handle.jobId]);
    expect(succeeded).toMatchObject({ ok: false, error: { name: JobNotDeadError.name } });
    expect(await describeGone(handle.jobId)).toBe(false);
  });

  it('deleteAll with a dry run counts and deletes nothing; without, deletes only what matches', async () => {
    const a = await deadJob('image.resize');
    const b = await deadJob('image.resize');
    const other = await deadJob('email.send');
    const dry = await admin.deleteAll({ type: 'image.resize' }, { dryRun: true });
    expect(dry.ids).toEqual(expect.arrayContaining([a, b]));
    expect(dry.ids).not.toContain(other);
    expect(dry.done).toBe(0);
    expect(await describeGone(a)).toBe(false);
    const done = await admin.deleteAll({ type: 'image.resize' }, { reason: 'bad batch', actor: 'dave' });
    expect(done.failed).toEqual([]);
    expect(done.done).toBe(done.matched);
    await eventually(async () => (await describeGone(a)) && (await describeGone(b)), 'both to be deleted', 120_000);
    expect(await describeGone(other)).toBe(false);
    const log = await eventually(async () => {
      const entries = await admin.audit();
      return entries.some((e) => e.action === 'bulkDelete' && e.actor === 'dave') && entries.filter((e) => e.jobId === a || e.jobId === b).length === 2 && entries;
    }, 'the bulk deletion and each job in the audit log');
    expect(log.find((e) => e.action === 'bulkDelete')).toMatchObject({ filter: { type: 'image.resize' }, matched: done.matched, reason: 'bad batch' });
  });

  it('refuses unknown options by name', async () => {
    const err = await rejectionOf(Promise.resolve().then(() => admin.delete(['x'], { reson: 'typo' } as never)));
    expect(err.message).toContain('reson');
  });
});
