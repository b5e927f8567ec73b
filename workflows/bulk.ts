/**
 * bulkOperationWorkflow: retries or cancels a fixed selection of dead jobs at a steady rate.
 * The selection is fixed when the operation starts, so jobs dead-lettered later are never
 * touched; each job is addressed with the round it was selected in, so a job is never
 * retried twice by one operation, even when a worker dies mid-batch. A selection too large for
 * one workflow's input runs in parts, each waiting for the part before it.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { abortSignal, bulkProgressQuery, pauseSignal, resumeSignal, type BulkOperationInput, type BulkProgress } from '../src/contract';
import type { JobOutcomeInBatch } from '../activities/dead-letter';

// A batch sends for about a second, then waits for the answers (30 s at most each).
const { applyToJobs } = proxyActivities<Activities>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '5s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

// The part before may run for hours; its absence is reported by the activity, which gives up then.
const { awaitBulkPart } = proxyActivities<Activities>({
  startToCloseTimeout: '30d',
  heartbeatTimeout: '1m',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
  summary: 'wait for the part before',
});

/** Batches a part has sent and not had every answer to, at most: about this many seconds of sends. */
const maxBatchesInFlight = 10;

/** One bulk retry or cancel, or one part of it. */
export async function bulkOperationWorkflow(input: BulkOperationInput): Promise<BulkProgress> {
  const progress: BulkProgress = input.carried ?? {
    operationId: input.operationId,
    kind: input.kind,
    state: input.part?.afterWorkflowId ? 'Waiting' : 'Running',
    matched: input.jobs.length,
    done: 0,
    skipped: 0,
    failed: 0,
    remaining: input.jobs.length,
    errors: [],
    ...(input.part ? { part: { index: input.part.index, of: input.part.of } } : {}),
  };
  let paused = progress.state === 'Paused';
  let aborted = false;
  const show = () => {
    if (progress.state === 'Waiting' || progress.state === 'Running' || progress.state === 'Paused') progress.state = paused ? 'Paused' : 'Running';
  };
  setHandler(bulkProgressQuery, () => progress);
  setHandler(pauseSignal, () => {
    paused = true;
    if (progress.state === 'Running') progress.state = 'Paused';
  });
  setHandler(resumeSignal, () => {
    paused = false;
    if (progress.state === 'Paused') progress.state = 'Running';
  });
  setHandler(abortSignal, () => {
    aborted = true;
  });

  if (progress.state === 'Waiting' && input.part?.afterWorkflowId) {
    const before = await waitForPartBefore(input.part.afterWorkflowId, () => aborted);
    if (before !== 'Completed') {
      aborted = true;
      if (before !== 'Aborted') progress.errors = [{ jobId: input.part.afterWorkflowId, message: before }];
    }
    show();
  }

  // The jobs not yet handled are the last `remaining` of the selection.
  const queue = input.jobs.slice(input.jobs.length - progress.remaining);
  // A batch is about a second of work at the asked rate (one job, below one a second): pause and
  // abort take effect between batches, and the waits between them are durable timers.
  const batchSize = Math.max(1, Math.floor(input.rate));
  const windowMs = (batchSize * 1_000) / input.rate;
  progress.rate = input.rate;
  const send = (batch: BulkOperationInput['jobs']) =>
    applyToJobs({ operationId: input.operationId, kind: input.kind, jobs: batch, rate: input.rate, windowMs, retryPolicy: input.retryPolicy, reason: input.reason, actor: input.actor });
  // Jobs the batch did not reach in its time: they go first in the next one.
  const unreached = (batch: BulkOperationInput['jobs'], results: JobOutcomeInBatch[]) => {
    const handled = new Set(results.map((r) => r.jobId));
    return batch.filter((j) => !handled.has(j.jobId));
  };
  const count = (results: JobOutcomeInBatch[]) => {
    for (const r of results) {
      progress[r.outcome]++;
      if (r.outcome === 'failed') progress.errors = [...progress.errors, { jobId: r.jobId, message: r.message ?? '' }].slice(-20);
    }
  };

  if (!patched('bulk-overlapping-batches')) {
    // Operations started before batches overlapped: one batch at a time, as they began.
    while (queue.length > 0 && !aborted) {
      await condition(() => !paused || aborted);
      if (aborted) break;
      const began = Date.now();
      const batch = queue.slice(0, batchSize);
      const results = await send(batch);
      queue.splice(0, batch.length, ...unreached(batch, results));
      count(results);
      progress.remaining = queue.length;
      const rest = began + windowMs - Date.now();
      if (rest > 0 && queue.length > 0) await condition(() => aborted || paused, rest);
      measure(progress, Date.now() - began);
      if (workflowInfo().continueAsNewSuggested && queue.length > 0 && !aborted) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof bulkOperationWorkflow>({ ...input, carried: progress });
      }
    }
  } else {
    // A batch starts every window whether the ones before have had all their answers or not: a
    // job slow to answer (a worker replaying it) holds back its batch only, not the rate.
    const inFlight = new Set<Promise<void>>();
    let jobsInFlight = 0;
    let answered = 0;
    let broken: unknown;
    let next = Date.now();
    let tick = Date.now();
    const lapse = () => {
      const now = Date.now();
      if (!paused || inFlight.size > 0) measure(progress, now - tick);
      tick = now;
    };
    const launch = (batch: BulkOperationInput['jobs']) => {
      jobsInFlight += batch.length;
      const one: Promise<void> = send(batch)
        .then(
          (results) => {
            queue.unshift(...unreached(batch, results));
            count(results);
          },
          (err: unknown) => {
            queue.unshift(...batch);
            broken ??= err;
          },
        )
        .finally(() => {
          jobsInFlight -= batch.length;
          inFlight.delete(one);
          answered++;
          progress.remaining = queue.length + jobsInFlight;
        });
      inFlight.add(one);
    };
    const canSend = () => !aborted && broken === undefined && !paused && queue.length > 0 && inFlight.size < maxBatchesInFlight;
    while (!aborted && broken === undefined && (queue.length > 0 || inFlight.size > 0)) {
      if (canSend()) {
        // Behind by more than a window (paused, or held by the batches in flight): start afresh, no burst.
        if (Date.now() - next > windowMs) next = Date.now();
        const wait = next - Date.now();
        if (wait > 0) {
          await condition(() => aborted || paused, wait);
          lapse();
          continue;
        }
        next += windowMs;
        launch(queue.splice(0, batchSize));
        progress.remaining = queue.length + jobsInFlight;
      } else {
        const seen = answered;
        await condition(() => answered !== seen || canSend() || aborted);
        lapse();
      }
      if (workflowInfo().continueAsNewSuggested && queue.length > 0 && !aborted && broken === undefined) {
        await Promise.all(inFlight);
        lapse();
        await condition(allHandlersFinished);
        // The jobs left, which batches that ran short may have put out of the selection's order.
        await continueAsNew<typeof bulkOperationWorkflow>({ ...input, jobs: [...queue], carried: { ...progress, remaining: queue.length } });
      }
    }
    // Batches already sent finish, even when aborted: their jobs have been asked.
    await Promise.all(inFlight);
    lapse();
    if (broken !== undefined) throw broken;
  }
  progress.state = aborted ? 'Aborted' : 'Completed';
  return progress;
}

