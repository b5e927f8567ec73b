/**
 * A rebound worker in its own process, for the benchmark: runs the benchmark job types with
 * `createWorker`, so that its CPU time and memory are its own and it can be killed.
 */
import { connectWorker, createLogger, createWorker, loadConfig } from '../src';
import { benchJobs } from './jobs';
import { serveHarness, workerSpec } from './worker-ipc';

async function main(): Promise<void> {
  const spec = workerSpec();
  const logger = createLogger({ level: spec.logLevel ?? 'info', pretty: false });
  const config = loadConfig({ address: spec.address, taskQueue: spec.queue }, {});
  const connection = await connectWorker(config, logger);
  const worker = await createWorker({ connection, config, jobs: benchJobs, logger });
  const running = worker.run();
  running.catch((err: unknown) => {
    logger.error({ err }, 'worker failed');
    process.exit(1);
  });
  serveHarness(async () => {
    worker.shutdown();
    await running;
    await connection.close();
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
