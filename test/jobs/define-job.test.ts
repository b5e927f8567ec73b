import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { InvalidOptionsError } from '../../src/errors';
import { defaultRetryPolicy, type RetryOptions } from '../../src/contract';
import { JobRegistry, defineJob, resolveRetryPolicy, toMs, validatePayload } from '../../src/jobs';
import { rejectionOf } from '../helpers';

const handler = async () => 'done';

/** The error `fn` throws (fails the test when it throws none). */
function errorOf(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected an error, got none');
}

describe('defineJob', () => {
  it('fills every option the type leaves out with the defaults', () => {
    const def = defineJob({ type: 'test.defaults', handler });
    expect(def.type).toBe('test.defaults');
    expect(def.retry).toEqual(defaultRetryPolicy);
    expect(def.timeouts).toEqual({ startToCloseMs: 10 * 60_000, heartbeatMs: 30_000 });
    expect(def.retentionMs).toBe(14 * 24 * 3_600_000);
    expect(def.handler).toBe(handler);
  });

  it('turns durations given as strings or numbers into milliseconds', () => {
    const def = defineJob({
      type: 'test.durations',
      retry: { initialInterval: '200ms', maximumInterval: '5s', maximumAttempts: 3, backoffCoefficient: 1.5, jitter: { ratio: 0 } },
      timeout: '2m',
      heartbeatTimeout: 1_500,
      retention: '2s',
      handler,
    });
    expect(def.retry).toMatchObject({ initialIntervalMs: 200, maximumIntervalMs: 5_000, maximumAttempts: 3, backoffCoefficient: 1.5, jitter: { ratio: 0 } });
    expect(def.timeouts).toEqual({ startToCloseMs: 120_000, heartbeatMs: 1_500 });
    expect(def.retentionMs).toBe(2_000);
  });

  it('refuses an empty type', () => {
    const err = errorOf(() => defineJob({ type: ' ', handler }));
    expect(err).toBeInstanceOf(InvalidOptionsError);
    expect(err.name).toBe('InvalidOptionsError');
    expect(err.message).toMatch(/type/);
  });

  it('refuses an unknown job type option, naming the nearest known one', () => {
    const err = errorOf(() => defineJob({ type: 'test.typo', handler, retries: { maximumAttempts: 2 } } as never));
    expect(err).toBeInstanceOf(InvalidOptionsError);
    expect(err.message).toContain('"retries" (did you mean "retry"?)');
  });

  it('refuses a type without a handler', () => {
    const err = errorOf(() => defineJob({ type: 'test.no-handler' } as never));
    expect(err.name).toBe('InvalidOptionsError');
    expect(err.message).toContain('test.no-handler');
    expect(err.message).toMatch(/handler/);
  });

  it.each([
    [{ maximumAttempts: 0 }, /maximumAttempts.*0/],
    [{ maximumAttempts: -1 }, /maximumAttempts.*-1/],
    [{ maximumAttempts: 2.5 }, /maximumAttempts.*2\.5/],
    [{ backoffCoefficient: 0.5 }, /backoffCoefficient.*0\.5/],
    [{ jitter: { ratio: 1.5 } }, /jitter\.ratio.*1\.5/],
    [{ jitter: { ratio: -0.1 } }, /jitter\.ratio/],
    [{ initialInterval: '10s', maximumInterval: '1s' }, /maximumInterval.*initialInterval/],
    [{ initialInterval: 'soon' }, /initialInterval.*"soon"/],
    [{ maximumInterval: -5 }, /maximumInterval.*-5/],
    [{ nonRetryableErrorTypes: [42] as unknown as string[] }, /nonRetryableErrorTypes/],
  ] satisfies [RetryOptions, RegExp][])('refuses the retry option %j, naming it', (retry, message) => {
    const err = errorOf(() => defineJob({ type: 'test.bad-retry', retry, handler }));
    expect(err.name).toBe('InvalidOptionsError');
    expect(err.message).toMatch(message);
  });

  it.each([
    ['timeout', { timeout: 0 }],
    ['heartbeatTimeout', { heartbeatTimeout: 'never' }],
    ['retention', { retention: -1 }],
  ] as const)('refuses a bad %s, naming it', (what, options) => {
    const err = errorOf(() => defineJob({ type: 'test.bad-duration', handler, ...options }));
    expect(err.name).toBe('InvalidOptionsError');
    expect(err.message).toContain(what);
  });
});

