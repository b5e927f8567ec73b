import { Client, Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { readJob } from '../../src/client';
import { createEncryptionCodec, dataConverterFromKeys, encryptedDataConverter } from '../../src/codec';
import { connectWorker, loadConfig, type ReboundConfig } from '../../src/config';
import { JobStatus, deadLetterWorkflowId, jobWorkflowId } from '../../src/contract';
import { createJobClient } from '../../src/client';
import { PermanentError } from '../../src/errors';
import { defineJob } from '../../src/jobs';
import { createWorker } from '../../src/worker';
import { address, quietLogger, rejectionOf, unique } from '../helpers';
import { allowTypeScriptConverters, historyBytes, holds, oneKey } from './codec-helpers';

const marker = {
  payload: 'payload-secret-7Q2',
  result: 'result-secret-9K4',
  error: 'error-secret-3M8',
  dead: 'dead-secret-5T1',
};

class CardDeclined extends Error {
  override name = 'CardDeclined';
}

const charge = defineJob({
  type: 'codec.charge',
  schema: z.object({ card: z.string(), failTimes: z.number().optional(), permanent: z.boolean().optional() }),
  retry: { initialInterval: 20, maximumInterval: 100, maximumAttempts: 3 },
  async handler(payload, ctx) {
    if (payload.permanent) throw new PermanentError(`card ${payload.card} refused: ${marker.dead}`, { type: 'CardRefused' });
    if (ctx.attempt <= (payload.failTimes ?? 0)) throw new CardDeclined(`card ${payload.card} declined: ${marker.error}`);
    return { receipt: marker.result };
  },
});

describe('encrypted payloads', () => {
  const keys = oneKey('history-key');
  let connection: Connection;
  let plainClient: Client;
  let workerConnection: NativeConnection | undefined;
  const stops: (() => Promise<void>)[] = [];

  /** A worker on its own task queue with `config`'s data converter, and a job client like it. */
  async function queue(config: ReboundConfig) {
    workerConnection ??= await connectWorker(config, quietLogger);
    const worker = await createWorker({ connection: workerConnection, config, jobs: [charge], logger: quietLogger });
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running;
    });
    const client = new Client({ connection, namespace: config.namespace, dataConverter: config.dataConverter });
    return { client, jobs: createJobClient({ client, jobs: [charge], taskQueue: config.taskQueue }) };
  }

  beforeAll(async () => {
    allowTypeScriptConverters();
    connection = await Connection.connect({ address: address() });
    plainClient = new Client({ connection });
  });
  afterAll(async () => {
    await Promise.all(stops.map((s) => s()));
    await workerConnection?.close();
    await connection?.close();
  });

  /** The job's history and its dead-letter queue's, as stored, read without the codec. */
  const rawHistories = async (jobId: string, taskQueue: string) =>
    Buffer.concat([
      historyBytes(await plainClient.workflow.getHandle(jobWorkflowId(jobId)).fetchHistory()),
      historyBytes(await plainClient.workflow.getHandle(deadLetterWorkflowId(taskQueue)).fetchHistory()),
    ]);

  it('keeps no payload, result or error message in plain text in the histories, and reads them back decrypted', async () => {
    const config = loadConfig({ address: address(), taskQueue: unique('codec'), dataConverter: dataConverterFromKeys(keys) }, {});
    const { client, jobs } = await queue(config);
    const flaky = await jobs.submit('codec.charge', { card: marker.payload, failTimes: 1 }, { jobId: unique('flaky') });
    const dead = await jobs.submit('codec.charge', { card: marker.payload, permanent: true }, { jobId: unique('dead') });

    const succeeded = await flaky.settled();
    expect(succeeded.status).toBe(JobStatus.Succeeded);
    expect(succeeded.result).toEqual({ receipt: marker.result });
    expect(succeeded.payload).toEqual({ card: marker.payload, failTimes: 1 });
    expect(succeeded.attemptHistory[0].message).toContain(marker.error);
    const deadRecord = await dead.settled();
    expect(deadRecord.status).toBe(JobStatus.DeadLettered);
    expect(deadRecord.message).toContain(marker.dead);
    expect((await readJob(client, dead.jobId)).message).toContain(marker.dead);

    // The summaries the Web UI shows (the job's, each activity's) are payloads too.
    const events = (await plainClient.workflow.getHandle(jobWorkflowId(dead.jobId)).fetchHistory()).events ?? [];
    const summaries = events.map((e) => e.userMetadata?.summary).filter((p) => p != null);
    expect(summaries.length).toBeGreaterThanOrEqual(2);
    for (const summary of summaries) expect(Buffer.from(summary!.metadata!.encoding!).toString()).toBe('binary/encrypted');

    const raw = Buffer.concat([await rawHistories(flaky.jobId, config.taskQueue), await rawHistories(dead.jobId, config.taskQueue)]);
    for (const secret of Object.values(marker)) expect(holds(raw, secret), secret).toBe(false);
    // What stays readable: ids, types, error types (search attributes and failure types).
    expect(holds(raw, flaky.jobId)).toBe(true);
    expect(holds(raw, 'codec.charge')).toBe(true);
    expect(holds(raw, 'CardDeclined')).toBe(true);
    expect(holds(raw, 'CardRefused')).toBe(true);
  });

  it('finds the same secrets in plain text without the codec (the check above can see them)', async () => {
    const config = loadConfig({ address: address(), taskQueue: unique('plain') }, {});
    const { jobs } = await queue(config);
    const handle = await jobs.submit('codec.charge', { card: marker.payload, failTimes: 1 }, { jobId: unique('plain') });
    expect((await handle.settled()).status).toBe(JobStatus.Succeeded);
    const raw = historyBytes(await plainClient.workflow.getHandle(jobWorkflowId(handle.jobId)).fetchHistory());
    for (const secret of [marker.payload, marker.result, marker.error]) expect(holds(raw, secret), secret).toBe(true);
  });

  it('refuses to read a dead job without its key, naming the key id', async () => {
    const config = loadConfig({ address: address(), taskQueue: unique('codec'), dataConverter: dataConverterFromKeys(keys) }, {});
    const { jobs } = await queue(config);
    const handle = await jobs.submit('codec.charge', { card: marker.payload, permanent: true }, { jobId: unique('dead') });
    expect((await handle.settled()).status).toBe(JobStatus.DeadLettered);

    const otherKey = new Client({ connection, dataConverter: encryptedDataConverter(createEncryptionCodec(oneKey('another-key'))) });
    const missing = await rejectionOf(readJob(otherKey, handle.jobId));
    expect(missing.message).toContain('"history-key"');
    const wrongBytes = new Client({ connection, dataConverter: encryptedDataConverter(createEncryptionCodec(oneKey('history-key'))) });
    const wrong = await rejectionOf(readJob(wrongBytes, handle.jobId));
    expect(wrong.message).toContain('"history-key"');
    expect(wrong.message).toMatch(/cannot be decrypted/);
  });
});
