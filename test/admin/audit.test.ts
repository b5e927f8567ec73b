import { userInfo } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin, payloadChanges, recordAudit, type DeadLetterAdmin } from '../../src/admin';
import { JobStatus, cancelSignal, jobWorkflowId, retrySignal } from '../../src/contract';
import { deadJobType } from '../fixtures/dead-jobs';
import { adminTestEnv, eventually, unique, type TestEnv } from '../helpers';

const emails = deadJobType('email.send');

describe('payloadChanges', () => {
  it('names each changed, added and removed path, and nothing that stayed', () => {
    const before = { to: 'a@example.com', opts: { retries: 1, tags: ['x', 'y'] }, 'odd key': 1, gone: true };
    const after = { to: 'b@example.com', opts: { retries: 1, tags: ['x'] }, 'odd key': 2, added: null };
    expect(payloadChanges(before, after)).toEqual([
      { path: '$.added', kind: 'added' },
      { path: '$.gone', kind: 'removed' },
      { path: '$["odd key"]', kind: 'changed' },
      { path: '$.opts.tags[1]', kind: 'removed' },
      { path: '$.to', kind: 'changed' },
    ]);
    expect(payloadChanges({ a: [1, { b: 2 }] }, { a: [1, { b: 2 }] })).toEqual([]);
    expect(payloadChanges('x', { x: 1 })).toEqual([{ path: '$', kind: 'changed' }]);
  });
});

