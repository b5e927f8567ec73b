import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin, type DeadLetterAdmin } from '../../src/admin';
import { JobStatus } from '../../src/contract';
import { BreakerNotFoundError, InvalidOptionsError } from '../../src/errors';
import { defineJob } from '../../src/jobs';
import { eventually, rejectionOf, testEnv, unique, type TestEnv } from '../helpers';

/** Job ids whose handler ran. */
const ran = new Set<string>();

const guarded = defineJob({
  type: 'test.breaker-guarded',
  retry: { initialInterval: 10, maximumAttempts: 1 },
  circuitBreaker: { failureRate: 0.5, minAttempts: 2, window: '1m', cooldown: '1h' },
  async handler(payload: { fail?: boolean }, ctx) {
    ran.add(ctx.jobId);
    if (payload.fail) throw new Error('dependency failed');
    return 'ok';
  },
});
const plain = defineJob({ type: 'test.breaker-none', handler: async () => 'ok' });
const defs = [guarded, plain];

describe('breaker overrides', () => {
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker(defs);
    admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue, jobs: defs });
  });
  afterAll(() => env.close());

  it('lists a configured breaker as closed before it ever ran, and reads it', async () => {
    expect(await admin.breakers()).toEqual([{ type: 'test.breaker-guarded', state: 'closed', mode: 'auto' }]);
    const record = await admin.breaker('test.breaker-guarded');
    expect(record).toMatchObject({ type: 'test.breaker-guarded', state: 'closed', mode: 'auto', refused: 0 });
    expect(record.policy).toEqual(guarded.circuitBreaker);
  });

  it('holds jobs while forced open, recording who and why, and lets them run once forced closed', async () => {
    const opened = await admin.setBreaker('test.breaker-guarded', 'open', { reason: 'payments API maintenance', by: 'alice' });
    expect(opened).toMatchObject({ state: 'open', mode: 'open', override: { mode: 'open', by: 'alice', reason: 'payments API maintenance' } });
    expect(opened.transitions.at(-1)).toMatchObject({ from: 'closed', to: 'open' });
    expect(opened.transitions.at(-1)?.why).toContain('alice');
    await eventually(async () => (await admin.breakers()).find((b) => b.type === 'test.breaker-guarded')?.state === 'open', 'the listing to show it open');

    const jobs = env.jobs(defs);
    const held = await Promise.all([1, 2, 3].map(() => jobs.submit('test.breaker-guarded', {}, { jobId: unique('held') })));
    await eventually(async () => (await Promise.all(held.map((h) => h.status()))).every((s) => s.breakerWait), 'the jobs to wait for the breaker');
    expect(held.filter((h) => ran.has(h.jobId))).toEqual([]);
    // Forced open means no probes: a job that waits is not let through by a cooldown.
    expect((await admin.breaker('test.breaker-guarded')).halfOpenAt).toBeUndefined();

    // A waiting job can be cancelled like a running one.
    const cancelled = await jobs.submit('test.breaker-guarded', {}, { jobId: unique('cancelled') });
    await eventually(async () => (await cancelled.status()).breakerWait !== undefined, 'the job to wait for the breaker');
    await cancelled.cancel();
    const gone = await cancelled.settled();
    expect(gone.status).toBe(JobStatus.Cancelled);
    expect(gone.attemptHistory).toEqual([]);

    const closed = await admin.setBreaker('test.breaker-guarded', 'closed', { reason: 'maintenance over', by: 'bob' });
    expect(closed).toMatchObject({ state: 'closed', mode: 'closed', override: { by: 'bob', reason: 'maintenance over' } });
    expect(closed.overrides.map((o) => [o.mode, o.by])).toEqual([
      ['open', 'alice'],
      ['closed', 'bob'],
    ]);
    // Both overrides are in the operators' audit log as well.
    await eventually(async () => (await admin.audit()).filter((e) => e.action === 'breakerOverride').length >= 2, 'the overrides in the audit log');
    const audited = (await admin.audit()).filter((e) => e.action === 'breakerOverride' && e.type === 'test.breaker-guarded');
    expect(audited.map((e) => [e.detail?.mode, e.actor, e.reason])).toEqual(
      expect.arrayContaining([
        ['open', 'alice', 'payments API maintenance'],
        ['closed', 'bob', 'maintenance over'],
      ]),
    );
    const records = await Promise.all(held.map((h) => h.settled()));
    expect(records.map((r) => [r.status, r.attempts])).toEqual(records.map(() => [JobStatus.Succeeded, 1]));
    expect((await admin.breaker('test.breaker-guarded')).refused).toBeGreaterThanOrEqual(3);
  });

  it('keeps a breaker forced closed closed whatever fails, and gives it back to its failure rate with auto', async () => {
    await admin.setBreaker('test.breaker-guarded', 'closed', { by: 'carol' });
    const jobs = env.jobs(defs);
    const failing = await Promise.all([1, 2, 3, 4].map(() => jobs.submit('test.breaker-guarded', { fail: true }, { jobId: unique('failing') })));
    const dead = await Promise.all(failing.map((h) => h.settled()));
    expect(dead.map((r) => r.status)).toEqual(dead.map(() => JobStatus.DeadLettered));
    await eventually(async () => (await admin.breaker('test.breaker-guarded')).window.failures >= 4, 'the failures to be counted');
    expect((await admin.breaker('test.breaker-guarded')).state).toBe('closed');

    // Counted while it was forced closed, the failures open it as soon as it follows its failure rate again.
    const auto = await admin.setBreaker('test.breaker-guarded', 'auto', { by: 'carol', reason: 'back to normal' });
    expect(auto).toMatchObject({ mode: 'auto', state: 'open' });
    expect(auto.transitions.at(-1)?.why).toMatch(/attempts failed over the window/);
    await admin.setBreaker('test.breaker-guarded', 'closed', { by: 'carol' });
  });

  it('refuses a bad mode, a type with no breaker, and an empty name of who', async () => {
    const badMode = await rejectionOf(admin.setBreaker('test.breaker-guarded', 'shut' as never));
    expect(badMode).toBeInstanceOf(InvalidOptionsError);
    expect(badMode.message).toMatch(/one of auto, open, closed, got "shut"/);
    const none = await rejectionOf(admin.setBreaker('test.breaker-none', 'open'));
    expect(none).toBeInstanceOf(BreakerNotFoundError);
    expect(none.message).toMatch(/"test.breaker-none" has no circuit breaker .*sets no circuitBreaker/);
    const unknown = await rejectionOf(admin.breaker('test.nope'));
    expect(unknown).toBeInstanceOf(BreakerNotFoundError);
    expect((await rejectionOf(admin.setBreaker('test.breaker-guarded', 'open', { by: ' ' }))).message).toMatch(/by must name who/);
  });
});
