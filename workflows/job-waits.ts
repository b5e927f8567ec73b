/**
 * What a job waits for beside an operator: its type's circuit breaker, while it refuses attempts,
 * and its type's automatic redrive, while the job is dead.
 */
import { ActivityFailure, ApplicationFailure, CancellationScope, condition, log, proxyActivities, setCurrentDetails } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { attemptOf, breakerOpenFailureType, type BreakerRefusal, type JobInput, type JobState } from '../src/contract';
import { note } from './job-state';

const { takeRedriveSlot } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
  summary: 'take a redrive time',
});

/** What an attempt refused by its type's open circuit breaker says, or undefined for any other failure. */
export function refusalOf(err: ActivityFailure): BreakerRefusal | undefined {
  const cause = err.cause;
  if (!(cause instanceof ApplicationFailure) || cause.type !== breakerOpenFailureType) return undefined;
  return cause.details?.[1] as BreakerRefusal | undefined;
}

/**
 * Waits, holding no worker, until the type's breaker wakes the job or `retryAfterMs` passes;
 * the refused attempt used up none of the job's.
 */
export async function waitForBreaker(state: JobState, refusal: BreakerRefusal, wakes: { count: number }): Promise<void> {
  const seen = wakes.count;
  const now = new Date();
  const retryAt = new Date(now.getTime() + refusal.retryAfterMs).toISOString();
  if (state.breakerWait) {
    state.breakerWait.retryAt = retryAt;
    state.breakerWait.refusals++;
  } else {
    state.breakerWait = { since: now.toISOString(), retryAt, refusals: 1 };
    note(state, 'BreakerOpen', `the circuit breaker of ${state.type} is ${refusal.state === 'halfOpen' ? 'half-open' : 'open'}: waiting, with ${state.attempts} attempt(s) used`);
  }
  setCurrentDetails(
    `**Waiting for the circuit breaker** of \`${state.type}\`: attempt ${attemptOf(state.retry, state.attempts + 1)} runs once it lets attempts through ` +
      `(looks again by ${retryAt} at the latest).`,
  );
  log.info('job waits for its circuit breaker', { jobId: state.jobId, type: state.type, attempt: state.attempts, round: state.round });
  await condition(() => wakes.count > seen, Math.max(1, refusal.retryAfterMs), { summary: 'circuit breaker open: waiting' });
}

/** Records that the breaker let the job's attempts through again, after it waited. */
export function breakerPassed(state: JobState): void {
  if (!state.breakerWait) return;
  note(state, 'BreakerClosed', `attempts resumed after ${state.breakerWait.refusals} refused`);
  state.breakerWait = undefined;
}

/** True when the dead job's type redrives its error automatically, and the job has redrives left. */
export function autoRedriveDue(state: JobState, { autoRedrive }: JobInput): boolean {
  return autoRedrive !== undefined && autoRedrive.errorTypes.includes(state.errorType ?? '') && (state.autoRedrives ?? 0) < autoRedrive.maxTimes;
}

/**
 * Waits out the redrive cooldown, then the type's next free redrive time: `redrive` when the job
 * is to be retried now, `woken` when an operator's retry or cancel came first, undefined when its
 * retention ends before the cooldown (it just parks).
 */
export async function autoRedrive(state: JobState, input: JobInput, woken: () => boolean, show: () => void): Promise<'redrive' | 'woken' | undefined> {
  const policy = input.autoRedrive!;
  const dueAt = Date.parse(state.deadLetteredAt!) + policy.cooldownMs;
  if (dueAt >= Date.parse(state.expiresAt!)) return undefined;
  state.autoRedriveAt = new Date(dueAt).toISOString();
  show();
  try {
    if (await condition(woken, Math.max(1, dueAt - Date.now()), { summary: 'dead-lettered: redriven after the cooldown, unless retried or cancelled' })) return 'woken';
    // The type's gate spaces redrives out across all its jobs; an operator may still act meanwhile.
    const slotAt = await CancellationScope.cancellable(async () => {
      const taken = await Promise.race([takeRedriveSlot({ type: state.type, ratePerSecond: policy.ratePerSecond }).then((at) => Date.parse(at)), condition(woken).then(() => undefined)]);
      CancellationScope.current().cancel();
      return taken;
    });
    if (slotAt === undefined || woken()) return 'woken';
    if (slotAt > Date.now() && (await condition(woken, slotAt - Date.now(), { summary: 'dead-lettered: waiting for its turn to be redriven' }))) return 'woken';
    state.autoRedrives = (state.autoRedrives ?? 0) + 1;
    return 'redrive';
  } finally {
    state.autoRedriveAt = undefined;
  }
}
