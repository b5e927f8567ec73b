import { Client, Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin } from '../../src/admin';
import { createJobClient } from '../../src/client';
import { connectWorker, loadConfig, type ReboundConfig } from '../../src/config';
import { JobStatus } from '../../src/contract';
import { freePort } from '../../src/dev';
import { defineJob } from '../../src/jobs';
import { createWorker } from '../../src/worker';
import { address, eventually, quietLogger, unique } from '../helpers';
import { scrape, valueOf } from './scrape';

const guarded = defineJob({
  type: 'metrics.guarded',
  retry: { maximumAttempts: 1 },
  circuitBreaker: { minAttempts: 5, cooldown: '1h' },
  handler: async () => 'ok',
});

describe('breaker metrics', () => {
  let connection: Connection;
  let workerConnection: NativeConnection;
  let stop: () => Promise<void>;
  let config: ReboundConfig;
  let url: string;

  beforeAll(async () => {
    const metricsAddress = `127.0.0.1:${await freePort()}`;
    config = loadConfig({ address: address(), taskQueue: unique('breaker-metrics') }, { REBOUND_METRICS_ADDRESS: metricsAddress });
    workerConnection = await connectWorker(config, quietLogger);
    const worker = await createWorker({ connection: workerConnection, config, jobs: [guarded], logger: quietLogger });
    const running = worker.run();
    stop = async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
    };
    url = `http://${metricsAddress}/metrics`;
    connection = await Connection.connect({ address: config.address });
  });
  afterAll(async () => {
    await stop?.();
    await workerConnection?.close();
    await connection?.close();
  });

  it("shows a type's breaker state and counts the attempts it refused", async () => {
    const client = new Client({ connection });
    const jobs = createJobClient({ client, jobs: [guarded], taskQueue: config.taskQueue });
    const admin = createAdmin({ client, taskQueue: config.taskQueue, jobs: [guarded] });
    const labels = { task_queue: config.taskQueue, job_type: 'metrics.guarded' };

    expect((await (await jobs.submit('metrics.guarded', {})).settled()).status).toBe(JobStatus.Succeeded);
    const closed = (await scrape(url)).samples;
    expect(closed.filter((s) => s.name === 'rebound_breaker_state' && s.labels.job_type === 'metrics.guarded').map((s) => s.value)).toEqual([0]);
    expect(valueOf(closed, 'rebound_attempts_refused_total', labels)).toBe(0);

    await admin.setBreaker('metrics.guarded', 'open', { by: 'test' });
    // A worker reads a breaker's state at most a second late (it read it closed for the job above).
    await new Promise((resolve) => setTimeout(resolve, 1_100));
    const held = await jobs.submit('metrics.guarded', {});
    await eventually(async () => (await held.status()).breakerWait !== undefined, 'the job to wait for the breaker');
    const open = (await scrape(url)).samples;
    expect(valueOf(open, 'rebound_breaker_state', labels)).toBe(2);
    expect(valueOf(open, 'rebound_attempts_refused_total', labels)).toBeGreaterThanOrEqual(1);

    await admin.setBreaker('metrics.guarded', 'closed', { by: 'test' });
    expect((await held.settled()).status).toBe(JobStatus.Succeeded);
    expect(valueOf((await scrape(url)).samples, 'rebound_breaker_state', labels)).toBe(0);
  });
});
