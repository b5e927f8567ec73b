/**
 * Where rebound connects and with what: one place for the connection, namespace, task queue
 * and data converter, shared by the client, the worker and the CLI.
 */
import { status } from '@grpc/grpc-js';
import { Client, Connection, isGrpcServiceError, type ConnectionOptions } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { loadClientConnectConfig, type ClientConnectConfig } from '@temporalio/envconfig';
import { NativeConnection } from '@temporalio/worker';
import { alertsFromEnv } from './admin';
import { dataConverterFromEnv } from './codec';
import { defaultTaskQueue, type AlertConfig } from './contract';
import { InvalidOptionsError, NotTemporalServerError, ServerUnreachableError } from './errors';
import { createLogger, installRuntimeLogger, type Logger } from './logger';
import { installSdkMetrics, metricsFromEnv, type MetricsOptions } from './metrics';

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
  /**
   * The payload converter and codecs of every client and worker.
   * @defaultValue encrypting (see `encryptedDataConverter`) when `REBOUND_CODEC_KEYS` is set, else Temporal's JSON
   */
  dataConverter?: DataConverter;
  /**
   * Where workers serve Prometheus metrics (see `createWorker`); `connectWorker` readies the
   * SDK's metrics for it. @defaultValue `REBOUND_METRICS_ADDRESS`, else none: no metrics are served
   */
  metrics?: MetricsOptions;
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
export type ConfigOverrides = Partial<Pick<ReboundConfig, 'address' | 'namespace' | 'taskQueue' | 'dataConverter' | 'alerts' | 'metrics'>> & {
  /**
   * The profile of Temporal's config file (`TEMPORAL_CONFIG_FILE`, else the user's
   * `temporalio/temporal.toml`) to connect with; `TEMPORAL_*` variables override it.
   * @defaultValue `TEMPORAL_PROFILE`, else `default` (and no error when the file has none)
   */
  profile?: string;
};

/**
 * Resolves the configuration: explicit overrides, then the environment (Temporal's environment
 * configuration: `TEMPORAL_*` variables over a profile of its config file), then defaults. An
 * address or namespace override replaces only that: TLS and the API key still come from the
 * environment. Throws `InvalidOptionsError` naming the variable when an alert, encryption key or
 * metrics variable has a bad value, and naming the problem when Temporal's environment
 * configuration cannot be read (a profile that is not in the file, a certificate file that is
 * missing, a file that is not TOML) rather than connect without its TLS or API key.
 */
export function loadConfig(overrides: ConfigOverrides = {}, env: NodeJS.ProcessEnv = process.env): ReboundConfig {
  const vars = Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => typeof e[1] === 'string'));
  const fromEnv = environmentConfig(vars, overrides.profile);
  const { address: envAddress, ...connectionOptions } = fromEnv.connectionOptions;
  return {
    address: overrides.address ?? env.TEMPORAL_ADDRESS ?? envAddress ?? '127.0.0.1:7233',
    namespace: overrides.namespace ?? env.TEMPORAL_NAMESPACE ?? fromEnv.namespace ?? 'default',
    taskQueue: overrides.taskQueue ?? env.REBOUND_TASK_QUEUE ?? defaultTaskQueue,
    connectionOptions: connectionOptions as ReboundConfig['connectionOptions'],
    dataConverter: overrides.dataConverter ?? dataConverterFromEnv(env),
    alerts: overrides.alerts ?? alertsFromEnv(env),
    metrics: overrides.metrics ?? metricsFromEnv(env),
  };
}

/** Temporal's environment configuration from `vars`; see {@link loadConfig}. */
function environmentConfig(vars: Record<string, string>, profile: string | undefined): ClientConnectConfig {
  const named = profile ?? vars.TEMPORAL_PROFILE;
  const where = [vars.TEMPORAL_CONFIG_FILE && `TEMPORAL_CONFIG_FILE=${vars.TEMPORAL_CONFIG_FILE}`, named && `profile "${named}"`].filter(Boolean).join(', ');
  try {
    try {
      return loadClientConnectConfig({ profile, overrideEnvVars: vars });
    } catch (err) {
      // @temporalio/envconfig 1.24 throws a TypeError on a config file with no [profile.*] table at
      // all (an empty file too). Such a file names no profile: unless one was asked for, the
      // variables alone apply, as they do when there is no file.
      if (!(err instanceof TypeError)) throw err;
      if (named) throw new Error('the config file has no profile at all', { cause: err });
      return loadClientConnectConfig({ disableFile: true, overrideEnvVars: vars });
    }
  } catch (err) {
    throw new InvalidOptionsError(`Temporal's environment configuration${where ? ` (${where})` : ''} cannot be read: ${(err as Error).message}`, { cause: err });
  }
}

/** The largest answer a client rebound connects takes: 128 MB, as the SDK means to allow. */
const maxAnswerBytes = 128 * 1024 * 1024;

/**
 * Opens a client connection; throws {@link ServerUnreachableError} naming the address when it
 * cannot, and {@link NotTemporalServerError} when the address answers gRPC but not as a Temporal
 * frontend (the SDK lets that pass, and every later call would fail with a bare HTTP 404).
 */
export async function connectClient(config: ReboundConfig): Promise<Client> {
  let connection: Connection;
  try {
    connection = await Connection.connect({
      ...config.connectionOptions,
      address: config.address,
      connectTimeout: '5s',
      // A page of dead jobs carries their whole records: take answers past gRPC's default 4 MB.
      channelArgs: { 'grpc.max_receive_message_length': maxAnswerBytes, ...config.connectionOptions.channelArgs },
    });
  } catch (err) {
    throw new ServerUnreachableError(config.address, err);
  }
  try {
    // Every Temporal server since 1.20 answers it; an HTTP/2 server that is not Temporal answers 404, seen as UNIMPLEMENTED.
    await connection.withDeadline(Date.now() + 5_000, () => connection.workflowService.getSystemInfo({}));
  } catch (err) {
    await connection.close().catch(() => undefined);
    if (isGrpcServiceError(err) && err.code === status.UNIMPLEMENTED) throw new NotTemporalServerError(config.address, err);
    throw new ServerUnreachableError(config.address, err);
  }
  return new Client({ connection, namespace: config.namespace, dataConverter: config.dataConverter });
}

/**
 * Opens a worker connection; throws {@link ServerUnreachableError} naming the address when it
 * cannot. The SDK's logs go to `logger`, and with `config.metrics` the SDK's metrics are readied for
 * the worker's endpoint (the first connection of a process decides).
 */
export async function connectWorker(config: ReboundConfig, logger: Logger = createLogger()): Promise<NativeConnection> {
  if (config.metrics) await installSdkMetrics(logger);
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
