/**
 * A dead job terminated from outside (the Web UI's terminate, `temporal workflow terminate`) runs
 * none of our code, so it cannot report itself: the dead-letter queue finds it, and stops
 * counting it as dead, so that stats keep agreeing with the list, and records who terminated it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin, type DeadLetterAdmin } from '../../src/admin';
import { JobStatus, deadLetterStartOptions, deadLetterWorkflowType, jobWorkflowId, type DeadLetterInput } from '../../src/contract';
import { deadJobType } from '../fixtures/dead-jobs';
import { temporal } from '../fixtures/temporal-cli';
import { eventually, testEnv, unique, type TestEnv } from '../helpers';

describe('the dead-letter queue and jobs terminated from outside', () => {
  const type = unique('terminated');
  const defs = [deadJobType(type)];
  let env: TestEnv;
  let admin: DeadLetterAdmin;

  beforeAll(async () => {
    env = await testEnv();
    // The queue looks every half second here, rather than every minute.
    const input: DeadLetterInput = { taskQueue: env.config.taskQueue, reconcileEveryMs: 500 };
    await env.client.workflow.start(deadLetterWorkflowType, { ...deadLetterStartOptions(env.config.taskQueue), args: [input] });
    await env.startWorker(defs);
    admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue, jobs: defs });
  });
  afterAll(() => env.close());

  it('stops counting a terminated dead job as dead, once, and the stats agree with the list', async () => {
    const jobs = env.jobs(defs);
    const handles = await Promise.all([1, 2, 3].map(() => jobs.submit(type, { error: 'timeout' }, { jobId: unique('t') })));
    for (const h of handles) expect((await h.settled()).status).toBe(JobStatus.DeadLettered);
    const [terminated, ...others] = handles.map((h) => h.jobId);
    await eventually(async () => (await admin.stats()).byType[type]?.deadNow === 3, 'three dead jobs counted');

    await temporal('workflow', 'terminate', '--workflow-id', jobWorkflowId(terminated), '--reason', 'terminated by an operator');

    const stats = await eventually(async () => {
      const s = await admin.stats();
      return s.byType[type]?.deadNow === 2 && s;
    }, 'the terminated job to leave the count', 30_000);
    expect(stats.byType[type]).toMatchObject({ deadNow: 2, deadLettered: 3, cancelled: 1 });
    expect(stats.total.deadNow).toBe(2);
    expect((await admin.get(terminated)).status).toBe(JobStatus.Cancelled);
    const listed = await eventually(async () => {
      const { items } = await admin.list({ type });
      return items.length === 2 && items.map((i) => i.jobId).sort();
    }, 'the list to show two dead jobs');
    expect(listed).toEqual([...others].sort());

    // The audit log has who terminated it (the CLI's identity) and why.
    const [entry] = await eventually(async () => {
      const log = await admin.audit({ jobId: terminated });
      return log.length > 0 && log;
    }, 'the termination in the audit log');
    expect(entry).toMatchObject({ action: 'terminate', reason: 'terminated by an operator', type, detail: { via: 'termination' } });
    expect(entry.actor).toMatch(/^temporal-cli/);

    // Later looks find the same job again and do not count it twice.
    await new Promise((r) => setTimeout(r, 2_000));
    expect((await admin.stats()).byType[type]).toMatchObject({ deadNow: 2, cancelled: 1 });
    expect(await admin.audit({ jobId: terminated })).toHaveLength(1);
  });
});
