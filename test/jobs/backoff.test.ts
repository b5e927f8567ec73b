import type { Client } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { describe, expect, it } from 'vitest';
import { createRunJob } from '../../activities/run-job';
import { failureFingerprint, normaliseMessage, retryDelayMs, topFrame, trimStack } from '../../src/jobs';
import { defineJob, JobRegistry } from '../../src/jobs';
import { createLogger } from '../../src/logger';
import type { AttemptDetails, AttemptRecord, ResolvedRetryPolicy } from '../../src/contract';

const policy = ({ jitterRatio = 0, ...overrides }: Partial<ResolvedRetryPolicy> & { jitterRatio?: number } = {}): ResolvedRetryPolicy => ({
  initialIntervalMs: 100,
  backoffCoefficient: 2,
  maximumIntervalMs: 1_000,
  maximumAttempts: 10,
  jitter: { ratio: jitterRatio },
  nonRetryableErrorTypes: [],
  ...overrides,
});

/** A `random` that always returns `value`, so the jitter is known. */
const fixed = (value: number) => () => value;

class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}

// Both failures come from the same function, so they share their top frame.
function callDependency(ms: number): Error {
  return new TimeoutError(`timeout after ${ms} ms`);
}
function callOtherDependency(ms: number): Error {
  return new TimeoutError(`timeout after ${ms} ms`);
}

describe('retryDelayMs', () => {
  it('grows exponentially from the initial interval', () => {
    const delays = [1, 2, 3, 4].map((attempt) => retryDelayMs(policy(), attempt, fixed(0.5)));
    expect(delays).toEqual([100, 200, 400, 800]);
  });

  it('follows the backoff coefficient', () => {
    const delays = [1, 2, 3].map((attempt) => retryDelayMs(policy({ backoffCoefficient: 3, maximumIntervalMs: 10_000 }), attempt, fixed(0.5)));
    expect(delays).toEqual([100, 300, 900]);
  });

  it('never exceeds the maximum interval', () => {
    expect(retryDelayMs(policy(), 5, fixed(0.5))).toBe(1_000);
    expect(retryDelayMs(policy(), 50, fixed(0.5))).toBe(1_000);
    expect(retryDelayMs(policy({ jitterRatio: 0.5 }), 50, fixed(0.999))).toBe(1_000);
  });

  it('moves the delay by at most the jitter ratio either way', () => {
    const p = policy({ jitterRatio: 0.2 });
    expect(retryDelayMs(p, 2, fixed(0))).toBe(160);
    expect(retryDelayMs(p, 2, fixed(0.5))).toBe(200);
    expect(retryDelayMs(p, 2, fixed(0.999_999))).toBe(240);
  });

  it('stays within the jitter bounds for any random value', () => {
    const p = policy({ jitterRatio: 0.3, maximumIntervalMs: 100_000 });
    for (let i = 0; i <= 100; i++) {
      const delay = retryDelayMs(p, 3, fixed(i / 101));
      expect(delay).toBeGreaterThanOrEqual(400 * 0.7);
      expect(delay).toBeLessThanOrEqual(400 * 1.3);
    }
  });

  it('uses different delays for different random values', () => {
    const p = policy({ jitterRatio: 0.2 });
    expect(retryDelayMs(p, 1, fixed(0.1))).not.toBe(retryDelayMs(p, 1, fixed(0.9)));
  });

  it('is never below one millisecond', () => {
    expect(retryDelayMs(policy({ initialIntervalMs: 1, maximumIntervalMs: 1, jitterRatio: 1 }), 1, fixed(0))).toBe(1);
  });
});

