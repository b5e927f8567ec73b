/**
 * Workers: poll a task queue and run job workflows and the job types' handlers.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import type { Duration } from '@temporalio/common';
import { DefaultLogger, Worker, bundleWorkflowCode, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import ms from 'ms';
import { createActivities } from '../../activities';
import { alertConfigProblem, configureAlerts } from '../admin';
import type { ReboundConfig } from '../config';
import type { AlertConfig } from '../contract';
import { InvalidOptionsError } from '../errors';
import { JobRegistry, type JobDefinition } from '../jobs';
import { createLogger, installRuntimeLogger, type Logger } from '../logger';
import { installSdkMetrics, startWorkerMetrics, type MetricsOptions } from '../metrics';
import { checkSearchAttributes } from './search-attributes';

/** Where the workflows live: the compiled `.js` beside this file, or the `.ts` source when run from source. */
export const workflowsPath = ['index.js', 'index.ts']
  .map((file) => path.join(__dirname, '..', '..', 'workflows', file))
  .find((file) => existsSync(file))!;

let bundle: ReturnType<typeof bundleWorkflowCode> | undefined;

/** The workflow bundle, built once per process. */
export function workflowBundle(): ReturnType<typeof bundleWorkflowCode> {
  bundle ??= bundleWorkflowCode({ workflowsPath, logger: new DefaultLogger('WARN') });
  return bundle;
}

/** Options of {@link createWorker}. */
export interface CreateWorkerOptions {
  /** A worker connection (see `connectWorker`). */
  connection: NativeConnection;
  /** Namespace, task queue, data converter, alerts and metrics (see `loadConfig`). */
  config: Pick<ReboundConfig, 'namespace' | 'taskQueue' | 'dataConverter' | 'alerts' | 'metrics'>;
  /** The job types this worker runs. */
  jobs: Iterable<JobDefinition<any, any>>;
  /** @defaultValue a pino logger on stderr */
  logger?: Logger;
  /**
   * Alert thresholds and webhook of the task queue's dead-letter queue. When set, they replace
   * the queue's alerting as the worker is created (see `configureAlerts`: the last worker
   * created wins), and start the queue if it is not running.
   * @defaultValue `config.alerts`; when neither is set, the queue's alerting stays as it is
   */
  alerts?: AlertConfig;
  /**
   * How long `worker.shutdown()` (and SIGINT / SIGTERM) lets running attempts finish: the worker
   * stops taking work at once, waits up to this long, then cancels the attempts still running
   * (their handlers' `ctx.signal` aborts). Ten seconds after that, the worker stops whatever
   * happens. Keep the process manager's stop timeout above both (Docker's is 10 s, Kubernetes'
   * 30 s by default).
   * @defaultValue `'30s'`
   */
  shutdownGraceTime?: Duration;
  /**
   * Serve Prometheus metrics at `http://<address>/metrics`: rebound's (jobs, attempts, failures,
   * durations, dead jobs) and the Temporal SDK's. The SDK's need the process's Temporal runtime to
   * be made for them: give the address before the first worker connection (`connectWorker` with
   * `config.metrics`), or only rebound's are served.
   * @defaultValue `config.metrics`; when neither is set, no metrics are served
   */
  metrics?: MetricsOptions;
  /**
   * Log job payloads, results and error messages (rebound's attempt lines); they may hold secrets.
   * @defaultValue false
   */
  logPayloads?: boolean;
  /** Passed to the SDK's worker as they are (concurrency limits...); they win over the options above. */
  workerOptions?: Partial<Omit<WorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'activities' | 'workflowBundle' | 'workflowsPath'>>;
}

/** Workflows a worker keeps in its cache, at most. */
const defaultMaxCachedWorkflows = 250;

/** What is left to a shutdown after the grace period: the cancelled attempts' time to settle. */
const settleAfterGraceMs = 10_000;

/**
 * Creates a worker for a set of job types. Run it with `worker.run()`; stop it with
 * `worker.shutdown()`. Throws `InvalidOptionsError` when the alert configuration or the grace
 * time is not valid, and `SearchAttributesMissingError` when the namespace lacks a search
 * attribute rebound sets (nothing is started then).
 */
export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const logger = options.logger ?? createLogger();
  const metricsOptions = options.metrics ?? options.config.metrics;
  // First, so that the runtime (when no connection made it yet) serves the SDK's metrics.
  if (metricsOptions) await installSdkMetrics(logger);
  installRuntimeLogger(logger);
  const registry = new JobRegistry(options.jobs);
  const alerts = options.alerts ?? options.config.alerts;
  const problem = alerts && alertConfigProblem(alerts);
  if (problem) throw new InvalidOptionsError(problem);
  const grace = options.shutdownGraceTime ?? '30s';
  const graceMs = typeof grace === 'number' ? grace : ms(grace);
  if (!(Number.isFinite(graceMs) && graceMs >= 0)) {
    throw new InvalidOptionsError(`shutdownGraceTime must be a duration such as '30s' or a number of milliseconds, got ${JSON.stringify(options.shutdownGraceTime)}`);
  }
  await checkSearchAttributes(options.connection, options.config.namespace, logger);
  const { namespace, taskQueue, dataConverter } = options.config;
  const metrics = metricsOptions && (await startWorkerMetrics({ ...metricsOptions, connection: options.connection, namespace, taskQueue, dataConverter, logger }));
  const worker = await Worker.create({
    connection: options.connection,
    namespace: options.config.namespace,
    taskQueue: options.config.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ registry, logger, alerts, metrics: metrics?.recorder, logPayloads: options.logPayloads }),
    dataConverter: options.config.dataConverter,
    shutdownGraceTime: graceMs,
    // Parked dead jobs sit in the cache (a few hundred KB each); past this many the oldest are
    // evicted and replayed (a short history) when a retry or a query reaches them, so the cache
    // does not grow with the dead jobs, with room for 250 jobs running at once before any is
    // replayed. (A worker's memory still peaks with the retries in flight at once: see
    // BENCHMARKS.md.) workerOptions.maxCachedWorkflows overrides it.
    maxCachedWorkflows: defaultMaxCachedWorkflows,
    // Past this, in-flight work is abandoned to be retried elsewhere rather than hold a stop forever.
    shutdownForceTime: graceMs + settleAfterGraceMs,
    ...options.workerOptions,
  }).catch(async (err: unknown) => {
    await metrics?.close();
    throw err;
  });
  metrics?.stopWith(worker);
  if (alerts) {
    // A running queue ignores the alerts a job's report would start it with: tell it.
    const client = new Client({ connection: options.connection, namespace: options.config.namespace, dataConverter: options.config.dataConverter });
    await configureAlerts(client, options.config.taskQueue, alerts);
  }
  return worker;
}
