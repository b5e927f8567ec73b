import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin } from '../../src/admin';
import { configureAlerts } from '../../src/admin';
import { connectWorker } from '../../src/config';
import { defineJob } from '../../src/jobs';
import { JobStatus, deadLetterWorkflowId, type AlertConfig, type Notification } from '../../src/contract';
import { createWorker } from '../../src/worker';
import { deadJobType } from '../fixtures/dead-jobs';
import { eventually, quietLogger, testEnv, unique, type TestEnv } from '../helpers';

/** A webhook receiver on 127.0.0.1 that keeps every POST and answers with `status`. */
interface Receiver {
  url: string;
  status: number;
  /** Every request received, answered or not. */
  requests: { contentType?: string; body: Notification }[];
  received(kind: Notification['kind']): Notification[];
  close(): Promise<void>;
}

async function startReceiver(): Promise<Receiver> {
  const receiver: Omit<Receiver, 'url' | 'close'> = {
    status: 200,
    requests: [],
    received: (kind) => receiver.requests.filter((r) => r.body.kind === kind).map((r) => r.body),
  };
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      receiver.requests.push({ contentType: req.headers['content-type'], body: JSON.parse(Buffer.concat(chunks).toString('utf8')) });
      res.writeHead(receiver.status).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/hooks/rebound`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  });
}

/** A URL on 127.0.0.1 where nothing listens. */
async function closedUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}/hooks/rebound`;
}

/** A pino logger that keeps its JSON lines. */
function capturingLogger() {
  const lines: { level: number; msg: string; notification?: Notification }[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: pino({ level: 'warn', base: undefined }, stream), lines };
}

