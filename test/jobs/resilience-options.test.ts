import { describe, expect, it } from 'vitest';
import { InvalidOptionsError } from '../../src/errors';
import { defineJob, type JobTypeOptions } from '../../src/jobs';

const base: JobTypeOptions = { type: 'test.options', handler: async () => 'ok' };
const errorOf = (options: Partial<JobTypeOptions>): Error => {
  try {
    defineJob({ ...base, ...options } as JobTypeOptions);
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected defineJob to refuse the options');
};

describe('defineJob circuitBreaker', () => {
  it('resolves the defaults and durations', () => {
    expect(defineJob({ ...base, circuitBreaker: {} }).circuitBreaker).toEqual({ failureRate: 0.5, minAttempts: 10, windowMs: 60_000, cooldownMs: 30_000, probes: 1 });
    expect(defineJob({ ...base, circuitBreaker: { failureRate: 1, minAttempts: 3, window: '10s', cooldown: 500, probes: 2 } }).circuitBreaker).toEqual({
      failureRate: 1,
      minAttempts: 3,
      windowMs: 10_000,
      cooldownMs: 500,
      probes: 2,
    });
  });

  it('leaves a type without one with none', () => {
    expect(defineJob(base).circuitBreaker).toBeUndefined();
  });

  it.each([
    [{ failureRate: 0 }, /circuitBreaker\.failureRate must be a number more than 0 and at most 1.*got 0/],
    [{ failureRate: 1.5 }, /circuitBreaker\.failureRate .*got 1\.5/],
    [{ failureRate: '50%' }, /circuitBreaker\.failureRate .*got "50%"/],
    [{ minAttempts: 0 }, /circuitBreaker\.minAttempts must be a whole number from 1/],
    [{ minAttempts: 2.5 }, /circuitBreaker\.minAttempts .*got 2\.5/],
    [{ window: 'soon' }, /circuitBreaker\.window must be a duration/],
    [{ cooldown: -1 }, /circuitBreaker\.cooldown must be a duration/],
    [{ probes: 0 }, /circuitBreaker\.probes must be a whole number from 1 to 100/],
    [{ failureRatio: 0.5 }, /unknown circuitBreaker option "failureRatio" \(did you mean "failureRate"\?\)/],
  ])('refuses %j, naming what is wrong', (circuitBreaker, message) => {
    const err = errorOf({ circuitBreaker: circuitBreaker as never });
    expect(err).toBeInstanceOf(InvalidOptionsError);
    expect(err.message).toMatch(message);
  });

  it('refuses a breaker that is not an object', () => {
    expect(errorOf({ circuitBreaker: true as never }).message).toMatch(/circuitBreaker of job type "test.options" must be an object/);
  });
});

describe('defineJob autoRedrive', () => {
  it('resolves the defaults and durations', () => {
    expect(defineJob({ ...base, autoRedrive: { errorTypes: ['UpstreamDown'] } }).autoRedrive).toEqual({ errorTypes: ['UpstreamDown'], cooldownMs: 300_000, maxTimes: 3, ratePerSecond: 1 });
    expect(defineJob({ ...base, autoRedrive: { errorTypes: ['A', 'B'], cooldown: '2m', maxTimes: 5, ratePerSecond: 0.5 } }).autoRedrive).toEqual({
      errorTypes: ['A', 'B'],
      cooldownMs: 120_000,
      maxTimes: 5,
      ratePerSecond: 0.5,
    });
  });

  it.each([
    [{}, /autoRedrive\.errorTypes must be a list of 1 to 100 error type names, got undefined/],
    [{ errorTypes: [] }, /autoRedrive\.errorTypes .*got \[\]/],
    [{ errorTypes: 'UpstreamDown' }, /autoRedrive\.errorTypes .*got "UpstreamDown"/],
    [{ errorTypes: ['A'], cooldown: 'later' }, /autoRedrive\.cooldown must be a duration/],
    [{ errorTypes: ['A'], maxTimes: 0 }, /autoRedrive\.maxTimes must be a whole number from 1/],
    [{ errorTypes: ['A'], ratePerSecond: 0 }, /autoRedrive\.ratePerSecond must be a number more than 0 and at most 1000, got 0/],
    [{ errorTypes: ['A'], rate: 5 }, /unknown autoRedrive option "rate" \(did you mean "/],
    [{ errorTypes: ['A'], cooldown: '2d' }, /autoRedrive\.cooldown of job type "test\.options" \(172800000 ms\) must be shorter than its retention \(86400000 ms\)/],
  ])('refuses %j, naming what is wrong', (autoRedrive, message) => {
    const err = errorOf({ autoRedrive: autoRedrive as never, retention: '1d' });
    expect(err).toBeInstanceOf(InvalidOptionsError);
    expect(err.message).toMatch(message);
  });
});
