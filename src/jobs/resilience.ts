/**
 * A job type's circuit breaker and automatic redrive: the options as people write them, and
 * their checks.
 */
import type { Duration } from '@temporalio/common';
import { maxCount, type AutoRedrivePolicy, type BreakerPolicy } from '../contract';
import { InvalidOptionsError } from '../errors';
import { checkOptionKeys, toMs } from './options';

/**
 * A job type's circuit breaker. When the share of failed attempts over `window` reaches
 * `failureRate` (once the window holds `minAttempts`), the breaker opens: attempts of the type
 * wait instead of running, and use up none of their jobs' attempts. After `cooldown` it lets
 * `probes` attempts through; it closes when they all succeed and opens again when one fails.
 * Attempts that fail with a permanent error (non-retryable) say nothing of the dependency and
 * are not counted.
 */
export interface CircuitBreakerOptions {
  /** Share of failed attempts, more than 0 and at most 1. @defaultValue `0.5` */
  failureRate?: number;
  /** Attempts in the window before the rate counts, a whole number from 1. @defaultValue `10` */
  minAttempts?: number;
  /** How far back attempts count. @defaultValue `'1m'` */
  window?: Duration;
  /** How long the breaker stays open before it lets probes through. @defaultValue `'30s'` */
  cooldown?: Duration;
  /** Probe attempts while half-open, a whole number from 1 to 100. @defaultValue `1` */
  probes?: number;
}

/**
 * Automatic redrive of a job type's dead jobs: a job dead-lettered with one of `errorTypes` is
 * retried `cooldown` after its dead-lettering, at most `maxTimes` times, and at most
 * `ratePerSecond` jobs of the type a second across workers. An operator's retry or cancel while
 * it waits wins.
 */
export interface AutoRedriveOptions {
  /** The error types (an error's `name`, or a `PermanentError`'s `type`) that are redriven; at least one. */
  errorTypes: string[];
  /** How long after a dead-lettering the job is redriven. @defaultValue `'5m'` */
  cooldown?: Duration;
  /** Redrives of one job, at most, a whole number from 1. @defaultValue `3` */
  maxTimes?: number;
  /** Redrives of the type a second, across jobs, more than 0 and at most 1000. @defaultValue `1` */
  ratePerSecond?: number;
}

const breakerKeys: readonly (keyof CircuitBreakerOptions)[] = ['failureRate', 'minAttempts', 'window', 'cooldown', 'probes'];
const redriveKeys: readonly (keyof AutoRedriveOptions)[] = ['errorTypes', 'cooldown', 'maxTimes', 'ratePerSecond'];

function wholeNumber(value: unknown, what: string, max: number): number {
  if (typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= max) return value;
  throw new InvalidOptionsError(`${what} must be a whole number from 1 to ${max}, got ${JSON.stringify(value)}`);
}

function options<T extends object>(value: unknown, what: string, example: string): T {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidOptionsError(`${what} must be an object such as ${example}, got ${JSON.stringify(value)}`);
  }
  return value as T;
}

/** The breaker policy of `value`; throws {@link InvalidOptionsError} naming the first bad field. */
export function resolveCircuitBreaker(value: unknown, type: string): BreakerPolicy {
  const o = options<CircuitBreakerOptions>(value, `circuitBreaker of job type "${type}"`, "{ failureRate: 0.5, minAttempts: 10, window: '1m', cooldown: '30s' }");
  checkOptionKeys(o, breakerKeys, 'circuitBreaker');
  const failureRate = o.failureRate ?? 0.5;
  if (typeof failureRate !== 'number' || !(failureRate > 0 && failureRate <= 1)) {
    throw new InvalidOptionsError(`circuitBreaker.failureRate must be a number more than 0 and at most 1 (a share of attempts), got ${JSON.stringify(o.failureRate)}`);
  }
  return {
    failureRate,
    minAttempts: wholeNumber(o.minAttempts ?? 10, 'circuitBreaker.minAttempts', maxCount),
    windowMs: toMs(o.window ?? '1m', 'circuitBreaker.window'),
    cooldownMs: toMs(o.cooldown ?? '30s', 'circuitBreaker.cooldown'),
    probes: wholeNumber(o.probes ?? 1, 'circuitBreaker.probes', 100),
  };
}

/** The redrive policy of `value`; throws {@link InvalidOptionsError} naming the first bad field. */
export function resolveAutoRedrive(value: unknown, type: string): AutoRedrivePolicy {
  const o = options<AutoRedriveOptions>(value, `autoRedrive of job type "${type}"`, "{ errorTypes: ['UpstreamDown'], cooldown: '5m' }");
  checkOptionKeys(o, redriveKeys, 'autoRedrive');
  const { errorTypes } = o;
  if (!Array.isArray(errorTypes) || errorTypes.length === 0 || errorTypes.length > 100 || errorTypes.some((t) => typeof t !== 'string' || t === '')) {
    throw new InvalidOptionsError(`autoRedrive.errorTypes must be a list of 1 to 100 error type names, got ${JSON.stringify(errorTypes)}`);
  }
  const ratePerSecond = o.ratePerSecond ?? 1;
  if (typeof ratePerSecond !== 'number' || !(ratePerSecond > 0 && ratePerSecond <= 1_000)) {
    throw new InvalidOptionsError(`autoRedrive.ratePerSecond must be a number more than 0 and at most 1000, got ${JSON.stringify(o.ratePerSecond)}`);
  }
  return {
    errorTypes: [...errorTypes],
    cooldownMs: toMs(o.cooldown ?? '5m', 'autoRedrive.cooldown'),
    maxTimes: wholeNumber(o.maxTimes ?? 3, 'autoRedrive.maxTimes', maxCount),
    ratePerSecond,
  };
}
