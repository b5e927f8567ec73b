/**
 * Records the workflow histories the replay test checks every workflow change against:
 * `npx tsx test/histories/record.ts` (after a change of workflow code that is meant to change
 * command order, together with `patched()` for the runs already going). Starts its own dev
 * server and worker, runs each scenario, and writes `test/histories/<name>.json`.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { z } from 'zod';
import { createAdmin } from '../../src/admin';
import { createJobClient } from '../../src/client';
import { connectWorker, loadConfig } from '../../src/config';
import { deadLetterWorkflowId, jobWorkflowId } from '../../src/contract';
import { findTemporalBinary, startDevServer } from '../../src/dev';
import { PermanentError } from '../../src/errors';
import { defineJob } from '../../src/jobs';
import { createLogger } from '../../src/logger';
import { createWorker } from '../../src/worker';

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

async function main(): Promise<void> {
  const server = await startDevServer({ binary: findTemporalBinary().path, uiPort: false, dynamicConfig: { 'limit.historyCount.suggestContinueAsNew': 60 } });
  const logger = createLogger({ level: 'error', pretty: false });
  const config = loadConfig({ address: server.address, taskQueue: 'histories' }, {});
  const workerConnection = await connectWorker(config, logger);
  const worker = await createWorker({ connection: workerConnection, config, jobs: [flaky], logger });
  const running = worker.run();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const jobs = createJobClient({ client, jobs: [flaky], taskQueue: config.taskQueue });
  const admin = createAdmin({ client, taskQueue: config.taskQueue, jobs: [flaky] });
  const histories: Record<string, string> = {};
  try {
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
    const { operation } = await admin.retryAll({}, { rate: 20, reason: 'bulk' });
    await operation!.result();
    histories['bulk-operation'] = operation!.workflowId;
    await admin.cancelAll({}, { rate: 50 }).then(async (s) => s.operation?.result());
    histories['dead-letter-queue'] = deadLetterWorkflowId(config.taskQueue);

    for (const [name, workflowId] of Object.entries(histories)) {
      // The run that holds the history's end: the latest one.
      const history = await client.workflow.getHandle(workflowId).fetchHistory();
      writeFileSync(path.join(__dirname, `${name}.json`), `${JSON.stringify({ workflowId, history }, null, 1)}\n`);
      console.log(`recorded ${name}: ${history.events?.length} events`);
    }
  } finally {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await running;
    await workerConnection.close();
    await connection.close();
    await server.stop();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
