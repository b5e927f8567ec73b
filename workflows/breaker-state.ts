/**
 * A circuit breaker's state and how it moves: outcomes counted in a sliding window of buckets,
 * closed to open on the failure rate, open to half-open after the cooldown, half-open to closed
 * when the probes succeed or back to open when one fails. Operators' overrides pin it.
 */
import {
  BreakerStateName,
  type BreakerInput,
  type BreakerOutcome,
  type BreakerOverride,
  type BreakerPolicy,
  type BreakerRecord,
  type BreakerStatus,
  type BreakerTransition,
} from '../src/contract';

/** Buckets per window: outcomes older than the window drop out a tenth of it at a time. */
const bucketsPerWindow = 10;
/** Transitions and overrides kept: the latest ones. */
const historyLimit = 50;
/** Waiting jobs remembered; past it, jobs rely on their own timer to look again. */
export const waitingLimit = 2_000;

/** What the breaker workflow keeps and carries into continue-as-new. */
export interface BreakerState {
  taskQueue: string;
  type: string;
  policy?: BreakerPolicy;
  state: BreakerStateName;
  mode: BreakerRecord['mode'];
  openedAt?: number;
  halfOpenAt?: number;
  buckets: { at: number; attempts: number; failures: number }[];
  /** Times (ms) probes were let through, not reported yet. */
  probes: number[];
  probesSucceeded: number;
  refused: number;
  waiting: string[];
  override?: BreakerOverride;
  overrides: BreakerOverride[];
  transitions: BreakerTransition[];
}

export function initialBreakerState(input: BreakerInput): BreakerState {
  return (input.carried as BreakerState | undefined) ?? {
    taskQueue: input.taskQueue,
    type: input.type,
    policy: input.policy,
    state: BreakerStateName.Closed,
    mode: 'auto',
    buckets: [],
    probes: [],
    probesSucceeded: 0,
    refused: 0,
    waiting: [],
    overrides: [],
    transitions: [],
  };
}

const iso = (ms: number | undefined) => (ms === undefined ? undefined : new Date(ms).toISOString());

/** What the breaker publishes in its memo. */
export function statusOf(s: BreakerState): BreakerStatus {
  return { type: s.type, state: s.state, mode: s.mode, openedAt: iso(s.openedAt), halfOpenAt: s.state === BreakerStateName.Open ? iso(s.halfOpenAt) : undefined };
}

/** Attempts and failures in the window ending `now`. */
export function windowOf(s: BreakerState, now: number): { attempts: number; failures: number } {
  const since = now - (s.policy?.windowMs ?? 0);
  s.buckets = s.buckets.filter((b) => b.at + bucketMs(s) > since);
  return s.buckets.reduce((w, b) => ({ attempts: w.attempts + b.attempts, failures: w.failures + b.failures }), { attempts: 0, failures: 0 });
}

export function recordOf(s: BreakerState, now: number): BreakerRecord {
  return {
    ...statusOf(s),
    taskQueue: s.taskQueue,
    policy: s.policy,
    window: windowOf(s, now),
    probesInFlight: s.probes.length,
    probesSucceeded: s.probesSucceeded,
    refused: s.refused,
    waiting: s.waiting.length,
    override: s.override,
    overrides: s.overrides,
    transitions: s.transitions,
  };
}

const bucketMs = (s: BreakerState) => Math.max(100, Math.floor((s.policy?.windowMs ?? 1_000) / bucketsPerWindow));

/** Moves the breaker to `to`; returns the jobs to wake (all on closing, `probes` of them on half-opening). */
export function move(s: BreakerState, to: BreakerStateName, why: string, now: number): string[] {
  if (s.state === to) return [];
  s.transitions = [...s.transitions, { at: new Date(now).toISOString(), from: s.state, to, why }].slice(-historyLimit);
  s.state = to;
  s.probes = [];
  s.probesSucceeded = 0;
  if (to === BreakerStateName.Open) {
    s.openedAt = now;
    s.halfOpenAt = s.mode === 'auto' ? now + (s.policy?.cooldownMs ?? 30_000) : undefined;
    return [];
  }
  s.halfOpenAt = undefined;
  if (to === BreakerStateName.Closed) {
    s.buckets = [];
    return s.waiting.splice(0);
  }
  return s.waiting.splice(0, s.policy?.probes ?? 1);
}

