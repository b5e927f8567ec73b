import { WorkflowNotFoundError } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin } from '../../src/admin';
import { JobStatus, breakerWorkflowId, type JobState } from '../../src/contract';
import { defineJob } from '../../src/jobs';
import { eventually, testEnv, unique, type TestEnv } from '../helpers';

class UpstreamDown extends Error {
  name = 'UpstreamDown';
}

/** The dependency the handler calls: down until the test says it recovered. */
const upstream = { down: true };

const flaky = defineJob({
  type: 'test.breaker-flaky',
  retry: { initialInterval: 200, maximumInterval: 1_000, maximumAttempts: 20 },
  // A cooldown long enough that no probe runs (and fails) before the test says the dependency recovered.
  circuitBreaker: { failureRate: 0.5, minAttempts: 3, window: '1m', cooldown: '10s', probes: 1 },
  async handler() {
    if (upstream.down) throw new UpstreamDown('upstream is down');
    return 'ok';
  },
});

/** No breaker, no redrive: fails twice, then succeeds. */
const plain = defineJob({
  type: 'test.breaker-plain',
  retry: { initialInterval: 10, maximumAttempts: 5 },
  async handler(_payload, ctx) {
    if (ctx.attempt <= 2) throw new UpstreamDown('upstream is down');
    return 'ok';
  },
});

const EventType = temporal.api.enums.v1.EventType;
const events = (state: JobState) => state.timeline.map((e) => e.event);

/** Attempt numbers run 1..n with no gap and no attempt lost: refused attempts left no trace. */
function expectAttemptsInOrder(state: JobState): void {
  expect(state.attemptHistory.map((a) => a.attempt)).toEqual(state.attemptHistory.map((_, i) => i + 1));
  expect(state.attemptHistory.filter((a) => a.outcome === 'Lost')).toEqual([]);
}

describe('circuit breaker', () => {
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker([flaky, plain]);
  });
  afterAll(() => env.close());

  it('opens on a type failing every attempt, makes its jobs wait with their attempts kept, and closes once a probe succeeds', async () => {
    const jobs = env.jobs([flaky]);
    const admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue, jobs: [flaky] });
    const early = await Promise.all([1, 2, 3, 4].map(() => jobs.submit('test.breaker-flaky', {}, { jobId: unique('early') })));
    await eventually(async () => (await admin.breaker('test.breaker-flaky')).state === 'open', 'the breaker to open');
    // The worker reads the breaker's state at most a second late: once it holds a job back, it knows.
    await eventually(async () => (await Promise.all(early.map((h) => h.status()))).some((s) => s.breakerWait !== undefined), 'the worker to hold a job back');

    // Submitted while the breaker is open, with two attempts each: refusals that used attempts up would dead-letter them.
    const late = await Promise.all([1, 2, 3].map(() => jobs.submit('test.breaker-flaky', {}, { jobId: unique('late'), retry: { maximumAttempts: 2 } })));
    const all = [...early, ...late];
    await eventually(async () => (await Promise.all(all.map((h) => h.status()))).every((s) => s.breakerWait !== undefined), 'every job to wait for the breaker');
    const waiting = await late[0].status();
    expect(waiting.status).toBe(JobStatus.Running);
    expect(events(waiting)).toContain('BreakerOpen');
    const breaker = await admin.breaker('test.breaker-flaky');
    expect(breaker.refused).toBeGreaterThan(0);
    expect(breaker.transitions.map((t) => t.to)).toContain('open');

    upstream.down = false;
    const records = await Promise.all(all.map((h) => h.settled()));
    for (const record of records) {
      expect(record.status).toBe(JobStatus.Succeeded);
      expect(events(record)).not.toContain('DeadLettered');
      expect(events(record)).toEqual(expect.arrayContaining(['BreakerOpen', 'BreakerClosed', 'Succeeded']));
      expectAttemptsInOrder(record);
    }
    for (const record of records.slice(early.length)) expect(record.attempts).toBeLessThanOrEqual(2);
    await eventually(async () => (await admin.breaker('test.breaker-flaky')).state === 'closed', 'the breaker to close');
    const closed = await admin.breaker('test.breaker-flaky');
    expect(closed.transitions.map((t) => t.to)).toEqual(expect.arrayContaining(['open', 'halfOpen', 'closed']));
  });

  it('leaves a type without a breaker as it was: no breaker started, nothing more in its history', async () => {
    const handle = await env.jobs([flaky, plain]).submit('test.breaker-plain', {}, { jobId: unique('plain') });
    expect((await handle.settled()).status).toBe(JobStatus.Succeeded);
    const history = await env.client.workflow.getHandle(handle.workflowId).fetchHistory();
    const kinds = new Set(history.events?.map((e) => e.eventType));
    // One activity, retried by the server: no marker (patch), no second activity, no timer.
    expect([...kinds].filter((k) => k === EventType.EVENT_TYPE_TIMER_STARTED)).toEqual([]);
    // The only patch marker is the retrying status's (its first failed attempt), none of the breaker's or redrive's.
    const patches = (history.events ?? [])
      .filter((e) => e.eventType === EventType.EVENT_TYPE_MARKER_RECORDED)
      .map((e) => Buffer.from(e.markerRecordedEventAttributes?.details?.['patch-data']?.payloads?.[0]?.data ?? []).toString());
    expect(patches.filter((id) => !id.includes('retrying-status'))).toEqual([]);
    expect(history.events?.filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED)).toHaveLength(1);
    const describing = env.client.workflow.getHandle(breakerWorkflowId(env.config.taskQueue, 'test.breaker-plain')).describe();
    await expect(describing).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });
});
