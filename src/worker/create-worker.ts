/**
 * Workers: poll a task queue and run job workflows and the job types' handlers.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { Client } from '@temporalio/client';
import { DefaultLogger, Worker, bundleWorkflowCode, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { alertConfigProblem, configureAlerts } from '../admin';
import type { ReboundConfig } from '../config';
import type { AlertConfig } from '../contract';
import { InvalidOptionsError } from '../errors';
import { JobRegistry, type JobDefinition } from '../jobs';
import { createLogger, installRuntimeLogger, type Logger } from '../logger';

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
  /** Namespace, task queue, data converter and alerts (see `loadConfig`). */
  config: Pick<ReboundConfig, 'namespace' | 'taskQueue' | 'dataConverter' | 'alerts'>;
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
  /** Passed to the SDK's worker as they are (concurrency limits, shutdown grace time...). */
  workerOptions?: Partial<Omit<WorkerOptions, 'connection' | 'namespace' | 'taskQueue' | 'activities' | 'workflowBundle' | 'workflowsPath'>>;
}

/**
 * Creates a worker for a set of job types. Run it with `worker.run()`; stop it with
 * `worker.shutdown()`. Throws `InvalidOptionsError` when the alert configuration is not valid.
 */
export async function createWorker(options: CreateWorkerOptions): Promise<Worker> {
  const logger = options.logger ?? createLogger();
  installRuntimeLogger(logger);
  const registry = new JobRegistry(options.jobs);
  const alerts = options.alerts ?? options.config.alerts;
  const problem = alerts && alertConfigProblem(alerts);
  if (problem) throw new InvalidOptionsError(problem);
  const worker = await Worker.create({
    connection: options.connection,
    namespace: options.config.namespace,
    taskQueue: options.config.taskQueue,
    workflowBundle: await workflowBundle(),
    activities: createActivities({ registry, logger, alerts }),
    dataConverter: options.config.dataConverter,
    shutdownGraceTime: '5s',
    // Past this, in-flight work is abandoned to be retried elsewhere rather than hold a stop forever.
    shutdownForceTime: '30s',
    ...options.workerOptions,
  });
  if (alerts) {
    // A running queue ignores the alerts a job's report would start it with: tell it.
    const client = new Client({ connection: options.connection, namespace: options.config.namespace, dataConverter: options.config.dataConverter });
    await configureAlerts(client, options.config.taskQueue, alerts);
  }
  return worker;
}
