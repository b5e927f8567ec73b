/**
 * What the history recorders share: a dev server, a worker for the recorder's job types, a
 * client with rebound's job client and admin on it; the recorder runs its scenarios and names
 * the workflow of each history, which is then written to `test/histories/<name>.json`.
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { createAdmin, type DeadLetterAdmin } from '../../src/admin';
import { createJobClient, type JobClient } from '../../src/client';
import { connectWorker, loadConfig, type ReboundConfig } from '../../src/config';
import { findTemporalBinary, startDevServer } from '../../src/dev';
import type { JobDefinition } from '../../src/jobs';
import { createLogger } from '../../src/logger';
import { createWorker } from '../../src/worker';

export interface Recorder {
  client: Client;
  config: ReboundConfig;
  jobs: JobClient;
  admin: DeadLetterAdmin;
}

/** Waits until `check` holds, asking every 100 ms. */
export const until = async (check: () => Promise<boolean>): Promise<void> => {
  while (!(await check())) await new Promise((r) => setTimeout(r, 100));
};

/** Runs `scenarios` against a fresh dev server and records the histories they name. */
export function record(defs: JobDefinition<any, any>[], scenarios: (r: Recorder) => Promise<Record<string, string>>, dynamicConfig: Record<string, unknown> = {}): void {
  main().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });

  async function main(): Promise<void> {
    const server = await startDevServer({ binary: findTemporalBinary().path, uiPort: false, dynamicConfig });
    const logger = createLogger({ level: 'error', pretty: false });
    const config = loadConfig({ address: server.address, taskQueue: 'histories' }, {});
    const workerConnection = await connectWorker(config, logger);
    const worker = await createWorker({ connection: workerConnection, config, jobs: defs, logger });
    const running = worker.run();
    const connection = await Connection.connect({ address: server.address });
    const client = new Client({ connection });
    try {
      const jobs = createJobClient({ client, jobs: defs, taskQueue: config.taskQueue });
      const admin = createAdmin({ client, taskQueue: config.taskQueue, jobs: defs });
      const histories = await scenarios({ client, config, jobs, admin });
      for (const [name, workflowId] of Object.entries(histories)) {
        // The run that holds the history's end: the latest one.
        const history = await client.workflow.getHandle(workflowId).fetchHistory();
        writeFileSync(path.join(__dirname, `${name}.json`), `${JSON.stringify({ workflowId, history }, null, 1)}\n`);
        console.log(`recorded ${name}: ${history.events?.length} events`);
      }
    } finally {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await workerConnection.close();
      await connection.close();
      await server.stop();
    }
  }
}
