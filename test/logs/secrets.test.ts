import { Client, Connection } from '@temporalio/client';
import type { NativeConnection } from '@temporalio/worker';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createJobClient } from '../../src/client';
import { dataConverterFromKeys } from '../../src/codec';
import { connectWorker, loadConfig } from '../../src/config';
import { JobStatus } from '../../src/contract';
import { PermanentError } from '../../src/errors';
import { defineJob } from '../../src/jobs';
import { createWorker } from '../../src/worker';
import { address, eventually, unique } from '../helpers';
import { allowTypeScriptConverters, oneKey } from '../codec/codec-helpers';

/** Every line logged in this process, rebound's and the Temporal SDK's (workflow logs included). */
const lines: string[] = [];
const logger = pino({ level: 'trace', base: undefined }, { write: (line: string) => void lines.push(line) });

const secretJob = defineJob({
  type: 'logs.secret',
  schema: z.object({ apiKey: z.string(), failTimes: z.number().optional(), permanent: z.boolean().optional() }),
  retry: { initialInterval: 10, maximumInterval: 50, maximumAttempts: 3 },
  async handler(payload, ctx) {
    // Error messages that quote the payload, as handlers' messages often do.
    if (payload.permanent) throw new PermanentError(`upstream refused key ${payload.apiKey}`, { type: 'KeyRefused' });
    if (ctx.attempt <= (payload.failTimes ?? 0)) throw new Error(`upstream timed out for key ${payload.apiKey}`);
    return { token: `token-for-${payload.apiKey}` };
  },
});

describe('logs', () => {
  const keys = oneKey('logs-key');
  const keyText = Buffer.from(Object.values(keys.keys)[0]).toString('base64');
  let connection: Connection;
  let workerConnection: NativeConnection;
  const stops: (() => Promise<void>)[] = [];

  /** A worker (encrypting, so that keys are in play too) on a fresh task queue, and a job client for it. */
  async function queue(logPayloads?: boolean) {
    const config = loadConfig({ address: address(), taskQueue: unique('logs'), dataConverter: dataConverterFromKeys(keys) }, {});
    workerConnection ??= await connectWorker(config, logger);
    const worker = await createWorker({ connection: workerConnection, config, jobs: [secretJob], logger, logPayloads });
    const running = worker.run();
    stops.push(async () => {
      worker.shutdown();
      await running;
    });
    return createJobClient({ client: new Client({ connection, dataConverter: config.dataConverter }), jobs: [secretJob], taskQueue: config.taskQueue });
  }

  beforeAll(async () => {
    allowTypeScriptConverters();
    connection = await Connection.connect({ address: address() });
  });
  afterAll(async () => {
    await Promise.all(stops.map((s) => s()));
    await workerConnection?.close();
    await connection?.close();
  });

  it('hold no payload, result, error message or key of a job by default', async () => {
    const marker = 'sk-live-default-51H';
    const jobs = await queue();
    const flaky = await jobs.submit('logs.secret', { apiKey: marker, failTimes: 1 }, { jobId: unique('flaky') });
    const dead = await jobs.submit('logs.secret', { apiKey: marker, permanent: true }, { jobId: unique('dead') });
    expect(await flaky.result()).toEqual({ token: `token-for-${marker}` });
    expect((await dead.settled()).status).toBe(JobStatus.DeadLettered);
    // The lines of the run are there (rebound's, the SDK's failure line, the workflow's)...
    const logged = () => lines.join('');
    await eventually(async () => logged().includes('job dead-lettered'), 'the workflow to log the dead-lettering');
    expect(logged()).toContain(flaky.jobId);
    expect(logged()).toMatch(/"errorType":"Error".*attempt failed, will retry/);
    expect(logged()).toContain('"msg":"Activity failed"');
    expect(logged()).toContain('"msg":"attempt succeeded"');
    // ...and not the secrets.
    expect(logged()).not.toContain(marker);
    expect(logged()).not.toContain(keyText);
  });

  it('hold payloads, results and error messages when asked to (logPayloads)', async () => {
    const marker = 'sk-live-asked-77Q';
    const jobs = await queue(true);
    const handle = await jobs.submit('logs.secret', { apiKey: marker, failTimes: 1 }, { jobId: unique('asked') });
    await handle.result();
    const mine = lines.filter((l) => l.includes(handle.jobId)).join('');
    expect(mine).toContain(`"payload":{"apiKey":"${marker}","failTimes":1}`);
    expect(mine).toContain(`"result":{"token":"token-for-${marker}"}`);
    expect(mine).toContain(`"err":"upstream timed out for key ${marker}"`);
    expect(lines.join('')).not.toContain(keyText);
  });
});