describe('dead-letter alerts', () => {
  let env: TestEnv;
  let receiver: Receiver;
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    receiver = await startReceiver();
  });
  afterEach(async () => {
    await Promise.all(stops.splice(0).map((s) => s()));
    await env?.close();
    receiver.requests.length = 0;
    receiver.status = 200;
  });
  afterAll(() => receiver.close());

  /** A worker on the test's task queue created with `alerts` and `logger`. */
  async function startWorker(defs: Parameters<TestEnv['startWorker']>[0], alerts?: AlertConfig, logger = quietLogger) {
    const connection = await connectWorker(env.config, quietLogger);
    const worker = await createWorker({ connection, config: env.config, jobs: defs, logger, alerts });
    const running = worker.run();
    stops.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await connection.close();
    });
  }

  const deadJobs = async (jobs: ReturnType<TestEnv['jobs']>, type: string, n: number) => {
    const handles = await Promise.all(Array.from({ length: n }, (_, i) => jobs.submit(type, { ms: 100 + i }, { jobId: unique('a') })));
    for (const h of handles) expect((await h.settled()).status).toBe(JobStatus.DeadLettered);
    return handles.map((h) => h.jobId);
  };

  it('fires exactly once when the 5th job dies and recovers once when the count drops back, to the log and the webhook', async () => {
    env = await testEnv();
    const type = unique('alert');
    const defs = [deadJobType(type)];
    const { logger, lines } = capturingLogger();
    await startWorker(defs, undefined, logger);
    const jobs = env.jobs(defs);
    const admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue, jobs: defs });
    await configureAlerts(env.client, env.config.taskQueue, { thresholds: { deadNow: 5 }, webhookUrl: receiver.url });

    const ids = await deadJobs(jobs, type, 4);
    const four = await eventually(async () => {
      const s = await admin.stats();
      return s.total.deadNow === 4 && s;
    }, 'four dead jobs counted');
    expect(four.firing).toEqual([]);
    expect(receiver.received('alert')).toEqual([]);

    ids.push(...(await deadJobs(jobs, type, 1)));
    const [alert] = await eventually(async () => receiver.received('alert').length > 0 && receiver.received('alert'), 'the alert to reach the webhook');
    expect(alert).toMatchObject({ kind: 'alert', key: 'deadNow', value: 5, threshold: 5, taskQueue: env.config.taskQueue });
    expect(alert.message).toContain('deadNow');
    expect(receiver.requests[0].contentType).toBe('application/json');

    ids.push(...(await deadJobs(jobs, type, 2)));
    await eventually(async () => (await admin.stats()).total.deadNow === 7, 'seven dead jobs counted');
    expect((await admin.stats()).firing).toEqual(['deadNow']);

    // 7 -> 6 (retried, fixed) -> 5 (cancelled): still at the threshold. Then 4: one recovery.
    await admin.retry([ids[0]], { payload: { fixed: true } });
    await admin.cancel([ids[1]]);
    await eventually(async () => (await admin.stats()).total.deadNow === 5, 'five dead jobs counted');
    expect(receiver.received('recovered')).toEqual([]);
    await admin.cancel([ids[2], ids[3]]);
    const [recovered] = await eventually(async () => receiver.received('recovered').length > 0 && receiver.received('recovered'), 'the recovery to reach the webhook');
    expect(recovered).toMatchObject({ kind: 'recovered', key: 'deadNow', value: 4, threshold: 5 });
    // Notifications are sent in order: had a second alert been raised, it would have arrived first.
    expect(receiver.requests.map((r) => r.body.kind)).toEqual(['alert', 'recovered']);
    expect((await admin.stats()).firing).toEqual([]);

    const logged = lines.filter((l) => l.notification);
    expect(logged.map((l) => [l.level, l.notification!.kind])).toEqual([
      [40, 'alert'],
      [40, 'recovered'],
    ]);
  });

  /** A job that dead-letters at once with this retention and warning, and its first `expiring` notice. */
  async function deadAndAnnounced(retention: string, expiryWarning: string) {
    env = await testEnv();
    const type = unique('expiring');
    const def = defineJob({
      type,
      retry: { maximumAttempts: 1, initialInterval: 10, maximumInterval: 50 },
      retention,
      expiryWarning,
      handler: async () => {
        throw new Error('broken');
      },
    });
    await startWorker([def], { webhookUrl: receiver.url });
    const handle = await env.jobs([def]).submit(type, {}, { jobId: unique('x') });
    const dead = await handle.settled();
    expect(dead.status).toBe(JobStatus.DeadLettered);
    const [expiring] = await eventually(async () => receiver.received('expiring').length > 0 && receiver.received('expiring'), 'the expiring notice', 30_000);
    return { type, handle, dead, expiring };
  }

  it('reports a dead job close to its expiry as expiring, once, before it expires', async () => {
    const { type, handle, dead, expiring } = await deadAndAnnounced('4s', '2s');
    expect(expiring).toMatchObject({ kind: 'expiring', key: handle.jobId, jobId: handle.jobId, jobType: type, expiresAt: dead.expiresAt, taskQueue: env.config.taskQueue });
    expect(Date.parse(expiring.at)).toBeLessThan(Date.parse(dead.expiresAt!));
    await eventually(async () => (await handle.status()).status === JobStatus.Expired, 'the job to expire', 30_000);
    expect(receiver.received('expiring')).toHaveLength(1);
  });

  it('announces a dead job at once when its retention is shorter than the warning period', async () => {
    const { type, handle, dead, expiring } = await deadAndAnnounced('1h', '1d');
    expect(expiring).toMatchObject({ kind: 'expiring', jobId: handle.jobId, jobType: type, expiresAt: dead.expiresAt });
    expect((await handle.status()).status).toBe(JobStatus.DeadLettered);
  });

  it('watches dead-letterings per minute and dead jobs per type, from alerts given to the worker', async () => {
    env = await testEnv();
    const typeA = unique('rate-a');
    const typeB = unique('rate-b');
    const defs = [deadJobType(typeA), deadJobType(typeB)];
    await startWorker(defs, {
      thresholds: { deadLetteredPerMinute: 5, deadLetteredPerMinuteByType: { [typeA]: 3 }, deadNowByType: { [typeB]: 2 } },
      webhookUrl: receiver.url,
    });
    const jobs = env.jobs(defs);
    const admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue, jobs: defs });

    await deadJobs(jobs, typeA, 3);
    await eventually(async () => receiver.received('alert').some((n) => n.key === `deadLetteredPerMinute:${typeA}`), 'the per-type rate alert');
    const b = await deadJobs(jobs, typeB, 2);
    await eventually(async () => receiver.received('alert').length === 3, 'the overall rate and per-type alerts');
    expect(Object.fromEntries(receiver.received('alert').map((n) => [n.key, [n.value, n.threshold]]))).toEqual({
      [`deadLetteredPerMinute:${typeA}`]: [3, 3],
      deadLetteredPerMinute: [5, 5],
      [`deadNow:${typeB}`]: [2, 2],
    });

    await admin.cancel([b[0]]);
    await eventually(async () => receiver.received('recovered').some((n) => n.key === `deadNow:${typeB}`), 'the per-type dead-now recovery');
    // With no new dead-lettering, the rate alerts recover once their minute has passed.
    await eventually(async () => receiver.received('recovered').length === 3, 'the rate alerts to recover', 100_000);
    expect(receiver.received('recovered').map((n) => n.key).sort()).toEqual([`deadLetteredPerMinute:${typeA}`, 'deadLetteredPerMinute', `deadNow:${typeB}`].sort());
    expect(receiver.received('alert')).toHaveLength(3);
    expect((await admin.stats()).firing).toEqual([]);
  });

  it('keeps counting when the webhook answers 500 or is down, drops what it cannot deliver and delivers what comes next', async () => {
    env = await testEnv();
    const type = unique('hook-down');
    const defs = [deadJobType(type)];
    await startWorker(defs);
    const jobs = env.jobs(defs);
    const admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue, jobs: defs });
    receiver.status = 500;
    await configureAlerts(env.client, env.config.taskQueue, { thresholds: { deadNow: 2 }, webhookUrl: receiver.url });

    const ids = await deadJobs(jobs, type, 2);
    // Five tries of the alert, each answered 500; then the notification is dropped.
    await eventually(async () => receiver.requests.length >= 5, 'five tries of the alert', 60_000);
    const dlq = env.client.workflow.getHandle(deadLetterWorkflowId(env.config.taskQueue));
    ids.push(...(await deadJobs(jobs, type, 1)));
    await eventually(async () => (await admin.stats()).total.deadNow === 3, 'the queue to go on counting');
    expect((await dlq.describe()).status.name).toBe('RUNNING');
    expect((await admin.stats()).firing).toEqual(['deadNow']);
    expect(receiver.requests).toHaveLength(5);

    // Down: nothing listens. The recovery is dropped too, and the counts stay right.
    await configureAlerts(env.client, env.config.taskQueue, { thresholds: { deadNow: 2 }, webhookUrl: await closedUrl() });
    await admin.cancel(ids.slice(0, 2));
    await eventually(async () => {
      const s = await admin.stats();
      return s.total.deadNow === 1 && s.firing.length === 0;
    }, 'the recovery while the webhook is down');
    ids.push(...(await deadJobs(jobs, type, 1)));
    await eventually(async () => (await admin.stats()).total.deadNow === 2, 'two dead jobs counted');

    // Back up: what comes next arrives (the alert raised while it was down was dropped).
    receiver.status = 200;
    await configureAlerts(env.client, env.config.taskQueue, { thresholds: { deadNow: 2 }, webhookUrl: receiver.url });
    const since = receiver.requests.length;
    const delivered = (kind: string, value: number) => receiver.requests.slice(since).some((r) => r.body.kind === kind && r.body.value === value);
    await admin.cancel([ids.at(-1)!]);
    await eventually(async () => delivered('recovered', 1), 'the recovery once the webhook is back', 60_000);
    ids.push(...(await deadJobs(jobs, type, 1)));
    await eventually(async () => delivered('alert', 2), 'the next alert once the webhook is back', 60_000);
    expect((await dlq.describe()).status.name).toBe('RUNNING');
    const stats = await eventually(async () => {
      const s = await admin.stats();
      return s.total.deadLettered === 5 && s;
    }, 'the last dead-lettering counted');
    expect(stats.total).toMatchObject({ deadNow: 2, deadLettered: 5, cancelled: 3 });
  });

  it('applies a configuration that crosses or removes thresholds at once', async () => {
    env = await testEnv();
    const type = unique('reconfigure');
    const defs = [deadJobType(type)];
    await startWorker(defs);
    const jobs = env.jobs(defs);
    await deadJobs(jobs, type, 2);
    const admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue, jobs: defs });
    await eventually(async () => (await admin.stats()).total.deadNow === 2, 'two dead jobs counted');

    await configureAlerts(env.client, env.config.taskQueue, { thresholds: { deadNow: 2 }, webhookUrl: receiver.url });
    await eventually(async () => receiver.received('alert').length === 1, 'the alert on a lowered threshold');
    await configureAlerts(env.client, env.config.taskQueue, { webhookUrl: receiver.url });
    const [recovered] = await eventually(async () => receiver.received('recovered').length === 1 && receiver.received('recovered'), 'the recovery on a removed threshold');
    expect(recovered).toMatchObject({ key: 'deadNow', value: 0 });
    expect(recovered.threshold).toBeUndefined();
    await expect(configureAlerts(env.client, env.config.taskQueue, { thresholds: { deadNow: 0 } })).rejects.toThrow(/thresholds\.deadNow/);
  });
});
