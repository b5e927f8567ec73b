/**
 * Records the workflow histories the replay test checks every workflow change against:
 * `npx tsx test/histories/record.ts` (after a change of workflow code that is meant to change
 * command order, together with `patched()` for the runs already going). Starts its own dev
 * server and worker, runs each scenario, and writes `test/histories/<name>.json`.
 */
import { z } from 'zod';
import { deadLetterWorkflowId, jobWorkflowId } from '../../src/contract';
import { PermanentError } from '../../src/errors';
import { defineJob } from '../../src/jobs';
import { record } from './recording';

const quick = { initialInterval: 10, maximumInterval: 50 };
const flaky = defineJob({
  type: 'history.flaky',
  schema: z.object({ failTimes: z.number().optional(), fixed: z.boolean().optional() }),
  retry: { ...quick, maximumAttempts: 3 },
  async handler(payload, ctx) {
    if (payload.fixed) return { ok: true };
    if (ctx.attempt <= (payload.failTimes ?? 0)) throw new Error(`failed attempt ${ctx.attempt}`);
    if ((payload.failTimes ?? 0) >= 3) throw new PermanentError('gave up', { type: 'GaveUp' });
    return { ok: true, attempt: ctx.attempt };
  },
});

// Continue-as-new suggested early, so that a job's 8 rounds pass it.
record(
  [flaky],
  async ({ config, jobs, admin }) => {
    const histories: Record<string, string> = {};
    await (await jobs.submit('history.flaky', {}, { jobId: 'success' })).settled();
    histories.success = jobWorkflowId('success');
    await (await jobs.submit('history.flaky', { failTimes: 2 }, { jobId: 'flaky' })).settled();
    histories.flaky = jobWorkflowId('flaky');
    await (await jobs.submit('history.flaky', { failTimes: 3 }, { jobId: 'dead' })).settled();
    histories.dead = jobWorkflowId('dead');

    const retried = await jobs.submit('history.flaky', { failTimes: 3 }, { jobId: 'dead-then-retried' });
    await retried.settled();
    await admin.retry(['dead-then-retried'], { payload: { fixed: true }, reason: 'fixed' });
    await retried.result();
    histories['dead-then-retried'] = jobWorkflowId('dead-then-retried');

    // Enough rounds to pass the server's continue-as-new suggestion (60 events here).
    const long = await jobs.submit('history.flaky', { failTimes: 3 }, { jobId: 'continued-as-new' });
    await long.settled();
    for (let round = 2; round <= 8; round++) {
      await admin.retry(['continued-as-new']);
      while ((await long.status()).round < round || ['Running', 'Retrying'].includes((await long.status()).status)) await new Promise((r) => setTimeout(r, 100));
    }
    await admin.retry(['continued-as-new'], { payload: { fixed: true } });
    await long.result();
    histories['continued-as-new'] = jobWorkflowId('continued-as-new');

    for (const id of ['bulk-1', 'bulk-2', 'bulk-3']) await (await jobs.submit('history.flaky', { failTimes: 3 }, { jobId: id })).settled();
    while ((await admin.list({}, { limit: 100 })).items.length < 4) await new Promise((r) => setTimeout(r, 200));
    // Two batches, the second started a second after the first whether or not it was answered.
    // (bulk-operation.json, kept as recorded, has the operations that ran one batch at a time.)
    const { operation } = await admin.retryAll({}, { rate: 2, reason: 'bulk' });
    await operation!.result();
    histories['bulk-overlapping'] = operation!.workflowId;
    await admin.cancelAll({}, { rate: 50 }).then(async (s) => s.operation?.result());
    histories['dead-letter-queue'] = deadLetterWorkflowId(config.taskQueue);
    return histories;
  },
  { 'limit.historyCount.suggestContinueAsNew': 60 },
);
