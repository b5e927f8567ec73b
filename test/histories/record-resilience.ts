/**
 * Records the histories of circuit breakers and automatic redrive the replay test checks:
 * `npx tsx test/histories/record-resilience.ts` (as `record.ts` does for the other runs). A job
 * that waited for its type's breaker, the breaker's own workflow, a job redriven automatically,
 * and the redrive gate.
 */
import { breakerWorkflowId, jobWorkflowId, redriveGateWorkflowId } from '../../src/contract';
import { defineJob } from '../../src/jobs';
import { record, until } from './recording';

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

record([guarded, redriven], async ({ config, jobs, admin }) => {
  const histories: Record<string, string> = {};
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
  return histories;
});
