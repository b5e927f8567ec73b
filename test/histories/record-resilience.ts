/**
 * Records the histories of circuit breakers and automatic redrive the replay test checks:
 * `npx tsx test/histories/record-resilience.ts` (as `record.ts` does for the other runs). A job
 * that waited for its type's breaker, the breaker's own workflow, a job redriven automatically,
 * and the redrive gate.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createAdmin } from '../../src/admin';
import { createJobClient } from '../../src/client';
import { connectWorker, loadConfig } from '../../src/config';
import { breakerWorkflowId, jobWorkflowId, redriveGateWorkflowId } from '../../src/contract';
import { findTemporalBinary, startDevServer } from '../../src/dev';
import { defineJob } from '../../src/jobs';
import { createLogger } from '../../src/logger';
import { createWorker } from '../../src/worker';

class UpstreamDown extends Error {
  override name = 'UpstreamDown';
}

const guarded = defineJob({
  type: 'history.guarded',
  retry: { initialInterval: 10, maximumAttempts: 3 },
  circuitBreaker: { minAttempts: 5, cooldown: '1h' },
  handler: async () => ({ ok: true }),
});
const redriven = defineJob({
  type: 'history.redriven',
  retry: { initialInterval: 10, maximumAttempts: 2 },
  autoRedrive: { errorTypes: ['UpstreamDown'], cooldown: 200, maxTimes: 2, ratePerSecond: 10 },
  async handler(_payload, ctx) {
    if (ctx.round === 1) throw new UpstreamDown('upstream is down');
    return { ok: true, round: ctx.round };
  },
});

const until = async (check: () => Promise<boolean>) => {
  while (!(await check())) await new Promise((r) => setTimeout(r, 100));
};

async function main(): Promise<void> {
  const server = await startDevServer({ binary: findTemporalBinary().path, uiPort: false });
  const logger = createLogger({ level: 'error', pretty: false });
  const config = loadConfig({ address: server.address, taskQueue: 'histories' }, {});
  const defs = [guarded, redriven];
  const workerConnection = await connectWorker(config, logger);
  const worker = await createWorker({ connection: workerConnection, config, jobs: defs, logger });
  const running = worker.run();
  const connection = await Connection.connect({ address: server.address });
  const client = new Client({ connection });
  const jobs = createJobClient({ client, jobs: defs, taskQueue: config.taskQueue });
  const admin = createAdmin({ client, taskQueue: config.taskQueue, jobs: defs });
  const histories: Record<string, string> = {};
  try {
    // Until the server lists the worker as a poller, an override (an update) is refused.
    await until(() => admin.setBreaker('history.guarded', 'open', { by: 'recorder', reason: 'recording' }).then(() => true, () => false));
    const held = await jobs.submit('history.guarded', {}, { jobId: 'breaker-wait' });
    await until(async () => (await held.status()).breakerWait !== undefined);
    await admin.setBreaker('history.guarded', 'closed', { by: 'recorder' });
    await held.result();
    histories['breaker-wait'] = jobWorkflowId('breaker-wait');
    histories.breaker = breakerWorkflowId(config.taskQueue, 'history.guarded');

    const redrive = await jobs.submit('history.redriven', {}, { jobId: 'auto-redrive' });
    await until(async () => (await redrive.status()).status === 'Succeeded');
    histories['auto-redrive'] = jobWorkflowId('auto-redrive');
    histories['redrive-gate'] = redriveGateWorkflowId(config.taskQueue, 'history.redriven');

    for (const [name, workflowId] of Object.entries(histories)) {
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
