/**
 * `rebound dev` as a function: the embedded Temporal dev server on a SQLite file, and a worker
 * for a set of job types on it, started together and stopped in order.
 */
import path from 'node:path';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { alertsFromEnv } from '../admin';
import { connectWorker, loadConfig, type ReboundConfig } from '../config';
import type { AlertConfig } from '../contract';
import type { JobDefinition } from '../jobs';
import { createLogger, installRuntimeLogger, type Logger } from '../logger';
import { createWorker, loadJobModule } from '../worker';
import { reboundHome, startDevServer, type DevServer, type DevServerOptions } from './server';

/** The module of rebound's example job types, as `--jobs` names it. */
export const exampleJobModule = 'rebound/examples';

/** Options of {@link startDev}. */
export interface DevOptions {
  /** The `temporal` CLI to run (see `startDevServer`). @defaultValue found as `findTemporalBinary` finds it */
  binary?: DevServerOptions['binary'];
  /** Frontend gRPC port. @defaultValue 7233 */
  port?: number;
  /** Web UI port; `false` runs without the UI. @defaultValue 8233 */
  uiPort?: number | false;
  /** SQLite file that keeps every job across restarts. @defaultValue `rebound.sqlite` in {@link reboundHome} */
  dbFile?: string;
  /** @defaultValue `default` */
  namespace?: string;
  /** The worker's task queue. @defaultValue `rebound` */
  taskQueue?: string;
  /** The job types the worker runs. @defaultValue the example job types ({@link exampleJobModule}) */
  jobs?: JobDefinition<any, any>[];
  /** The worker's logger. @defaultValue a pino logger on stderr */
  logger?: Logger;
  /** Alert thresholds and webhook of the dead-letter queue. @defaultValue from the `REBOUND_ALERT_*` environment variables */
  alerts?: AlertConfig;
  /** The server's own log level. @defaultValue `error` */
  serverLogLevel?: string;
  /** The data converter of the worker and of `config` (an encrypting one: see `startDevEncryption`). @defaultValue Temporal's JSON */
  dataConverter?: ReboundConfig['dataConverter'];
  /** The codec server the Web UI asks to decode payloads. @defaultValue none */
  uiCodecEndpoint?: string;
}

/** A running `rebound dev`. */
export interface DevHandle {
  /** The connection config of the embedded server: address, namespace, task queue. */
  config: ReboundConfig;
  server: DevServer;
  /** The SQLite file, absolute. */
  dbFile: string;
  /** The job types the worker runs. */
  jobTypes: string[];
  /** Settles when the worker stops: after {@link stop}, or on its own when it fails (then it rejects). */
  done: Promise<void>;
  /** Stops the worker (letting running attempts finish or be cancelled), then the server. Safe to call twice. */
  stop(): Promise<void>;
}

/** The SQLite file `rebound dev` uses when none is given. */
export function defaultDbFile(env: NodeJS.ProcessEnv = process.env): string {
  return path.join(reboundHome(env), 'rebound.sqlite');
}

/** Starts the dev server, then a worker on it; returns once both run. */
export async function startDev(options: DevOptions = {}): Promise<DevHandle> {
  const dbFile = path.resolve(options.dbFile ?? defaultDbFile());
  const jobs = options.jobs ?? (await loadJobModule(exampleJobModule)).jobs;
  const logger = options.logger ?? createLogger();
  // Read before anything starts, so that a bad value stops here.
  const alerts = options.alerts ?? alertsFromEnv();
  // Before the server's connections make the SDK's runtime, so that its logs go to `logger`.
  installRuntimeLogger(logger);
  const server = await startDevServer({
    binary: options.binary,
    port: options.port ?? 7233,
    uiPort: options.uiPort ?? 8233,
    dbFile,
    namespace: options.namespace,
    logLevel: options.serverLogLevel ?? 'error',
    uiCodecEndpoint: options.uiCodecEndpoint,
  });
  const config = loadConfig({ address: server.address, namespace: server.namespace, taskQueue: options.taskQueue, alerts, dataConverter: options.dataConverter }, {});

  let connection: NativeConnection | undefined;
  let worker: Worker;
  try {
    connection = await connectWorker(config, logger);
    worker = await createWorker({ connection, config, jobs, logger });
  } catch (err) {
    await connection?.close();
    await server.stop();
    throw err;
  }
  const workerConnection = connection;
  const done = worker.run();
  // `done` is also awaited by stop(); this keeps a crash from being an unhandled rejection meanwhile.
  done.catch(() => undefined);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      try {
        // The SDK's runtime may have begun the shutdown on SIGINT/SIGTERM already.
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await done.catch((err: unknown) => logger.error({ err }, 'worker stopped with an error'));
      } finally {
        await workerConnection.close().catch(() => undefined);
        await server.stop();
      }
    })();
    return stopping;
  };

  return { config, server, dbFile, jobTypes: jobs.map((j) => j.type).sort(), done, stop };
}
