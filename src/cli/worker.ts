/**
 * `rebound worker`: a worker for a team's job types on the configured server and task queue.
 */
import type { Duration } from '@temporalio/common';
import { InvalidArgumentError, type Command } from 'commander';
import { connectWorker } from '../config';
import { createLogger } from '../logger';
import { parseAddress } from '../metrics';
import { createWorker } from '../worker';
import type { CliContext } from './context';
import { parseDurationOption } from './options';
import { untilSignal } from './signals';

/** Option parser: host:port of the metrics endpoint. */
function parseMetricsAddress(value: string): string {
  try {
    parseAddress(value);
  } catch {
    throw new InvalidArgumentError('Expected host:port, e.g. 127.0.0.1:9464.');
  }
  return value.trim();
}

/** Adds `rebound worker`. */
export function addWorkerCommand(program: Command, ctx: CliContext): void {
  program
    .command('worker')
    .description('Run a worker for your job types (--jobs <module> or REBOUND_JOBS) on the configured server and task queue, until Ctrl-C')
    .option(
      '--shutdown-grace <duration>',
      'on SIGTERM or Ctrl-C: stop taking work, let running attempts finish this long, then cancel them (e.g. 30s, 2m)',
      parseDurationOption,
      '30s',
    )
    .option('--metrics-address <host:port>', "serve Prometheus metrics (rebound's and the Temporal SDK's) at http://<host:port>/metrics (env REBOUND_METRICS_ADDRESS)", parseMetricsAddress)
    .option('--log-payloads', 'log job payloads, results and error messages (off by default: they may hold secrets)')
    .addHelpText('after', '\nKeep your process manager\'s stop timeout above the grace time plus 10 s (Docker stops after 10 s unless told otherwise).')
    .action(async (opts: { shutdownGrace: Duration; metricsAddress?: string; logPayloads?: boolean }, cmd: Command) => {
      const fromEnv = ctx.config(cmd);
      const config = opts.metricsAddress ? { ...fromEnv, metrics: { address: opts.metricsAddress } } : fromEnv;
      const { jobs, file } = await ctx.requireJobs(cmd, 'rebound worker');
      const logger = createLogger();
      const signals = untilSignal(ctx);
      try {
        const connection = await connectWorker(config, logger);
        try {
          const worker = await createWorker({ connection, config, jobs, logger, shutdownGraceTime: opts.shutdownGrace, logPayloads: opts.logPayloads });
          // Stopped while connecting: nothing to run.
          if (signals.fired()) return;
          // The SDK's runtime also shuts workers down on these signals; shutdown() only once.
          void signals.received.then(() => {
            logger.info({ shutdownGrace: opts.shutdownGrace }, 'stopping: no new work; running attempts may finish within the grace time, then are cancelled');
            if (worker.getState() === 'RUNNING') worker.shutdown();
          });
          const running = worker.run();
          logger.info(
            { address: config.address, namespace: config.namespace, taskQueue: config.taskQueue, jobModule: file, jobTypes: jobs.map((j) => j.type) },
            'worker running; Ctrl-C to stop',
          );
          await running;
          logger.info('worker stopped');
        } finally {
          await connection.close();
        }
      } finally {
        signals.dispose();
      }
    });
}
