/**
 * Test helpers: a client and workers on the shared dev server, a fresh task queue per test.
 */
import { randomUUID } from 'node:crypto';
import { Client, Connection } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import { inject } from 'vitest';
import { createAdmin, type DeadLetterAdmin } from '../src/admin';
import { connectWorker, loadConfig, type ReboundConfig } from '../src/config';
import { createJobClient } from '../src/client';
import type { JobDefinition } from '../src/jobs';
import { createLogger } from '../src/logger';
import { createWorker } from '../src/worker';

export const address = (): string => inject('temporalAddress');

/** A unique name, for task queues and job ids. */
export const unique = (prefix: string): string => `${prefix}-${randomUUID().slice(0, 8)}`;

export const quietLogger = createLogger({ level: process.env.LOG_LEVEL ?? 'error', pretty: false });

export interface TestEnv {
  config: ReboundConfig;
  client: Client;
  /** Starts a worker for these job types on the test's task queue; stopped by `close()`. */
  startWorker(jobs: JobDefinition<any, any>[]): Promise<{ worker: Worker; stop(): Promise<void> }>;
  jobs(defs: JobDefinition<any, any>[]): ReturnType<typeof createJobClient>;
  close(): Promise<void>;
}

/** A client, workers and a fresh task queue (or the one given) on the shared dev server. */
export async function testEnv(taskQueue = unique('tq')): Promise<TestEnv> {
  const config = loadConfig({ address: address(), taskQueue }, {});
  const connection = await Connection.connect({ address: config.address });
  const client = new Client({ connection, namespace: config.namespace });
  const stops: (() => Promise<void>)[] = [];
  let workerConnection: NativeConnection | undefined;
  return {
    config,
    client,
    async startWorker(jobs) {
      workerConnection ??= await connectWorker(config, quietLogger);
      const worker = await createWorker({ connection: workerConnection, config, jobs, logger: quietLogger });
      const running = worker.run();
      const stop = async () => {
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
      };
      stops.push(stop);
      return { worker, stop };
    },
    jobs: (defs) => createJobClient({ client, jobs: defs, taskQueue: config.taskQueue }),
    async close() {
      await Promise.all(stops.map((s) => s()));
      await workerConnection?.close();
      await connection.close();
    },
  };
}

/** A fresh task queue with a worker for `defs`, a client that submits them, and the admin API over it. */
export async function adminTestEnv(defs: JobDefinition<any, any>[]): Promise<{ env: TestEnv; jobs: ReturnType<TestEnv['jobs']>; admin: DeadLetterAdmin }> {
  const env = await testEnv();
  await env.startWorker(defs);
  return { env, jobs: env.jobs(defs), admin: createAdmin({ client: env.client, taskQueue: env.config.taskQueue, jobs: defs }) };
}

/** Polls `fn` until it returns a truthy value (visibility is eventually consistent). */
export async function eventually<T>(fn: () => Promise<T | undefined | false>, what: string, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await fn();
      if (value) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
}

/** The error `promise` rejects with; fails the test when it resolves. */
export async function rejectionOf(promise: Promise<unknown>): Promise<Error> {
  try {
    await promise;
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a rejection, got none');
}
