/**
 * A storm of dead-letterings: workers batch their reports, so the queue takes far fewer signals
 * than jobs died, and its published counters (what `dlq stats` reads, without a worker) end
 * exact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deadLetterWorkflowId, type PublishedStats } from '../../src/contract';
import { deadJobType } from '../fixtures/dead-jobs';
import { eventually, testEnv, unique, type TestEnv } from '../helpers';

describe('the dead-letter queue in a storm', () => {
  const type = unique('storm');
  const defs = [deadJobType(type)];
  let env: TestEnv;
  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker(defs);
  });
  afterAll(() => env.close());

  it('counts 150 dead-letterings in a burst exactly, from far fewer signals, and publishes the counts', async () => {
    const jobs = env.jobs(defs);
    const handles = await Promise.all(Array.from({ length: 150 }, (_, i) => jobs.submit(type, { ms: i }, { jobId: unique('s') })));
    const dlq = env.client.workflow.getHandle(deadLetterWorkflowId(env.config.taskQueue));
    const published = await eventually(
      async () => {
        const memo = (await dlq.describe()).memo as { published?: PublishedStats } | undefined;
        return memo?.published?.stats.byType[type]?.deadNow === 150 ? memo.published : undefined;
      },
      'the published counters to reach 150',
      120_000,
    );
    expect(published.stats.total).toMatchObject({ deadNow: 150, deadLettered: 150 });
    expect(published.stats.groups[0]).toMatchObject({ errorType: 'TimeoutError', deadNow: 150 });
    for (const h of handles.slice(0, 5)) expect((await h.settled()).status).toBe('DeadLettered');

    // Every run of the queue's workflow: the signals it took.
    let signals = 0;
    for await (const run of env.client.workflow.list({ query: `WorkflowId = '${dlq.workflowId}'` })) {
      const history = await env.client.workflow.getHandle(dlq.workflowId, run.runId).fetchHistory();
      signals += (history.events ?? []).filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'jobEvents').length;
    }
    expect(signals).toBeGreaterThan(0);
    expect(signals).toBeLessThan(50);
  });
});
