import { describe, expect, it } from 'vitest';
import type { BreakerPolicy } from '../../src/contract';
import { addWaiting, applyOverride, evaluate, grantProbe, initialBreakerState, nextDeadline, takeOutcomes, windowOf, type BreakerState } from '../../workflows/breaker-state';

const policy: BreakerPolicy = { failureRate: 0.5, minAttempts: 4, windowMs: 10_000, cooldownMs: 1_000, probes: 2 };
const t0 = Date.parse('2026-01-01T00:00:00Z');
const at = (ms: number) => new Date(t0 + ms).toISOString();

function breaker(): BreakerState {
  return initialBreakerState({ taskQueue: 'q', type: 't', policy });
}
function report(s: BreakerState, now: number, ...outcomes: ('succeeded' | 'failed' | 'ignored')[]): string[] {
  return [...takeOutcomes(s, outcomes.map((outcome) => ({ at: at(now), outcome })), t0 + now), ...evaluate(s, t0 + now)];
}
function probe(s: BreakerState, now: number, outcome: 'succeeded' | 'failed'): string[] {
  return [...takeOutcomes(s, [{ at: at(now), outcome, probe: true }], t0 + now), ...evaluate(s, t0 + now)];
}

describe('a breaker', () => {
  it('stays closed below its minimum of attempts, and opens once the failure rate is reached', () => {
    const s = breaker();
    report(s, 0, 'failed', 'failed', 'failed');
    expect(s.state).toBe('closed');
    report(s, 10, 'succeeded');
    expect(s.state).toBe('open');
    expect(s.halfOpenAt).toBe(t0 + 10 + policy.cooldownMs);
    expect(s.transitions.at(-1)?.why).toMatch(/3 of 4 attempts failed/);
  });

  it('stays closed while the failure rate is below the threshold, and counts ignored outcomes nowhere', () => {
    const s = breaker();
    report(s, 0, 'failed', 'succeeded', 'succeeded', 'succeeded', 'ignored', 'ignored');
    expect(s.state).toBe('closed');
    expect(windowOf(s, t0)).toEqual({ attempts: 4, failures: 1 });
  });

  it('forgets outcomes older than its window', () => {
    const s = breaker();
    report(s, 0, 'failed', 'failed', 'failed');
    expect(windowOf(s, t0 + 20_000)).toEqual({ attempts: 0, failures: 0 });
    report(s, 20_000, 'failed');
    expect(s.state).toBe('closed');
  });

  it('half-opens after the cooldown, lets its probes through and no more, and closes when they all succeed, waking every waiting job', () => {
    const s = breaker();
    report(s, 0, 'failed', 'failed', 'failed', 'failed');
    expect(addWaiting(s, ['job-a', 'job-b', 'job-c'])).toEqual([]);
    expect(grantProbe(s, t0 + 10)).toBe(false);
    expect(nextDeadline(s)).toBe(t0 + 1_000);
    // Half-open wakes as many waiting jobs as it takes probes.
    expect(evaluate(s, t0 + 1_000)).toEqual(['job-a', 'job-b']);
    expect(s.state).toBe('halfOpen');
    expect([grantProbe(s, t0 + 1_001), grantProbe(s, t0 + 1_002), grantProbe(s, t0 + 1_003)]).toEqual([true, true, false]);
    expect(probe(s, 1_100, 'succeeded')).toEqual([]);
    expect(s.state).toBe('halfOpen');
    expect(probe(s, 1_200, 'succeeded')).toEqual(['job-c']);
    expect(s.state).toBe('closed');
    expect(windowOf(s, t0 + 1_200)).toEqual({ attempts: 0, failures: 0 });
  });

  it('opens again when a probe fails, for another cooldown', () => {
    const s = breaker();
    report(s, 0, 'failed', 'failed', 'failed', 'failed');
    evaluate(s, t0 + 1_000);
    grantProbe(s, t0 + 1_000);
    probe(s, 1_500, 'failed');
    expect(s.state).toBe('open');
    expect(s.halfOpenAt).toBe(t0 + 2_500);
    expect(s.transitions.map((t) => t.to)).toEqual(['open', 'halfOpen', 'open']);
  });

  it('lets another probe through when one was never reported', () => {
    const s = breaker();
    report(s, 0, 'failed', 'failed', 'failed', 'failed');
    evaluate(s, t0 + 1_000);
    expect([grantProbe(s, t0 + 1_000), grantProbe(s, t0 + 1_000), grantProbe(s, t0 + 1_000)]).toEqual([true, true, false]);
    evaluate(s, t0 + 2_001);
    expect(grantProbe(s, t0 + 2_001)).toBe(true);
  });

  it('never half-opens while forced open, never opens while forced closed, and probes first when set back to auto from open', () => {
    const s = breaker();
    applyOverride(s, { mode: 'open', by: 'ada', at: at(0) }, t0);
    expect(s.state).toBe('open');
    expect(nextDeadline(s)).toBeUndefined();
    expect(evaluate(s, t0 + 60_000)).toEqual([]);
    expect(s.state).toBe('open');
    addWaiting(s, ['job-a']);
    expect(applyOverride(s, { mode: 'closed', by: 'bob', at: at(1) }, t0 + 1)).toEqual(['job-a']);
    report(s, 2, 'failed', 'failed', 'failed', 'failed', 'failed');
    expect(s.state).toBe('closed');
    applyOverride(s, { mode: 'open', by: 'ada', at: at(3) }, t0 + 3);
    applyOverride(s, { mode: 'auto', by: 'ada', at: at(4) }, t0 + 4);
    expect(s.state).toBe('halfOpen');
    expect(s.overrides.map((o) => [o.mode, o.by])).toEqual([
      ['open', 'ada'],
      ['closed', 'bob'],
      ['open', 'ada'],
      ['auto', 'ada'],
    ]);
  });

  it('wakes at once a job that registers while it is closed', () => {
    const s = breaker();
    expect(addWaiting(s, ['late'])).toEqual(['late']);
    expect(s.waiting).toEqual([]);
  });
});
