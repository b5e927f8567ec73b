/**
 * bulkOperationWorkflow: retries or cancels a fixed selection of dead jobs at a steady rate.
 * The selection is fixed when the operation starts, so jobs dead-lettered later are never
 * touched; each job is addressed with the round it was selected in, so a job is never
 * retried twice by one operation, even when a worker dies mid-batch.
 */
import { allHandlersFinished, condition, continueAsNew, proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { Activities } from '../activities';
import { abortSignal, bulkProgressQuery, pauseSignal, resumeSignal, type BulkOperationInput, type BulkProgress } from '../src/shared';

const { applyToJobs } = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '20s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

/** One bulk retry or cancel. */
export async function bulkOperationWorkflow(input: BulkOperationInput): Promise<BulkProgress> {
  const progress: BulkProgress = input.carried ?? {
    operationId: input.operationId,
    kind: input.kind,
    state: 'Running',
    matched: input.jobs.length,
    done: 0,
    skipped: 0,
    failed: 0,
    remaining: input.jobs.length,
    errors: [],
  };
  let aborted = false;
  setHandler(bulkProgressQuery, () => progress);
  setHandler(pauseSignal, () => {
    if (progress.state === 'Running') progress.state = 'Paused';
  });
  setHandler(resumeSignal, () => {
    if (progress.state === 'Paused') progress.state = 'Running';
  });
  setHandler(abortSignal, () => {
    aborted = true;
  });

  // The jobs not yet handled are the last `remaining` of the selection.
  const queue = input.jobs.slice(input.jobs.length - progress.remaining);
  // One batch is about a second of work, paced inside the activity.
  const batchSize = Math.max(1, Math.ceil(input.rate));
  while (queue.length > 0 && !aborted) {
    await condition(() => progress.state === 'Running' || aborted);
    if (aborted) break;
    const batch = queue.splice(0, batchSize);
    const results = await applyToJobs({ kind: input.kind, jobs: batch, rate: input.rate, retryPolicy: input.retryPolicy, reason: input.reason });
    for (const r of results) {
      progress[r.outcome]++;
      if (r.outcome === 'failed') progress.errors = [...progress.errors, { jobId: r.jobId, message: r.message ?? '' }].slice(-20);
    }
    progress.remaining = queue.length;
    if (workflowInfo().continueAsNewSuggested && queue.length > 0 && !aborted) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof bulkOperationWorkflow>({ ...input, carried: progress });
    }
  }
  progress.state = aborted ? 'Aborted' : 'Completed';
  return progress;
}
