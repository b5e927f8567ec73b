/**
 * A raw Temporal worker in its own process: the baseline's workflow (from a bundle the harness
 * built once) and activity, with the SDK's default worker options, as rebound's worker has them.
 */
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { serveHarness, workerSpec } from '../worker-ipc';
import * as activities from './activities';

async function main(): Promise<void> {
  const spec = workerSpec();
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const connection = await NativeConnection.connect({ address: spec.address });
  const worker = await Worker.create({
    connection,
    taskQueue: spec.queue,
    workflowBundle: { codePath: spec.bundlePath! },
    activities,
    // As rebound's createWorker sets them.
    shutdownGraceTime: '5s',
    shutdownForceTime: '30s',
  });
  const running = worker.run();
  running.catch((err: unknown) => {
    process.stderr.write(`worker failed: ${String(err)}\n`);
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
