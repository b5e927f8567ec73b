/**
 * breakerWorkflow: the circuit breaker of one job type on one task queue. Workers report the
 * type's attempt outcomes to it (batched) and read its state from its memo before they run an
 * attempt; it opens on the failure rate, half-opens after the cooldown and lets probes through,
 * wakes the jobs that wait for it, and records operators' overrides.
 */
import { allHandlersFinished, condition, continueAsNew, log, proxyActivities, setHandler, upsertMemo, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  breakerProbeUpdate,
  breakerReportSignal,
  breakerStateQuery,
  setBreakerSignal,
  setBreakerUpdate,
  type BreakerInput,
  type BreakerOverrideRequest,
  type BreakerStatus,
} from '../src/contract';
import { addWaiting, applyOverride, evaluate, grantProbe, initialBreakerState, nextDeadline, recordOf, statusOf, takeOutcomes } from './breaker-state';

const { wakeBreakerWaiters } = proxyActivities<Activities>({
  startToCloseTimeout: '5m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '10s', maximumAttempts: 5 },
  summary: 'wake the jobs waiting for the breaker',
});

/** One job type's circuit breaker; runs until it is terminated, continuing as new as its history grows. */
export async function breakerWorkflow(input: BreakerInput): Promise<void> {
  const s = initialBreakerState(input);
  const toWake: string[] = [];
  let published: string | undefined;
  const wake = (ids: string[]) => void toWake.push(...ids);

  setHandler(breakerStateQuery, () => recordOf(s, Date.now()));
  setHandler(breakerReportSignal, ({ policy, outcomes, waiting, refused }) => {
    s.policy = policy;
    s.refused += refused;
    wake(takeOutcomes(s, outcomes, Date.now()));
    wake(evaluate(s, Date.now()));
    wake(addWaiting(s, waiting));
  });
  setHandler(breakerProbeUpdate, ({ policy }) => {
    if (policy) s.policy = policy;
    wake(evaluate(s, Date.now()));
    return { granted: grantProbe(s, Date.now()), status: statusOf(s) };
  });
  const override = (request: BreakerOverrideRequest) => {
    wake(applyOverride(s, { mode: request.mode, by: request.by, reason: request.reason, at: new Date().toISOString() }, Date.now()));
    wake(evaluate(s, Date.now()));
    log.info('breaker override', { type: s.type, mode: request.mode, by: request.by, reason: request.reason });
  };
  setHandler(setBreakerSignal, override);
  setHandler(setBreakerUpdate, (request) => {
    override(request);
    return recordOf(s, Date.now());
  }, {
    validator: (request) => {
      if (!request || !['auto', 'open', 'closed'].includes(request.mode)) throw new Error(`mode must be auto, open or closed, got ${JSON.stringify(request?.mode)}`);
      if (typeof request.by !== 'string' || request.by === '') throw new Error('an override needs who asked for it (by)');
    },
  });

  for (;;) {
    const status = JSON.stringify(statusOf(s));
    if (status !== published) {
      upsertMemo({ breaker: statusOf(s) satisfies BreakerStatus });
      published = status;
    }
    if (toWake.length > 0) {
      const ids = [...new Set(toWake.splice(0))];
      await wakeBreakerWaiters({ workflowIds: ids }).catch((err) => log.warn('could not wake waiting jobs; their timers will', { type: s.type, err: String(err) }));
      continue;
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof breakerWorkflow>({ taskQueue: s.taskQueue, type: s.type, policy: s.policy, carried: s });
    }
    const deadline = nextDeadline(s);
    const changed = () => toWake.length > 0 || JSON.stringify(statusOf(s)) !== published || workflowInfo().continueAsNewSuggested;
    if (deadline === undefined) await condition(changed);
    else if (!(await condition(changed, Math.max(1, deadline - Date.now())))) wake(evaluate(s, Date.now()));
  }
}
