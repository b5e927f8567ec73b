/**
 * Retry options: the one shape every entry point takes (job types, submit, retry of a dead job,
 * bulk retries, the `retry` signal), named as Temporal names them, and the resolved policy a job
 * runs under. Resolution and checks live here because the job workflow applies them too.
 */
import { compileRetryPolicy, decompileRetryPolicy, type Duration } from '@temporalio/common';
import { maxCount, maxDurationMs } from './limits';

/**
 * How each retry delay is randomised; one of:
 * - `{ ratio: 0.2 }`: the delay moves at random by up to this fraction of itself, up or down (0 to 1);
 * - `{ full: true }`: anywhere from 0 to the delay ("full jitter");
 * - `{ equal: true }`: half the delay, plus anywhere up to the other half ("equal jitter");
 * - `{ max: '30s' }`: the delay, plus anywhere from 0 to this (may go past `maximumInterval` by as much).
 */
export interface JitterOptions {
  /** @defaultValue `0.2` when no other kind is given */
  ratio?: number;
  full?: true;
  equal?: true;
  max?: Duration;
}

/** A resolved jitter: exactly one of its fields. */
export type ResolvedJitter = { ratio: number } | { full: true } | { equal: true } | { maxMs: number };

/**
 * Retry options of a job type, of one submit, or of the new round of a retried dead job. Unset
 * fields keep the value they had (the type's, then the defaults). Durations are milliseconds or
 * strings such as `500ms`, `30s`, `5m`, as Temporal's own options take them.
 */
export interface RetryOptions {
  /** Delay before the first retry. @defaultValue `1s` */
  initialInterval?: Duration;
  /** Each delay is the previous one times this (at least 1). @defaultValue `2` */
  backoffCoefficient?: number;
  /** No delay is longer than this. @defaultValue `10m`, or `initialInterval` when that is longer */
  maximumInterval?: Duration;
  /**
   * Attempts per round, the first included: a whole number from 1, or `'unlimited'` (retried until
   * it succeeds, fails permanently, or an operator cancels it). N retries are N + 1 attempts.
   * @defaultValue `10`
   */
  maximumAttempts?: number | 'unlimited';
  /** Error types (an error's `name`, or a `PermanentError`'s `type`) that dead-letter at once. @defaultValue `[]` */
  nonRetryableErrorTypes?: string[];
  /** How delays are randomised; the server's own backoff has none. @defaultValue `{ ratio: 0.2 }` */
  jitter?: JitterOptions;
}

/** A retry policy with every field resolved; durations in milliseconds. What a job runs under. */
export interface ResolvedRetryPolicy {
  initialIntervalMs: number;
  backoffCoefficient: number;
  maximumIntervalMs: number;
  /** 0: unlimited. */
  maximumAttempts: number;
  nonRetryableErrorTypes: string[];
  jitter: ResolvedJitter;
}

/** `maximumAttempts` of a resolved policy that has no maximum. */
export const unlimitedAttempts = 0;

/** True when an attempt numbered `attempt` is the last the policy allows. */
export function isLastAttempt(policy: ResolvedRetryPolicy, attempt: number): boolean {
  return policy.maximumAttempts !== unlimitedAttempts && attempt >= policy.maximumAttempts;
}

/** `n of max` for people: `3 of 5`, `3 of unlimited`. */
export function attemptOf(policy: ResolvedRetryPolicy, attempt: number): string {
  return `${attempt} of ${policy.maximumAttempts === unlimitedAttempts ? 'unlimited' : policy.maximumAttempts}`;
}

/** Timeouts of one attempt, in milliseconds. */
export interface AttemptTimeouts {
  /** How long one attempt may run. */
  startToCloseMs: number;
  /** How long an attempt may go without a heartbeat before it counts as lost. */
  heartbeatMs: number;
}

/** The policy of a job type that sets none. */
export const defaultRetryPolicy: ResolvedRetryPolicy = {
  initialIntervalMs: 1_000,
  backoffCoefficient: 2,
  maximumIntervalMs: 10 * 60_000,
  maximumAttempts: 10,
  nonRetryableErrorTypes: [],
  jitter: { ratio: 0.2 },
};

/** The fields {@link RetryOptions} knows, for messages about unknown ones. */
export const retryOptionKeys: readonly (keyof RetryOptions)[] = [
  'initialInterval',
  'backoffCoefficient',
  'maximumInterval',
  'maximumAttempts',
  'nonRetryableErrorTypes',
  'jitter',
];

const jitterKeys: readonly (keyof JitterOptions)[] = ['ratio', 'full', 'equal', 'max'];

/** The jitter `options` ask for, or why it is not one. */
function resolveJitter(options: JitterOptions, base: ResolvedJitter): ResolvedJitter | string {
  const given = jitterKeys.filter((k) => options[k] !== undefined);
  if (given.length === 0) return base;
  if (given.length > 1) return `jitter takes one kind, got ${given.join(' and ')}: { ratio }, { full: true }, { equal: true } or { max }`;
  if (options.full !== undefined) return options.full === true ? { full: true } : `jitter.full must be true, got ${JSON.stringify(options.full)}`;
  if (options.equal !== undefined) return options.equal === true ? { equal: true } : `jitter.equal must be true, got ${JSON.stringify(options.equal)}`;
  if (options.max !== undefined) {
    const ms = durationToMs(options.max);
    return durationProblem(ms, options.max, 'jitter.max') ?? { maxMs: ms };
  }
  return { ratio: options.ratio as number };
}

/** Temporal's own reading of a duration (what its retry policies accept), in milliseconds; NaN when it does not read. */
export function durationToMs(value: Duration): number {
  try {
    return Number(decompileRetryPolicy(compileRetryPolicy({ initialInterval: value }))?.initialInterval ?? Number.NaN);
  } catch {
    return Number.NaN;
  }
}