describe('the audit trail of retries and cancels', () => {
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  let jobs: ReturnType<TestEnv['jobs']>;

  beforeAll(async () => {
    ({ env, jobs } = await adminTestEnv([emails]));
    admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue, jobs: [emails] });
  });
  afterAll(() => env.close());

  const deadJob = async (payload: object = { error: 'timeout', ms: 5 }) => {
    const handle = await jobs.submit('email.send', payload, { jobId: unique('job') });
    expect((await handle.settled()).status).toBe(JobStatus.DeadLettered);
    return handle;
  };

  it('an edited payload is recorded by its changed paths, in the timeline and the audit log, never by its values', async () => {
    const handle = await deadJob({ error: 'timeout', ms: 5 });
    const [result] = await admin.retry([handle.jobId], { payload: { error: 'timeout', ms: 9 }, reason: 'shorter timeout', actor: 'erin' });
    expect(result.ok).toBe(true);
    const record = await eventually(async () => {
      const r = await admin.get(handle.jobId);
      return r.round === 2 && r.status === JobStatus.DeadLettered && r;
    }, 'round 2 to dead-letter');
    const retried = record.timeline.find((t) => t.event === 'Retried');
    expect(retried).toMatchObject({ actor: 'erin', reason: 'shorter timeout', changes: [{ path: '$.ms', kind: 'changed' }] });
    const entries = await eventually(async () => {
      const log = await admin.audit({ jobId: handle.jobId });
      return log.length > 0 && log;
    }, 'the audit entry');
    expect(entries).toEqual([expect.objectContaining({ action: 'editAndRetry', actor: 'erin', changes: [{ path: '$.ms', kind: 'changed' }], type: 'email.send' })]);
    expect(JSON.stringify(entries)).not.toMatch(/"ms":\s*9|"payload"/);
  });

  it('records the OS user when no actor is given, for a retry and a cancel', async () => {
    const handle = await deadJob();
    await admin.retry([handle.jobId]);
    await eventually(async () => (await admin.get(handle.jobId)).status === JobStatus.DeadLettered && (await admin.get(handle.jobId)).round === 2, 'round 2 to dead-letter');
    const [cancelled] = await admin.cancel([handle.jobId], { reason: 'obsolete' });
    expect(cancelled.ok).toBe(true);
    const record = await admin.get(handle.jobId);
    expect(record.timeline.find((t) => t.event === 'Cancelled')).toMatchObject({ actor: userInfo().username, reason: 'obsolete' });
    const entries = await eventually(async () => {
      const log = await admin.audit({ jobId: handle.jobId });
      return log.length === 2 && log;
    }, 'two audit entries');
    expect(entries.map((e) => [e.action, e.actor])).toEqual([
      ['retry', userInfo().username],
      ['cancel', userInfo().username],
    ]);
  });

  it('bulk retries name their actor in each job and once in the audit log; since narrows the log', async () => {
    const one = await deadJob();
    const startedAt = new Date();
    await eventually(async () => (await admin.list({})).items.some((i) => i.jobId === one.jobId), 'the job to be listed');
    const selection = await admin.retryAll({ until: new Date() }, { actor: 'frank', reason: 'outage over', rate: 100 });
    await selection.operation?.result();
    const record = await eventually(async () => {
      const r = await admin.get(one.jobId);
      return r.round === 2 && r;
    }, 'the job to be retried');
    expect(record.timeline.find((t) => t.event === 'Retried')).toMatchObject({ actor: 'frank', reason: 'outage over' });
    const entries = await eventually(async () => {
      const log = await admin.audit({ since: startedAt });
      return log.some((e) => e.action === 'bulkRetry') && log;
    }, 'the bulk retry in the audit log');
    expect(entries.find((e) => e.action === 'bulkRetry')).toMatchObject({ actor: 'frank', operationId: selection.operation?.operationId, matched: selection.matched });
    expect(entries.every((e) => e.at >= startedAt.toISOString())).toBe(true);
  });

  it("pausing, resuming and aborting a bulk operation are recorded with who and why, and an operation's own actor by default", async () => {
    const ids = [(await deadJob()).jobId, (await deadJob()).jobId, (await deadJob()).jobId];
    await eventually(async () => (await admin.list({}, { limit: 1000 })).items.filter((i) => ids.includes(i.jobId)).length === 3, 'the jobs to be listed');
    const selection = await admin.retryAll({ until: new Date() }, { actor: 'hana', rate: 0.2 });
    const operation = selection.operation!;
    await operation.pause({ reason: 'too many at once', actor: 'ivo' });
    await admin.operation(operation.operationId).resume();
    await operation.abort({ reason: 'enough' });
    expect((await operation.result()).state).toBe('Aborted');
    const entries = await eventually(async () => {
      const log = (await admin.audit()).filter((e) => e.operationId === operation.operationId);
      return log.length === 4 && log;
    }, 'the operation and its three controls in the audit log');
    expect(entries.map((e) => [e.action, e.actor, e.reason])).toEqual([
      ['bulkRetry', 'hana', undefined],
      ['bulkPause', 'ivo', 'too many at once'],
      ['bulkResume', userInfo().username, undefined],
      ['bulkAbort', 'hana', 'enough'],
    ]);
    // An operation that has ended has nothing to pause: nothing is recorded.
    await operation.pause();
    await new Promise((r) => setTimeout(r, 1_000));
    expect((await admin.audit()).filter((e) => e.operationId === operation.operationId)).toHaveLength(4);
    await expect(operation.pause({ reson: 'typo' } as never)).rejects.toThrow(/reson/);
  });

  it('retries and cancels sent by signal (as Temporal\'s CLI and batch signals send them) are recorded as such, under the actor their input names or unknown', async () => {
    const handle = await deadJob();
    const workflow = env.client.workflow.getHandle(jobWorkflowId(handle.jobId));
    await workflow.signal(retrySignal, { reason: 'from a script' });
    await eventually(async () => {
      const r = await admin.get(handle.jobId);
      return r.round === 2 && r.status === JobStatus.DeadLettered;
    }, 'round 2 to dead-letter');
    await workflow.signal(retrySignal, { payload: { error: 'timeout', ms: 7 }, actor: 'jun' });
    await eventually(async () => {
      const r = await admin.get(handle.jobId);
      return r.round === 3 && r.status === JobStatus.DeadLettered;
    }, 'round 3 to dead-letter');
    await admin.retry([handle.jobId], { actor: 'kai' });
    await eventually(async () => {
      const r = await admin.get(handle.jobId);
      return r.round === 4 && r.status === JobStatus.DeadLettered;
    }, 'round 4 to dead-letter');
    await workflow.signal(cancelSignal, { reason: 'obsolete' });
    const entries = await eventually(async () => {
      const log = await admin.audit({ jobId: handle.jobId });
      return log.some((e) => e.action === 'cancel') && log;
    }, 'the cancel in the audit log');
    // The admin's retry is recorded once, by the admin, not again from the job's report.
    expect(entries.map((e) => [e.action, e.actor, e.reason, e.detail?.via])).toEqual([
      ['retry', 'unknown', 'from a script', 'signal'],
      ['editAndRetry', 'jun', undefined, 'signal'],
      ['retry', 'kai', undefined, undefined],
      ['cancel', 'unknown', 'obsolete', 'signal'],
    ]);
  });

  it("a dead job's workflow cancelled from outside (the Web UI, `temporal workflow cancel`) is recorded as a cancel by workflow cancellation", async () => {
    const handle = await deadJob();
    await env.client.workflow.getHandle(jobWorkflowId(handle.jobId)).cancel();
    const entries = await eventually(async () => {
      const log = await admin.audit({ jobId: handle.jobId });
      return log.length > 0 && log;
    }, 'the cancel in the audit log');
    expect(entries).toEqual([expect.objectContaining({ action: 'cancel', actor: 'unknown', type: 'email.send', detail: { via: 'workflow cancellation' } })]);
  });

  it('keeps the audit log across the queue continuing as new', async () => {
    const marker = unique('marker');
    const before = await admin.stats();
    // One signal each: enough history for the test server to suggest continuing as new.
    for (let i = 0; i < 40; i++) await recordAudit(env.client, env.config.taskQueue, [{ action: 'note', actor: 'ivan', detail: { marker, i: String(i) } }]);
    const entries = await eventually(async () => {
      const log = (await admin.audit()).filter((e) => e.detail?.marker === marker);
      return log.length === 40 && (await admin.stats()).generation > before.generation && log;
    }, 'every entry, after a continue-as-new');
    expect(entries.map((e) => e.detail?.i)).toEqual(Array.from({ length: 40 }, (_, i) => String(i)));
  });

  it('recordAudit is open to other operator features, with the OS user by default', async () => {
    await recordAudit(env.client, env.config.taskQueue, [{ action: 'breakerOpen', detail: { key: 'smtp' }, reason: 'manual override' }]);
    const entries = await eventually(async () => {
      const log = await admin.audit();
      return log.some((e) => e.action === 'breakerOpen') && log;
    }, 'the entry');
    expect(entries.find((e) => e.action === 'breakerOpen')).toMatchObject({ actor: userInfo().username, detail: { key: 'smtp' }, reason: 'manual override' });
  });
});