/** Adds `ms` of running to the progress, with the rate achieved, and whether the asked one is out of reach. */
function measure(progress: BulkProgress, ms: number): void {
  progress.activeMs = (progress.activeMs ?? 0) + ms;
  const handled = progress.done + progress.skipped + progress.failed;
  progress.achievedRate = Math.round((handled / Math.max(progress.activeMs, 1)) * 1_000_00) / 100;
  // Judged after a few seconds, so a slow start does not count.
  if (progress.activeMs >= 5_000 && progress.rate && progress.remaining > 0) progress.rateOutOfReach = progress.achievedRate < 0.9 * progress.rate;
}

/**
 * Waits until the part before has finished: `Completed`, `Aborted` (then this part aborts too,
 * as the operator asked), or why it cannot be waited for. Stops waiting when this part is aborted.
 */
async function waitForPartBefore(workflowId: string, aborted: () => boolean): Promise<string> {
  const scope = new CancellationScope();
  const waiting = scope.run(() => awaitBulkPart({ workflowId }));
  try {
    const ended = await Promise.race([waiting, condition(aborted).then(() => undefined)]);
    if (ended === undefined) {
      scope.cancel();
      return 'Aborted';
    }
    return ended.state;
  } catch (err) {
    if (isCancellation(err)) return 'Aborted';
    const cause = err instanceof ActivityFailure ? err.cause : err;
    return cause instanceof ApplicationFailure || cause instanceof Error ? cause.message : String(cause);
  } finally {
    waiting.catch(() => undefined);
  }
}
