/**
 * `rebound worker`: a worker for a team's job types on the configured server and task queue.
 */
import type { Command } from 'commander';
import { connectWorker } from '../config';
import { createLogger } from '../logger';
import { createWorker } from '../worker';
import type { CliContext } from './context';
import { untilSignal } from './signals';

/** Adds `rebound worker`. */
export function addWorkerCommand(program: Command, ctx: CliContext): void {
  program
    .command('worker')
    .description('Run a worker for your job types (--jobs <module> or REBOUND_JOBS) on the configured server and task queue, until Ctrl-C')
    .action(async (_opts: unknown, cmd: Command) => {
      const config = ctx.config(cmd);
      const { jobs, file } = await ctx.requireJobs(cmd, 'rebound worker');
      const logger = createLogger();
      const signals = untilSignal(ctx);
      try {
        const connection = await connectWorker(config, logger);
        try {
          const worker = await createWorker({ connection, config, jobs, logger });
          // Stopped while connecting: nothing to run.
          if (signals.fired()) return;
          // The SDK's runtime also shuts workers down on these signals; shutdown() only once.
          void signals.received.then(() => worker.getState() === 'RUNNING' && worker.shutdown());
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