/** The result of resolving options: the policy, or what is wrong with them. */
export type RetryResolution = { policy: ResolvedRetryPolicy; problem?: undefined } | { policy?: undefined; problem: string };

/** Keys of `value` that are not in `known`. */
export function unknownKeys(value: object, known: readonly string[]): string[] {
  return Object.keys(value).filter((key) => !known.includes(key));
}

/** Why `ms` (read from `value`) is no duration an option may have, or undefined when it is one. */
export function durationProblem(ms: number, value: unknown, what: string): string | undefined {
  if (Number.isFinite(ms) && ms > 0 && ms <= maxDurationMs) return undefined;
  return `${what} must be a duration from 1 ms to 100 years (milliseconds, or like "200ms", "30s", "5m"), got ${JSON.stringify(value) ?? String(value)}`;
}

function durationField(value: Duration | undefined, base: number, what: string): number | string {
  if (value === undefined) return base;
  const n = durationToMs(value);
  return durationProblem(n, value, what) ?? n;
}

/**
 * Applies `options` over `base` and checks the result. Unknown fields are a problem, named with
 * the fields there are (the library adds the nearest name).
 */
export function resolveRetryOptions(base: ResolvedRetryPolicy, options: RetryOptions = {}): RetryResolution {
  if (typeof options !== 'object' || options === null || Array.isArray(options)) return { problem: `retry options must be an object, got ${JSON.stringify(options)}` };
  const unknown = unknownKeys(options, retryOptionKeys);
  if (unknown.length > 0) return { problem: `unknown retry option ${unknown.map((k) => `"${k}"`).join(', ')}; known: ${retryOptionKeys.join(', ')}` };
  if (options.jitter !== undefined) {
    if (typeof options.jitter !== 'object' || options.jitter === null) return { problem: `jitter must be an object such as { ratio: 0.2 }, got ${JSON.stringify(options.jitter)}` };
    const badJitter = unknownKeys(options.jitter, jitterKeys);
    if (badJitter.length > 0) return { problem: `unknown jitter option ${badJitter.map((k) => `"${k}"`).join(', ')}; known: ${jitterKeys.join(', ')}` };
  }
  const jitter = options.jitter === undefined ? base.jitter : resolveJitter(options.jitter, base.jitter);
  if (typeof jitter === 'string') return { problem: jitter };
  if (options.maximumAttempts === 'unlimited') options = { ...options, maximumAttempts: unlimitedAttempts };
  else if (options.maximumAttempts === 0) return { problem: `maximumAttempts must be a whole number from 1 to ${maxCount}, or 'unlimited', got 0` };
  const initialIntervalMs = durationField(options.initialInterval, base.initialIntervalMs, 'initialInterval');
  if (typeof initialIntervalMs === 'string') return { problem: initialIntervalMs };
  // Left out, the maximum is at least the first delay: `{ initialInterval: '1h' }` alone waits an hour.
  const maximumIntervalMs = durationField(options.maximumInterval, Math.max(base.maximumIntervalMs, initialIntervalMs), 'maximumInterval');
  if (typeof maximumIntervalMs === 'string') return { problem: maximumIntervalMs };
  const policy: ResolvedRetryPolicy = {
    initialIntervalMs,
    backoffCoefficient: options.backoffCoefficient ?? base.backoffCoefficient,
    maximumIntervalMs,
    maximumAttempts: (options.maximumAttempts as number | undefined) ?? base.maximumAttempts,
    nonRetryableErrorTypes: options.nonRetryableErrorTypes ?? base.nonRetryableErrorTypes,
    jitter: jitter as ResolvedJitter,
  };
  const problem = retryPolicyProblem(policy);
  return problem ? { problem } : { policy };
}

/** Why a resolved policy is out of range, or undefined when it is fine. */
export function retryPolicyProblem(policy: ResolvedRetryPolicy): string | undefined {
  const { maximumAttempts, backoffCoefficient, jitter, initialIntervalMs, maximumIntervalMs } = policy;
  const shown = (v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? String(v) : JSON.stringify(v));
  if (maximumAttempts !== unlimitedAttempts && (!Number.isInteger(maximumAttempts) || maximumAttempts < 1 || maximumAttempts > maxCount)) {
    return `maximumAttempts must be a whole number from 1 to ${maxCount}, or 'unlimited', got ${shown(maximumAttempts)}`;
  }
  if (typeof backoffCoefficient !== 'number' || !(backoffCoefficient >= 1 && backoffCoefficient <= 1_000)) {
    return `backoffCoefficient must be a number from 1 to 1000, got ${shown(backoffCoefficient)}`;
  }
  if (jitter && 'ratio' in jitter && (typeof jitter.ratio !== 'number' || !(jitter.ratio >= 0 && jitter.ratio <= 1))) {
    return `jitter.ratio must be a number from 0 to 1, got ${shown(jitter.ratio)}`;
  }
  for (const [what, ms] of [['initialInterval', initialIntervalMs], ['maximumInterval', maximumIntervalMs]] as const) {
    const problem = durationProblem(ms, ms, what);
    if (problem) return problem;
  }
  if (!(initialIntervalMs > 0) || !(maximumIntervalMs >= initialIntervalMs)) {
    return `maximumInterval (${maximumIntervalMs} ms) must be at least initialInterval (${initialIntervalMs} ms), both positive`;
  }
  if (!Array.isArray(policy.nonRetryableErrorTypes) || policy.nonRetryableErrorTypes.length > 100 || policy.nonRetryableErrorTypes.some((t) => typeof t !== 'string')) {
    return 'nonRetryableErrorTypes must be a list of at most 100 strings';
  }
  return undefined;
}
