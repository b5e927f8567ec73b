import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import type { DeadLetterAdmin } from '../../src/admin';
import { defineJob } from '../../src/jobs';
import { JobStatus, type FailureGroup } from '../../src/contract';
import { adminTestEnv, eventually, unique, type TestEnv } from '../helpers';

class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}
class ConnectionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConnectionError';
  }
}

const schema = z.object({ via: z.enum(['payments', 'ledger']), error: z.enum(['timeout', 'connection']).default('timeout'), ms: z.number() });
type Payload = z.infer<typeof schema>;

function callPayments({ error, ms }: Payload): never {
  throw error === 'connection' ? new ConnectionError(`timeout after ${ms} ms`) : new TimeoutError(`timeout after ${ms} ms`);
}
function callLedger({ ms }: Payload): never {
  throw new TimeoutError(`timeout after ${ms} ms`);
}

const failingType = (type: string) =>
  defineJob({
    type,
    schema,
    retry: { maximumAttempts: 1, initialInterval: 10, maximumInterval: 50 },
    retention: '1h',
    handler: async (payload: Payload) => (payload.via === 'ledger' ? callLedger(payload) : callPayments(payload)),
  });

describe('dead-letter failure groups', () => {
  const typeA = unique('groups-a');
  const typeB = unique('groups-b');
  const defs = [failingType(typeA), failingType(typeB)];
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  let jobs: ReturnType<TestEnv['jobs']>;

  beforeAll(async () => {
    ({ env, jobs, admin } = await adminTestEnv(defs));
  });
  afterAll(() => env.close());

  const dead = async (type: string, payload: Partial<Payload>) => {
    const handle = await jobs.submit(type, payload, { jobId: unique('g') });
    const record = await handle.settled();
    expect(record.status).toBe(JobStatus.DeadLettered);
    return record;
  };
  const groupIds = async (group: string) => {
    const ids: string[] = [];
    for await (const item of admin.all({ group })) ids.push(item.jobId);
    return ids.sort();
  };

  it('groups failures alike, lists, retries and cancels a whole group, leaving the others as they are', async () => {
    const before = new Date().toISOString();
    // One group: the same error type and handler frame, numbers differ; across two job types.
    const slow = [await dead(typeA, { via: 'payments', ms: 1203 }), await dead(typeA, { via: 'payments', ms: 877 }), await dead(typeB, { via: 'payments', ms: 55 })];
    // The same message thrown by another function, and another error type from the same function.
    const ledger = await dead(typeA, { via: 'ledger', ms: 1203 });
    const refused = await dead(typeA, { via: 'payments', error: 'connection', ms: 1203 });

    const group = slow[0].failureGroup!;
    expect(group).toMatch(/^[0-9a-f]{12}$/);
    expect(slow.map((r) => r.failureGroup)).toEqual([group, group, group]);
    expect(ledger.failureGroup).not.toBe(group);
    expect(refused.failureGroup).not.toBe(group);
    expect(refused.failureGroup).not.toBe(ledger.failureGroup);

    const groups = await eventually(async () => {
      const g = await admin.groups();
      return g.reduce((n, x) => n + x.deadNow, 0) === 5 && g;
    }, 'the queue to count five dead jobs in groups');
    expect(groups).toHaveLength(3);
    expect(groups[0]).toMatchObject({ id: group, errorType: 'TimeoutError', deadNow: 3, deadLettered: 3 });
    expect([...groups[0].types].sort()).toEqual([typeA, typeB].sort());
    expect(groups[0].example).toBe('timeout after 1203 ms');
    expect(groups[0].firstSeen >= before).toBe(true);
    expect(groups[0].lastSeen >= groups[0].firstSeen).toBe(true);
    const byId = (id: string) => groups.find((g) => g.id === id) as FailureGroup;
    expect(byId(ledger.failureGroup!)).toMatchObject({ errorType: 'TimeoutError', deadNow: 1, types: [typeA], example: 'timeout after 1203 ms' });
    expect(byId(refused.failureGroup!)).toMatchObject({ errorType: 'ConnectionError', deadNow: 1, types: [typeA] });

    const slowIds = slow.map((r) => r.jobId).sort();
    await eventually(async () => JSON.stringify(await groupIds(group)) === JSON.stringify(slowIds), 'list by group to return exactly the group');
    expect(await groupIds(ledger.failureGroup!)).toEqual([ledger.jobId]);

    // Retry the group: its jobs fail alike again and come back into the same group, in round 2.
    const retried = await admin.retryAll({ group }, { rate: 100 });
    expect(retried.matched).toBe(3);
    expect((await retried.operation!.result()).done).toBe(3);
    await eventually(async () => {
      const records = await Promise.all(slowIds.map((id) => admin.get(id)));
      return records.every((r) => r.status === JobStatus.DeadLettered && r.round === 2 && r.failureGroup === group);
    }, 'the retried group to dead-letter again', 30_000);
    for (const other of [ledger, refused]) expect((await admin.get(other.jobId)).round).toBe(1);
    await eventually(async () => {
      const g = (await admin.groups()).find((x) => x.id === group);
      return g?.deadNow === 3 && g.deadLettered === 6;
    }, 'the group to count the second dead-letterings');

    // Cancel the group: it leaves the list of groups; the other two stay dead.
    await eventually(async () => {
      const page = await admin.list({ group });
      return page.items.length === 3 && page.items.every((i) => i.round === 2);
    }, 'visibility to show the second round');
    const cancelled = await admin.cancelAll({ group }, { rate: 100 });
    expect(cancelled.matched).toBe(3);
    expect((await cancelled.operation!.result()).done).toBe(3);
    for (const id of slowIds) expect((await admin.get(id)).status).toBe(JobStatus.Cancelled);
    for (const other of [ledger, refused]) expect((await admin.get(other.jobId)).status).toBe(JobStatus.DeadLettered);
    const after = await eventually(async () => {
      const g = await admin.groups();
      return !g.some((x) => x.id === group) && g;
    }, 'the cancelled group to leave the groups');
    expect(after.map((g) => g.id).sort()).toEqual([ledger.failureGroup, refused.failureGroup].sort());
    await eventually(async () => (await groupIds(group)).length === 0, 'list by group to be empty');
  });
});