describe('resolveRetryPolicy', () => {
  it('applies the given options over the base and keeps the rest', () => {
    const base = { ...defaultRetryPolicy, maximumAttempts: 4, nonRetryableErrorTypes: ['ValidationError'] };
    expect(resolveRetryPolicy(base, { maximumAttempts: 7, initialInterval: 50 })).toEqual({ ...base, maximumAttempts: 7, initialIntervalMs: 50 });
    expect(resolveRetryPolicy(base)).toEqual(base);
  });

  it('refuses maximumAttempts 0 with an InvalidOptionsError that names it', () => {
    const err = errorOf(() => resolveRetryPolicy(defaultRetryPolicy, { maximumAttempts: 0 }));
    expect(err).toBeInstanceOf(InvalidOptionsError);
    expect(err.message).toMatch(/maximumAttempts/);
  });

  it.each([
    ['maxAttempts', 'maximumAttempts'],
    ['jitterRatio', 'jitter'],
    ['initialIntervalMs', 'initialInterval'],
    ['maxInterval', 'maximumInterval'],
  ])('refuses the unknown option %s, suggesting %s', (unknown, nearest) => {
    const err = errorOf(() => resolveRetryPolicy(defaultRetryPolicy, { [unknown]: 3 } as RetryOptions));
    expect(err).toBeInstanceOf(InvalidOptionsError);
    expect(err.message).toContain(`"${unknown}" (did you mean "${nearest}"?)`);
  });

  it('refuses an unknown jitter option, naming the known ones', () => {
    const err = errorOf(() => resolveRetryPolicy(defaultRetryPolicy, { jitter: { rate: 0.1 } } as unknown as RetryOptions));
    expect(err.message).toMatch(/unknown jitter option "rate".*ratio/);
  });

  it('raises a maximumInterval left out to a longer initialInterval, and keeps one given', () => {
    expect(resolveRetryPolicy(defaultRetryPolicy, { initialInterval: '1h' })).toMatchObject({ initialIntervalMs: 3_600_000, maximumIntervalMs: 3_600_000 });
    expect(resolveRetryPolicy(defaultRetryPolicy, { initialInterval: '1m' })).toMatchObject({ initialIntervalMs: 60_000, maximumIntervalMs: 600_000 });
    expect(errorOf(() => resolveRetryPolicy(defaultRetryPolicy, { initialInterval: '1h', maximumInterval: '10m' })).message).toMatch(/maximumInterval.*initialInterval/);
  });

  it('checks the merged policy, not just the given fields', () => {
    const base = { ...defaultRetryPolicy, initialIntervalMs: 5_000, maximumIntervalMs: 10_000 };
    const err = errorOf(() => resolveRetryPolicy(base, { maximumInterval: '1s' }));
    expect(err.name).toBe('InvalidOptionsError');
    expect(err.message).toMatch(/maximumInterval/);
  });
});

describe('retry options of every kind', () => {
  it("takes maximumAttempts 'unlimited' and refuses 0, saying both forms", () => {
    expect(resolveRetryPolicy(defaultRetryPolicy, { maximumAttempts: 'unlimited' }).maximumAttempts).toBe(0);
    expect(errorOf(() => resolveRetryPolicy(defaultRetryPolicy, { maximumAttempts: 0 })).message).toContain("from 1 to 2147483647, or 'unlimited'");
  });

  it.each([
    [{ full: true }, { full: true }],
    [{ equal: true }, { equal: true }],
    [{ max: '30s' }, { maxMs: 30_000 }],
    [{ ratio: 0.1 }, { ratio: 0.1 }],
  ] as const)('resolves the jitter %j', (jitter, resolved) => {
    expect(resolveRetryPolicy(defaultRetryPolicy, { jitter }).jitter).toEqual(resolved);
  });

  it('refuses two kinds of jitter at once, and a bad amount, naming them', () => {
    expect(errorOf(() => resolveRetryPolicy(defaultRetryPolicy, { jitter: { full: true, ratio: 0.2 } })).message).toContain('jitter takes one kind, got ratio and full');
    expect(errorOf(() => resolveRetryPolicy(defaultRetryPolicy, { jitter: { max: 'soon' as never } })).message).toContain('jitter.max must be a duration');
  });
});

describe('toMs', () => {
  it('reads numbers as milliseconds and strings as durations', () => {
    expect(toMs(250, 'x')).toBe(250);
    expect(toMs('250ms', 'x')).toBe(250);
    expect(toMs('1.5s', 'x')).toBe(1_500);
    expect(toMs('5m', 'x')).toBe(300_000);
  });

  it.each([
    ['zero', 0],
    ['a negative number', -1],
    ['NaN', Number.NaN],
    ['Infinity', Number.POSITIVE_INFINITY],
    ['an empty string', ''],
    ['a string that is no duration', 'abc'],
  ] as const)('refuses %s, naming the option', (_label, value) => {
    const err = errorOf(() => toMs(value, 'someOption'));
    expect(err.name).toBe('InvalidOptionsError');
    expect(err.message).toContain('someOption');
  });
});

describe('JobRegistry', () => {
  const a = defineJob({ type: 'test.a', handler });
  const b = defineJob({ type: 'test.b', handler });

  it('finds a type by name', () => {
    const registry = new JobRegistry([b, a]);
    expect(registry.get('test.a')).toBe(a);
    expect(registry.has('test.b')).toBe(true);
    expect(registry.has('test.c')).toBe(false);
    expect(registry.types()).toEqual(['test.a', 'test.b']);
  });

  it('refuses a type defined twice', () => {
    const err = errorOf(() => new JobRegistry([a, defineJob({ type: 'test.a', handler })]));
    expect(err.name).toBe('InvalidOptionsError');
    expect(err.message).toContain('test.a');
  });

  it('throws an UnknownJobTypeError naming the type and the known ones', () => {
    const err = errorOf(() => new JobRegistry([a, b]).get('test.nope'));
    expect(err.name).toBe('UnknownJobTypeError');
    expect(err.message).toContain('"test.nope"');
    expect(err.message).toContain('test.a, test.b');
  });
});

describe('validatePayload', () => {
  const typed = defineJob({ type: 'test.typed', schema: z.object({ to: z.string(), count: z.number().int().default(1) }), handler });

  it('returns the parsed payload, defaults applied', async () => {
    expect(await validatePayload(typed, { to: 'a@b.c' })).toEqual({ to: 'a@b.c', count: 1 });
  });

  it('accepts anything when the type has no schema', async () => {
    const untyped = defineJob({ type: 'test.untyped', handler });
    expect(await validatePayload(untyped, 'anything')).toBe('anything');
  });

  it('throws a PayloadValidationError naming the type and each bad field', async () => {
    const err = await rejectionOf(validatePayload(typed, { to: 5, count: 1.5 }));
    expect(err.name).toBe('PayloadValidationError');
    expect(err.message).toContain('"test.typed"');
    expect(err.message).toMatch(/to: /);
    expect(err.message).toMatch(/count: /);
    expect((err as Error & { issues: string[] }).issues).toHaveLength(2);
  });
});
