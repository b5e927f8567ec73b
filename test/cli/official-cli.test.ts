/**
 * Operating dead jobs with Temporal's own CLI, exactly as the README shows it: list them with a
 * visibility query, retry one by its workflow id, retry every dead job of a type with one batch
 * signal. The dead-letter queue's counters must follow, as for retries made through rebound, and
 * its audit log records each retry as sent by signal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeadLetterAdmin } from '../../src/admin';
import { JobStatus } from '../../src/contract';
import { deadJobType } from '../fixtures/dead-jobs';
import { signalJob, temporal } from '../fixtures/temporal-cli';
import { adminTestEnv, eventually, unique, type TestEnv } from '../helpers';

describe('the official temporal CLI', () => {
  const mail = unique('official-mail');
  const image = unique('official-image');
  const listedType = unique('official-list');
  const defs = [deadJobType(mail), deadJobType(image), deadJobType(listedType)];
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  let jobs: ReturnType<TestEnv['jobs']>;

  beforeAll(async () => {
    ({ env, jobs, admin } = await adminTestEnv(defs));
  });
  afterAll(() => env.close());

  /** Submits `n` jobs of `type` that dead-letter, and waits until visibility lists them. */
  const dead = async (n: number, type: string): Promise<string[]> => {
    const handles = await Promise.all(Array.from({ length: n }, () => jobs.submit(type, { error: 'timeout' }, { jobId: unique('official') })));
    for (const h of handles) expect((await h.settled()).status).toBe(JobStatus.DeadLettered);
    const ids = handles.map((h) => h.jobId);
    await eventually(async () => (await admin.list({ type }, { limit: 100 })).items.length === n, `${n} dead ${type} jobs in visibility`);
    return ids;
  };

  /** Workflow ids that `temporal workflow list --query ... -o json` prints. */
  const listed = async (query: string): Promise<string[]> => {
    const { stdout } = await temporal('workflow', 'list', '--query', query, '--output', 'json');
    const rows = stdout.trim() === '' ? [] : (JSON.parse(stdout) as { execution: { workflowId: string } }[]);
    return rows.map((r) => r.execution.workflowId).sort();
  };

  const deadNow = async (type: string) => (await admin.stats()).byType[type]?.deadNow ?? 0;

  it('lists the dead jobs of a type with `temporal workflow list --query`', async () => {
    const ids = await dead(2, listedType);
    expect(await listed(`JobStatus="DeadLettered" AND JobType="${listedType}"`)).toEqual(ids.map((id) => `job-${id}`).sort());
    // A job of another type is not part of it.
    expect(await listed(`JobStatus="DeadLettered" AND JobType="${unique('no-such-type')}"`)).toEqual([]);
  });

  it('retries one dead job with `temporal workflow signal --workflow-id ... --name retry`, and the counters follow', async () => {
    const [fixed, untouched] = await dead(2, mail);
    await eventually(async () => (await deadNow(mail)) === 2, 'two dead mail jobs counted');

    await signalJob(fixed, 'retry', { payload: { fixed: true }, reason: 'fixed by hand' });

    const record = await jobs.getHandle(fixed).settled();
    expect(record.status).toBe(JobStatus.Succeeded);
    expect(record.round).toBe(2);
    expect(record.timeline.map((e) => e.event)).toContain('Retried');
    expect((await admin.get(untouched)).status).toBe(JobStatus.DeadLettered);
    const stats = await eventually(async () => {
      const s = await admin.stats();
      return s.byType[mail]?.succeededAfterRetry === 1 && s;
    }, 'the retry to be counted');
    expect(stats.byType[mail]).toMatchObject({ deadNow: 1, deadLettered: 2, retried: 1, succeededAfterRetry: 1 });
    // Nothing of rebound recorded it: the queue does, from the job's report, as coming by signal.
    const entries = await eventually(async () => {
      const log = await admin.audit({ jobId: fixed });
      return log.length > 0 && log;
    }, 'the retry in the audit log');
    expect(entries).toEqual([expect.objectContaining({ action: 'editAndRetry', actor: 'unknown', reason: 'fixed by hand', type: mail, detail: { via: 'signal' } })]);
  });

  it('retries every dead job of a type with one `temporal workflow signal --query`, leaving other types dead', async () => {
    const images = await dead(3, image);
    const before = await eventually(async () => {
      const s = await admin.stats();
      return s.byType[image]?.deadNow === 3 && s;
    }, 'three dead image jobs counted');

    await temporal(
      'workflow', 'signal',
      '--query', `JobStatus="DeadLettered" AND JobType="${image}" AND TaskQueue="${env.config.taskQueue}"`,
      '--name', 'retry',
      '--input', '{"payload":{"fixed":true},"reason":"batch retry"}',
      '--reason', 'batch retry',
      '--yes',
    );

    // The server runs the batch in the background: the command returns before every job got its signal.
    await eventually(
      async () => (await Promise.all(images.map((id) => admin.get(id)))).every((r) => r.status === JobStatus.Succeeded),
      'every image job to succeed after the batch retry',
      30_000,
    );
    const after = await eventually(async () => {
      const s = await admin.stats();
      return s.byType[image]?.succeededAfterRetry === 3 && s;
    }, 'the batch retry to be counted');
    expect(after.byType[image]).toMatchObject({ deadNow: 0, deadLettered: 3, retried: 3, succeededAfterRetry: 3 });
    // The other type's counters did not move.
    expect(after.byType[mail]?.deadNow ?? 0).toBe(before.byType[mail]?.deadNow ?? 0);
    await eventually(async () => (await admin.list({ type: image })).items.length === 0, 'the retried jobs to leave the list');
    const logged = await eventually(async () => {
      const log = (await admin.audit()).filter((e) => e.type === image);
      return log.length === 3 && log;
    }, 'each job of the batch in the audit log');
    expect(logged.map((e) => e.jobId).sort()).toEqual([...images].sort());
    expect(logged.every((e) => e.action === 'editAndRetry' && e.reason === 'batch retry' && e.detail?.via === 'signal')).toBe(true);
  });
});
