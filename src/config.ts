/**
 * Where rebound connects and with what: one place for the connection, namespace, task queue
 * and data converter, shared by the client, the worker and the CLI.
 */
import { Client, Connection, type ConnectionOptions } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { loadClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';
import { alertsFromEnv } from './admin';
import { defaultTaskQueue, type AlertConfig } from './contract';
import { ServerUnreachableError } from './errors';
import { createLogger, installRuntimeLogger, type Logger } from './logger';

/** Where rebound connects and with what; see {@link loadConfig}. */
export interface ReboundConfig {
  /** host:port of the Temporal frontend. @defaultValue `TEMPORAL_ADDRESS`, else `127.0.0.1:7233` */
  address: string;
  /** @defaultValue `TEMPORAL_NAMESPACE`, else `default` */
  namespace: string;
  /** The task queue of jobs and workers. @defaultValue `REBOUND_TASK_QUEUE`, else `rebound` */
  taskQueue: string;
  /** TLS, API key and gRPC metadata, as Temporal's environment configuration (env and profile file) gives them. */
  connectionOptions: Omit<ConnectionOptions, 'address'>;
  /** The payload converter and codecs of every client and worker. @defaultValue Temporal's JSON */
  dataConverter?: DataConverter;
  /**
   * Alert thresholds and webhook of the task queue's dead-letter queue, which workers apply when
   * they start (see `configureAlerts`). From `REBOUND_ALERT_DEAD_NOW`,
   * `REBOUND_ALERT_DEAD_NOW_BY_TYPE`, `REBOUND_ALERT_DEAD_PER_MINUTE`,
   * `REBOUND_ALERT_DEAD_PER_MINUTE_BY_TYPE` and `REBOUND_ALERT_WEBHOOK_URL` (see `alertsFromEnv`).
   * @defaultValue none: workers leave the queue's alerting as it is
   */
  alerts?: AlertConfig;
}

/** Settings that override the environment in {@link loadConfig}. */
export type ConfigOverrides = Partial<Pick<ReboundConfig, 'address' | 'namespace' | 'taskQueue' | 'dataConverter' | 'alerts'>>;

/**
 * Resolves the configuration: explicit overrides, then the environment, then defaults. Throws
 * `InvalidOptionsError` naming the variable when an alert variable has a bad value.
 */
export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): ReboundConfig {
  const vars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  let fromEnv: ReturnType<typeof loadClientConnectConfig> | undefined;
  try {
    fromEnv = loadClientConnectConfig({ overrideEnvVars: vars });
  } catch {
    fromEnv = undefined;
  }
  const { address: envAddress, ...connectionOptions } = fromEnv?.connectionOptions ?? {};
  return {
    address: overrides.address ?? env.TEMPORAL_ADDRESS ?? envAddress ?? '127.0.0.1:7233',
    namespace: overrides.namespace ?? env.TEMPORAL_NAMESPACE ?? fromEnv?.namespace ?? 'default',
    taskQueue: overrides.taskQueue ?? env.REBOUND_TASK_QUEUE ?? defaultTaskQueue,
    connectionOptions: connectionOptions as ReboundConfig['connectionOptions'],
    dataConverter: overrides.dataConverter,
    alerts: overrides.alerts ?? alertsFromEnv(env),
  };
}

/** Opens a client connection; throws {@link ServerUnreachableError} naming the address when it cannot. */
export async function connectClient(config: ReboundConfig): Promise<Client> {
  try {
    const connection = await Connection.connect({ ...config.connectionOptions, address: config.address, connectTimeout: '5s' });
    return new Client({ connection, namespace: config.namespace, dataConverter: config.dataConverter });
  } catch (err) {
    throw new ServerUnreachableError(config.address, err);
  }
}

/**
 * Opens a worker connection; throws {@link ServerUnreachableError} naming the address when it
 * cannot. The SDK's logs go to `logger` (the first connection of a process decides).
 */
export async function connectWorker(config: ReboundConfig, logger: Logger = createLogger()): Promise<NativeConnection> {
  installRuntimeLogger(logger);
  try {
    return await NativeConnection.connect({
      ...(config.connectionOptions as object),
      address: config.address,
    });
  } catch (err) {
    throw new ServerUnreachableError(config.address, err);
  }
}