describe('retryDelayMs with other kinds of jitter', () => {
  const third = policy({ maximumIntervalMs: 100_000 }); // base 400 ms before the third attempt
  it('full: anywhere from nothing to the whole delay', () => {
    expect(retryDelayMs({ ...third, jitter: { full: true } }, 3, fixed(0))).toBe(1);
    expect(retryDelayMs({ ...third, jitter: { full: true } }, 3, fixed(0.5))).toBe(200);
    expect(retryDelayMs({ ...third, jitter: { full: true } }, 3, fixed(0.999))).toBe(400);
  });
  it('equal: half the delay, plus up to the other half', () => {
    expect(retryDelayMs({ ...third, jitter: { equal: true } }, 3, fixed(0))).toBe(200);
    expect(retryDelayMs({ ...third, jitter: { equal: true } }, 3, fixed(0.999))).toBe(400);
  });
  it('max: the delay plus up to the amount, past the maximum interval too', () => {
    expect(retryDelayMs({ ...third, jitter: { maxMs: 30_000 } }, 3, fixed(0))).toBe(400);
    expect(retryDelayMs({ ...third, jitter: { maxMs: 30_000 } }, 3, fixed(0.5))).toBe(15_400);
    expect(retryDelayMs({ ...policy({ maximumIntervalMs: 1_000 }), jitter: { maxMs: 30_000 } }, 20, fixed(0.5))).toBe(16_000);
  });
});

describe('normaliseMessage', () => {
  it('reads numbers that vary as the same', () => {
    expect(normaliseMessage('timeout after 1203 ms')).toBe(normaliseMessage('timeout after 877 ms'));
    expect(normaliseMessage('timeout after 1203 ms')).toBe('timeout after <n> ms');
  });

  it('reads ids and quoted values that vary as the same', () => {
    expect(normaliseMessage('user "alice" not found in 3f2b8c1e-1d2a-4b3c-9d8e-7f6a5b4c3d2e')).toBe(
      normaliseMessage("user 'bob' not found in 0a1b2c3d-4e5f-4a6b-8c7d-9e8f7a6b5c4d"),
    );
    expect(normaliseMessage('object 5f3e2d1c0b9a8f7e missing')).toBe('object <id> missing');
  });

  it('collapses whitespace', () => {
    expect(normaliseMessage('  connection \n reset  ')).toBe('connection reset');
  });

  it('keeps the words that tell failures apart', () => {
    expect(normaliseMessage('connection refused')).not.toBe(normaliseMessage('connection reset'));
  });
});

describe('failureFingerprint', () => {
  it('gives failures from the same frame that differ only in numbers the same fingerprint', () => {
    const a = callDependency(1203);
    const b = callDependency(877);
    expect(a.message).not.toBe(b.message);
    expect(failureFingerprint(a.name, a.message, a.stack)).toBe(failureFingerprint(b.name, b.message, b.stack));
  });

  it('gives a different error type a different fingerprint', () => {
    const a = callDependency(1203);
    expect(failureFingerprint('TimeoutError', a.message, a.stack)).not.toBe(failureFingerprint('ConnectionError', a.message, a.stack));
  });

  it('gives the same message from another frame a different fingerprint', () => {
    const a = callDependency(1203);
    const b = callOtherDependency(1203);
    expect(failureFingerprint(a.name, a.message, a.stack)).not.toBe(failureFingerprint(b.name, b.message, b.stack));
  });

  it('is a short hex id', () => {
    expect(failureFingerprint('TimeoutError', 'timeout after 5 ms')).toMatch(/^[0-9a-f]{12}$/);
  });
});

/** One failing attempt of a job whose handler is `handler`, run by rebound's own activity; returns its record. */
async function failedAttempt(handler: (payload: { ms: number }) => Promise<unknown>, ms: number): Promise<AttemptRecord> {
  const def = defineJob({ type: 'fingerprint.test', retry: { maximumAttempts: 1 }, handler });
  const runJob = createRunJob({ registry: new JobRegistry([def]), logger: createLogger({ level: 'silent', pretty: false }) });
  // The activity reports the failed attempt to its workflow early; here nobody listens.
  const client = {
    withAbortSignal: <R>(_signal: AbortSignal, fn: () => R) => fn(),
    workflow: { getHandle: () => ({ signal: async () => undefined }) },
  } as unknown as Client;
  const env = new MockActivityEnvironment({ attempt: 1 }, { client });
  let last: AttemptDetails | undefined;
  env.on('heartbeat', (details: AttemptDetails) => (last = details));
  await expect(env.run(runJob, { jobId: 'j', type: def.type, payload: { ms }, round: 1, retry: def.retry, heartbeatMs: 30_000 })).rejects.toThrow(
    `timeout after ${ms} ms`,
  );
  return last!.attempts[0];
}

