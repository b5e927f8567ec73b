/**
 * A worker's part in the metrics endpoint: the recorder its activities get, the dead jobs of its
 * task queue read at each scrape, and letting go of the endpoint when the worker stops.
 */
import { Client, WorkflowNotFoundError, type ConnectionLike } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import type { Worker } from '@temporalio/worker';
import { deadLetterWorkflowId, statsQuery } from '../contract';
import { installedRuntime, type Logger } from '../logger';
import { openMetricsEndpoint, type MetricsOptions } from './endpoint';
import type { JobMetrics } from './job-metrics';

/** What {@link startWorkerMetrics} needs of the worker being made. */
export interface WorkerMetricsOptions extends MetricsOptions {
  connection: ConnectionLike;
  namespace: string;
  taskQueue: string;
  dataConverter?: DataConverter;
  logger: Logger;
}

/** A worker's metrics: hand `recorder` to its activities, then {@link WorkerMetrics.stopWith} the worker. */
export interface WorkerMetrics {
  /** Where they are served, e.g. `http://127.0.0.1:9464/metrics`. */
  url: string;
  recorder: JobMetrics;
  /** Stops serving for this worker once its `run()` ends. */
  stopWith(worker: Worker): void;
  /** Stops serving for this worker now (when it could not be made). */
  close(): Promise<void>;
}

let warnedNoSdk = false;

/** Joins (or opens) the metrics endpoint for a worker of `taskQueue`. */
export async function startWorkerMetrics(options: WorkerMetricsOptions): Promise<WorkerMetrics> {
  const { logger, taskQueue } = options;
  const endpoint = await openMetricsEndpoint(options);
  if (!installedRuntime()?.prometheusAddress && !warnedNoSdk) {
    warnedNoSdk = true;
    logger.warn(
      { metrics: endpoint.url },
      "serving rebound's metrics without the Temporal SDK's: the process's Temporal runtime was made before metrics were asked for " +
        '(give the metrics address in the config, REBOUND_METRICS_ADDRESS, before connectWorker)',
    );
  }
  const client = new Client({ connection: options.connection, namespace: options.namespace, dataConverter: options.dataConverter });
  const handle = client.workflow.getHandle(deadLetterWorkflowId(taskQueue));
  const unwatch = endpoint.metrics.watchDeadJobs(taskQueue, async () => {
    try {
      return await client.withDeadline(Date.now() + 5_000, () => handle.query(statsQuery));
    } catch (err) {
      // A queue that never started has no dead job; one that cannot answer now is left out of this scrape.
      if (!(err instanceof WorkflowNotFoundError)) logger.debug({ err, taskQueue }, "could not read the dead-letter queue's counters for the metrics");
      return undefined;
    }
  });
  const close = async () => {
    unwatch();
    await endpoint.release();
  };
  logger.info({ metrics: endpoint.url, taskQueue }, 'serving metrics');
  return {
    url: endpoint.url,
    recorder: endpoint.metrics.forTaskQueue(taskQueue),
    stopWith(worker) {
      // The SDK's Worker says when it stopped only by `run()` settling.
      const run = worker.run.bind(worker);
      worker.run = () => run().finally(close);
    },
    close,
  };
}