/** Counts `outcomes`; returns the jobs to wake when a probe's outcome closed the breaker. */
export function takeOutcomes(s: BreakerState, outcomes: BreakerOutcome[], now: number): string[] {
  const wake: string[] = [];
  const width = bucketMs(s);
  for (const o of outcomes) {
    if (o.probe && s.state === BreakerStateName.HalfOpen) {
      s.probes.shift();
      if (o.outcome === 'failed') return move(s, BreakerStateName.Open, 'a probe failed', now);
      if (o.outcome === 'succeeded' && ++s.probesSucceeded >= (s.policy?.probes ?? 1)) wake.push(...move(s, BreakerStateName.Closed, 'the probes succeeded', now));
      continue;
    }
    if (o.outcome === 'ignored') continue;
    const at = Math.floor(Math.min(Date.parse(o.at) || now, now) / width) * width;
    let bucket = s.buckets.find((b) => b.at === at);
    if (!bucket) {
      bucket = { at, attempts: 0, failures: 0 };
      s.buckets.push(bucket);
    }
    bucket.attempts++;
    if (o.outcome === 'failed') bucket.failures++;
  }
  return wake;
}

/** Moves the breaker as time and its window say (in `auto` mode); returns the jobs to wake. */
export function evaluate(s: BreakerState, now: number): string[] {
  if (s.mode !== 'auto' || !s.policy) return [];
  const p = s.policy;
  if (s.state === BreakerStateName.Closed) {
    const w = windowOf(s, now);
    if (w.attempts >= p.minAttempts && w.failures / w.attempts >= p.failureRate) {
      return move(s, BreakerStateName.Open, `${w.failures} of ${w.attempts} attempts failed over the window (threshold ${p.failureRate})`, now);
    }
  } else if (s.state === BreakerStateName.Open && s.halfOpenAt !== undefined && now >= s.halfOpenAt) {
    return move(s, BreakerStateName.HalfOpen, 'the cooldown ended', now);
  } else if (s.state === BreakerStateName.HalfOpen) {
    // A probe never reported (its worker died): let another through after a cooldown.
    s.probes = s.probes.filter((at) => at + p.cooldownMs > now);
  }
  return [];
}

/** When `evaluate` has something to do by the clock alone, at the earliest; undefined for never. */
export function nextDeadline(s: BreakerState): number | undefined {
  if (s.mode !== 'auto' || !s.policy) return undefined;
  if (s.state === BreakerStateName.Open) return s.halfOpenAt;
  if (s.state === BreakerStateName.HalfOpen && s.probes.length > 0) return Math.min(...s.probes) + s.policy.cooldownMs;
  return undefined;
}

/** Applies an operator's override; returns the jobs to wake. */
export function applyOverride(s: BreakerState, override: BreakerOverride, now: number): string[] {
  s.override = override;
  s.overrides = [...s.overrides, override].slice(-historyLimit);
  s.mode = override.mode;
  const why = `set ${override.mode} by ${override.by}${override.reason ? `: ${override.reason}` : ''}`;
  if (override.mode === 'open') {
    if (s.state === BreakerStateName.Open) s.halfOpenAt = undefined;
    return move(s, BreakerStateName.Open, why, now);
  }
  if (override.mode === 'closed') return move(s, BreakerStateName.Closed, why, now);
  // Back to automatic: an open breaker probes first, a closed one starts a fresh window.
  if (s.state === BreakerStateName.Open) return move(s, BreakerStateName.HalfOpen, why, now);
  s.transitions = [...s.transitions, { at: new Date(now).toISOString(), from: s.state, to: s.state, why }].slice(-historyLimit);
  return [];
}

/** Lets a probe through while half-open, up to the policy's number at a time. */
export function grantProbe(s: BreakerState, now: number): boolean {
  if (s.state === BreakerStateName.Closed) return true;
  if (s.state !== BreakerStateName.HalfOpen || s.probes.length >= (s.policy?.probes ?? 1)) return false;
  s.probes.push(now);
  return true;
}

/** Remembers jobs to wake later; returns those to wake now (the breaker let attempts through meanwhile). */
export function addWaiting(s: BreakerState, workflowIds: string[]): string[] {
  if (s.state === BreakerStateName.Closed) return workflowIds;
  for (const id of workflowIds) if (!s.waiting.includes(id) && s.waiting.length < waitingLimit) s.waiting.push(id);
  return [];
}