async function chargeCard({ ms }: { ms: number }): Promise<never> {
  throw new TimeoutError(`timeout after ${ms} ms`);
}
async function refundCard({ ms }: { ms: number }): Promise<never> {
  await Promise.resolve();
  throw new TimeoutError(`timeout after ${ms} ms`);
}

describe('topFrame', () => {
  it('skips dependencies, Node internals and rebound’s own activity to name the handler frame without line and column', () => {
    const stack = [
      'Error: boom',
      '    at lib (/app/node_modules/some-lib/index.js:10:5)',
      '    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)',
      '    at runJob (/app/activities/run-job.ts:80:20)',
      '    at sendEmail (/app/jobs/email.ts:42:11)',
      '    at main (/app/index.ts:1:1)',
    ].join('\n');
    expect(topFrame(stack)).toBe('sendEmail (email)');
  });

  it('reads the same from the TypeScript source and from the compiled JavaScript, wherever it is installed', () => {
    const fromSource = ['TimeoutError: timeout after 5 ms', '    at sendEmail (/home/dev/app/jobs/email.ts:42:11)', '    at runJob (/home/dev/app/activities/run-job.ts:80:20)'];
    const fromDist = [
      'TimeoutError: timeout after 5 ms',
      '    at sendEmail (/srv/app/dist/jobs/email.js:37:15)',
      '    at async runJob (/srv/app/node_modules/rebound/dist/activities/run-job.js:71:28)',
    ];
    const fromOwnDist = ['TimeoutError: timeout after 5 ms', '    at Object.sendEmail [as handler] (C:\\app\\dist\\jobs\\email.js:37:15)', '    at async runJob (C:\\app\\dist\\activities\\run-job.js:71:28)'];
    expect(topFrame(fromSource.join('\n'))).toBe('sendEmail (email)');
    expect(topFrame(fromDist.join('\n'))).toBe('sendEmail (email)');
    expect(topFrame(fromOwnDist.join('\n'))).toBe('sendEmail (email)');
  });

  it('skips frames without a file and drops `async`, so a throw before or after an await reads the same', () => {
    const stack = [
      'Error: boom',
      '    at Socket.onError (/app/node_modules/pg/lib/client.js:10:5)',
      '    at async Promise.all (index 0)',
      '    at async syncUsers (file:///app/jobs/sync.mjs:12:3)',
    ].join('\n');
    expect(topFrame(stack)).toBe('syncUsers (sync)');
    expect(topFrame('Error: boom\n    at /app/jobs/sync.js:3:9')).toBe('sync');
  });

  it('is empty without a stack or without a frame of the handler', () => {
    expect(topFrame(undefined)).toBe('');
    expect(topFrame('Error: boom\n    at lib (/app/node_modules/x/index.js:1:1)\n    at runJob (/app/dist/activities/run-job.js:1:1)')).toBe('');
  });

  it('names the handler frame of a real failure run by rebound’s activity', async () => {
    const record = await failedAttempt(chargeCard, 1203);
    expect(record.stack).toContain('chargeCard');
    expect(topFrame(record.stack)).toBe('chargeCard (backoff.test)');
    const afterAwait = await failedAttempt(refundCard, 877);
    expect(topFrame(afterAwait.stack)).toBe('refundCard (backoff.test)');
  });
});

describe('failure groups of real attempts', () => {
  it('puts `timeout after 1203 ms` and `timeout after 877 ms` from one handler frame in one group, another frame in another', async () => {
    const a = await failedAttempt(chargeCard, 1203);
    const b = await failedAttempt(chargeCard, 877);
    const c = await failedAttempt(refundCard, 1203);
    expect(a.fingerprint).toMatch(/^[0-9a-f]{12}$/);
    expect(a.fingerprint).toBe(b.fingerprint);
    expect(c.fingerprint).not.toBe(a.fingerprint);
  });
});

describe('trimStack', () => {
  it('keeps at most the given number of lines and characters', () => {
    const stack = Array.from({ length: 50 }, (_, i) => `line ${i}`).join('\n');
    expect(trimStack(stack, 3)).toBe('line 0\nline 1\nline 2');
    expect(trimStack(stack, 50, 10)).toHaveLength(10);
    expect(trimStack(undefined)).toBeUndefined();
  });
});
