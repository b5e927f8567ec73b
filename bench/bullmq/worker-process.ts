/**
 * A BullMQ worker in its own process: the benchmark job's handler, `UnrecoverableError` for
 * permanent failures, and the concurrency and lock duration the harness asks for.
 */
import { UnrecoverableError, Worker } from 'bullmq';
import { runBenchJob, type BenchPayload } from '../handler';
import { serveHarness, workerSpec } from '../worker-ipc';
import { bullJobName } from './shared';

async function main(): Promise<void> {
  const spec = workerSpec();
  const lockDuration = spec.lockMs ?? 30_000;
  const worker = new Worker<BenchPayload>(
    spec.queue,
    async (job) => {
      if (job.name !== bullJobName) throw new UnrecoverableError(`unknown job name ${job.name}`);
      return runBenchJob(job.id!, job.attemptsMade + 1, job.data, (ms) => new Promise((resolve) => setTimeout(resolve, ms)), {
        retryable: (message) => Object.assign(new Error(message), { name: 'UpstreamTimeout' }),
        permanent: (message, type) => Object.assign(new UnrecoverableError(message), { name: type }),
      });
    },
    {
      connection: { host: '127.0.0.1', port: spec.redisPort },
      prefix: spec.prefix,
      concurrency: spec.concurrency ?? 100,
      lockDuration,
      // A killed worker's jobs are found this long after their lock lapsed, as Temporal finds a
      // killed worker's attempts after their heartbeat timeout.
      stalledInterval: lockDuration,
    },
  );
  worker.on('error', (err) => process.stderr.write(`worker error: ${String(err)}\n`));
  await worker.waitUntilReady();
  serveHarness(() => worker.close());
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
