/**
 * Logging: pino JSON on stderr (stdout stays free for `--json` output), pretty on a terminal.
 */
import { IllegalStateError } from '@temporalio/common';
import { DefaultLogger, Runtime, type LogLevel } from '@temporalio/worker';
import pino, { type Logger } from 'pino';

export type { Logger };

/** Options of {@link createLogger}. */
export interface LoggerOptions {
  /** pino level. @defaultValue `LOG_LEVEL` from the environment, else `info` */
  level?: string;
  /** Human-readable lines instead of JSON. @defaultValue true when stderr is a terminal */
  pretty?: boolean;
}

/** A pino logger that writes to stderr. */
export function createLogger(options: LoggerOptions = {}): Logger {
  const level = options.level ?? process.env.LOG_LEVEL ?? 'info';
  const pretty = options.pretty ?? Boolean(process.stderr.isTTY);
  if (pretty) {
    return pino({
      level,
      base: { pid: undefined, hostname: undefined },
      transport: { target: 'pino-pretty', options: { destination: 2, translateTime: 'HH:MM:ss.l', ignore: 'pid,hostname' } },
    });
  }
  return pino({ level, base: undefined }, pino.destination(2));
}

const pinoToTemporal: Record<string, LogLevel> = { trace: 'TRACE', debug: 'DEBUG', info: 'INFO', warn: 'WARN', error: 'ERROR', fatal: 'ERROR' };

/** What the process's Temporal runtime is made with, besides its logger (see {@link installRuntimeLogger}). */
export interface RuntimeSettings {
  /**
   * host:port where the SDK serves its own Prometheus metrics (worker, poller, task and request
   * metrics) at `/metrics`. @defaultValue none: the SDK exports no metrics
   */
  prometheusAddress?: string;
}

/**
 * Sends the Temporal SDK's own logs, workflow logs among them, to `logger`, and makes the runtime
 * with `settings`. Takes effect once per process, before the first worker connection; later
 * calls do nothing (see {@link installedRuntime}).
 */
export function installRuntimeLogger(logger: Logger, settings: RuntimeSettings = {}): void {
  if (runtimeInstalled) return;
  runtimeInstalled = true;
  try {
    const { prometheusAddress } = settings;
    Runtime.install({
    telemetryOptions: prometheusAddress ? { metrics: { prometheus: { bindAddress: prometheusAddress } } } : undefined,
    logger: new DefaultLogger(pinoToTemporal[logger.level] ?? 'INFO', ({ level, message, meta }) => {
      // rebound logs each failed attempt itself, with the job's id, type and attempt.
      const quiet = message === 'Activity failed' || message === 'Activity completed';
      const method = quiet || level === 'TRACE' ? (quiet ? 'debug' : 'trace') : (level.toLowerCase() as 'debug' | 'info' | 'warn' | 'error');
      // The SDK's failure lines carry the error whole: its message and details may hold job data.
      const error = quiet && meta?.error instanceof Error ? { error: { name: meta.error.name, type: (meta.error as { type?: unknown }).type } } : {};
      logger[method]({ ...meta, ...error }, message);
    }),
    });
    installed = { prometheusAddress };
  } catch (err) {
    // The process made its runtime already (a worker or connection created before): its logger stays.
    if (!(err instanceof IllegalStateError)) throw err;
    installed = {};
  }
}

let runtimeInstalled = false;
let installed: RuntimeSettings | undefined;

/**
 * The settings the process's runtime was made with, once {@link installRuntimeLogger} ran
 * (empty when the runtime had been made before it); undefined before.
 */
export function installedRuntime(): RuntimeSettings | undefined {
  return installed;
}
