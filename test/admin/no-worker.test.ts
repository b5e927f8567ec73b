import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin, type DeadLetterAdmin } from '../../src/admin';
import { JobStatus } from '../../src/contract';
import { deadJobType } from '../fixtures/dead-jobs';
import { testEnv, unique, type TestEnv } from '../helpers';

const emails = deadJobType('email.send');

describe('admin.retry and admin.cancel with no worker running', () => {
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  let ids: string[];

  beforeAll(async () => {
    env = await testEnv();
    const { stop } = await env.startWorker([emails]);
    const jobs = env.jobs([emails]);
    const handles = await Promise.all([1, 2].map(() => jobs.submit('email.send', { error: 'timeout' }, { jobId: unique('orphan') })));
    for (const h of handles) expect((await h.settled()).status).toBe(JobStatus.DeadLettered);
    ids = handles.map((h) => h.jobId);
    await stop();
    admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue, jobs: [emails] });
  });
  afterAll(() => env.close());

  it('refuse rather than wait for a worker, naming the job and the task queue, and change nothing', async () => {
    const [retried] = await admin.retry([ids[0]], { payload: { fixed: true } });
    const [cancelled] = await admin.cancel([ids[1]]);
    for (const [result, id] of [[retried, ids[0]], [cancelled, ids[1]]] as const) {
      expect(result).toMatchObject({ jobId: id, ok: false, error: { name: 'WorkerUnavailableError' } });
      expect(result.error?.message).toContain(`"${id}"`);
      expect(result.error?.message).toContain(`task queue "${env.config.taskQueue}"`);
    }

    // Once a worker runs again, both jobs are still dead in their first round.
    await env.startWorker([emails]);
    for (const id of ids) expect(await admin.get(id)).toMatchObject({ status: JobStatus.DeadLettered, round: 1 });
  });
});
