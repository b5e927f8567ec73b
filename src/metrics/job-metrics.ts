/**
 * rebound's own metrics, with prom-client: what a worker's activities see of its jobs (attempts,
 * failures, durations, successes, and the events reported to the dead-letter queue), and the
 * jobs dead now, read from each task queue's dead-letter queue when scraped.
 */
import { Counter, Gauge, Histogram, collectDefaultMetrics, type Registry } from 'prom-client';
import type { BreakerStateName, DeadLetterStats, JobEvent } from '../contract';

/** The value of `rebound_breaker_state` for each state. */
const breakerStateValue: Record<BreakerStateName, number> = { closed: 0, halfOpen: 1, open: 2 };

/** How an attempt ended, as the `outcome` label of `rebound_attempt_duration_seconds` says it. */
export type AttemptOutcome = 'succeeded' | 'failed' | 'interrupted' | 'cancelled';

/** What a worker's activities record, for one task queue. */
export interface JobMetrics {
  /** An attempt began; `firstOfJob` on the first attempt of the job's first round. */
  attemptStarted(jobType: string, firstOfJob: boolean): void;
  /** An attempt ended after `seconds`; a `succeeded` one means the job succeeded. `errorType` for a failed one. */
  attemptEnded(jobType: string, outcome: AttemptOutcome, seconds: number, errorType?: string): void;
  /** The job's workflow reported `event` to the dead-letter queue, and the report was taken. */
  jobEvent(event: Pick<JobEvent, 'kind' | 'type' | 'errorType'>): void;
  /** The type's circuit breaker refused an attempt. */
  attemptRefused(jobType: string): void;
  /** The type's circuit breaker was read in `state` (before an attempt). */
  breakerState(jobType: string, state: BreakerStateName): void;
}

/** Reads the counters of a task queue's dead-letter queue; undefined when they cannot be read now. */
export type DeadJobsReader = () => Promise<DeadLetterStats | undefined>;

/** The metrics of one registry: recorders per task queue, and the dead-jobs gauges' sources. */
export interface JobMetricSet {
  forTaskQueue(taskQueue: string): JobMetrics;
  /** Reads the dead jobs of `taskQueue` at each scrape, until the returned function is called. */
  watchDeadJobs(taskQueue: string, read: DeadJobsReader): () => void;
}

/** Buckets of attempt durations, in seconds: from 10 ms to an hour. */
const durationBuckets = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600, 1800, 3600];

/** Registers rebound's metrics (and, unless told not to, Node's process metrics) in `registry`. */
export function registerJobMetrics(registry: Registry, options: { processMetrics?: boolean } = {}): JobMetricSet {
  const registers = [registry];
  const byType = ['task_queue', 'job_type'] as const;
  const counter = (name: string, help: string, labelNames: readonly string[] = byType) => new Counter({ name, help, labelNames, registers });
  const started = counter('rebound_jobs_started_total', 'Jobs whose first attempt began on this worker.');
  const succeeded = counter('rebound_jobs_succeeded_total', 'Jobs that succeeded (their last attempt ran on this worker).');
  const events: Partial<Record<JobEvent['kind'], Counter>> = {
    deadLettered: counter('rebound_jobs_dead_lettered_total', 'Jobs dead-lettered (a job retried and dead again counts twice).', [...byType, 'error_type']),
    retried: counter('rebound_jobs_retried_total', 'Dead jobs retried (by an operator, or by automatic redrive).'),
    cancelled: counter('rebound_jobs_cancelled_total', 'Dead jobs cancelled.'),
    expired: counter('rebound_jobs_expired_total', 'Dead jobs whose retention ended.'),
    deleted: counter('rebound_jobs_deleted_total', 'Dead jobs deleted by an operator.'),
    succeededAfterRetry: counter('rebound_jobs_succeeded_after_retry_total', 'Dead jobs that succeeded once retried.'),
  };
  const attempts = counter('rebound_attempts_total', 'Attempts begun.');
  const refused = counter('rebound_attempts_refused_total', "Attempts refused by their type's open circuit breaker (they used up no attempt).");
  const breaker = new Gauge({
    name: 'rebound_breaker_state',
    help: "State of each job type's circuit breaker as this worker last read it: 0 closed, 1 half-open, 2 open.",
    labelNames: byType,
    registers,
  });
  const failures = counter('rebound_attempt_failures_total', 'Attempts that failed, by error type.', [...byType, 'error_type']);
  const duration = new Histogram({
    name: 'rebound_attempt_duration_seconds',
    help: 'How long attempts ran, by outcome (succeeded, failed, interrupted, cancelled).',
    labelNames: [...byType, 'outcome'],
    buckets: durationBuckets,
    registers,
  });

  // Per task queue, the readers of the workers watching it; the latest one still watching reads.
  const sources = new Map<string, DeadJobsReader[]>();
  const deadGauge = (name: string, help: string, label: 'job_type' | 'error_type', pick: (s: DeadLetterStats) => DeadLetterStats['byType']) =>
    new Gauge({
      name,
      help,
      labelNames: ['task_queue', label],
      registers,
      async collect() {
        this.reset();
        await Promise.all(
          [...sources].map(async ([taskQueue, readers]) => {
            const stats = await readers[readers.length - 1]().catch(() => undefined);
            for (const [key, counters] of Object.entries(stats ? pick(stats) : {})) this.set({ task_queue: taskQueue, [label]: key }, counters.deadNow);
          }),
        );
      },
    });
  deadGauge('rebound_dead_jobs', "Jobs dead now, by job type (the task queue's dead-letter queue: every worker reports the same).", 'job_type', (s) => s.byType);
  deadGauge('rebound_dead_jobs_by_error_type', 'Jobs dead now, by error type.', 'error_type', (s) => s.byErrorType);
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  return {
    forTaskQueue(taskQueue) {
      const labels = (jobType: string) => ({ task_queue: taskQueue, job_type: jobType });
      return {
        attemptStarted(jobType, firstOfJob) {
          attempts.inc(labels(jobType));
          if (firstOfJob) started.inc(labels(jobType));
        },
        attemptEnded(jobType, outcome, seconds, errorType) {
          duration.observe({ ...labels(jobType), outcome }, seconds);
          if (outcome === 'succeeded') succeeded.inc(labels(jobType));
          if (outcome === 'failed') failures.inc({ ...labels(jobType), error_type: errorType ?? 'Error' });
        },
        attemptRefused(jobType) {
          refused.inc(labels(jobType));
        },
        breakerState(jobType, state) {
          breaker.set(labels(jobType), breakerStateValue[state]);
        },
        jobEvent({ kind, type, errorType }) {
          const metric = events[kind];
          if (kind === 'deadLettered') metric?.inc({ ...labels(type), error_type: errorType });
          else metric?.inc(labels(type));
        },
      };
    },
    watchDeadJobs(taskQueue, read) {
      const readers = sources.get(taskQueue) ?? [];
      readers.push(read);
      sources.set(taskQueue, readers);
      return () => {
        const at = readers.indexOf(read);
        if (at >= 0) readers.splice(at, 1);
        if (readers.length === 0 && sources.get(taskQueue) === readers) sources.delete(taskQueue);
      };
    },
  };
}
