/**
 * The systems under test, behind one shape: rebound (through its public API, workers in child
 * processes), raw Temporal (the baseline's own workflow and activity), and BullMQ on Redis. Each
 * submits a job, runs one to its end, counts its settled jobs, and reports CPU time.
 */
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { WorkflowFailedError, type Client } from '@temporalio/client';
import { Queue, QueueEvents } from 'bullmq';
import { JobFailedError, createAdmin, createJobClient, jobWorkflowId, jobWorkflowType, type JobClient, type RetryOptions } from '../src';
import { bullJobName, bullJobOptions } from './bullmq/shared';
import type { BenchPayload } from './handler';
import { benchJobs } from './jobs';
import { WorkerProcess, procCpuMs } from './processes';
import type { RawJobInput, RawRetry } from './raw/shared';
import { rawJobWorkflowType } from './raw/shared';
import type { RedisServer, TemporalServer } from './servers';
import type { Usage } from './worker-ipc';

/** One job to submit: its id, payload and retry policy (and, for rebound, its job type). */
export interface JobSpec {
  id: string;
  payload: BenchPayload;
  retry: RawRetry;
  /** rebound's job type. @defaultValue `bench.work` */
  type?: string;
}

/** When a job was submitted and when its end was seen (performance.now() milliseconds), and how it ended. */
export interface JobTiming {
  submittedAt: number;
  endedAt: number;
  ok: boolean;
}

/** CPU time of a system's processes at one moment. */
export interface CpuSnapshot {
  /** Summed over its worker processes. */
  workerMs: number;
  /** Its server: Temporal's dev server, or Redis. */
  serverMs: number;
  /** Each worker's usage. */
  workers: Usage[];
}

/** A system under test, started for one run on its own task queue (or BullMQ queue). */
export interface System {
  /** Its label in tables. */
  readonly name: string;
  readonly queue: string;
  workers: WorkerProcess[];
  /** Submits a job and returns once the system took it. */
  submit(job: JobSpec): Promise<void>;
  /** Submits a job and waits until it succeeded or was given up (dead-lettered, failed). */
  run(job: JobSpec): Promise<JobTiming>;
  /** Jobs of this run that succeeded or were given up, as the system's own listing counts them. */
  settled(): Promise<number>;
  /** Ids of the jobs it holds as given up (dead-lettered, failed) now. */
  deadIds(): Promise<string[]>;
  /** CPU time of its workers and server now. */
  cpu(): Promise<CpuSnapshot>;
  /** Starts another worker process (scenario "crash": after a kill). */
  addWorker(): Promise<WorkerProcess>;
  /** Stops its workers and closes its clients. */
  close(): Promise<void>;
}

/** What starting a system needs. */
export interface SystemContext {
  temporal: TemporalServer;
  /** Folder for worker logs. */
  logDir: string;
  /** The raw baseline's prebuilt workflow bundle. */
  rawBundlePath: string;
  /** rebound worker log level. */
  logLevel: string;
}

/** A short unique name for a queue. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A raw retry policy as rebound's retry options (no jitter, as the baselines have none). */
export function reboundRetry(retry: RawRetry): RetryOptions {
  return {
    initialInterval: retry.initialIntervalMs,
    backoffCoefficient: retry.backoffCoefficient,
    maximumInterval: retry.maximumIntervalMs,
    maximumAttempts: retry.maximumAttempts,
    jitter: { ratio: 0 },
  };
}

async function workerCpu(workers: WorkerProcess[]): Promise<Usage[]> {
  return Promise.all(workers.map((w) => w.usage().catch(() => ({ cpuMs: Number.NaN, rssMb: Number.NaN, heapMb: Number.NaN }))));
}

/** What every system does with its worker processes: their CPU beside the server's, and one more. */
function workerControls(workers: WorkerProcess[], startOne: () => Promise<WorkerProcess>, serverPid: number | undefined): Pick<System, 'cpu' | 'addWorker'> {
  return {
    async cpu() {
      const usages = await workerCpu(workers);
      return { workerMs: usages.reduce((s, u) => s + u.cpuMs, 0), serverMs: procCpuMs(serverPid), workers: usages };
    },
    async addWorker() {
      const w = await startOne();
      workers.push(w);
      return w;
    },
  };
}

async function startWorkers(count: number, start: (n: number) => Promise<WorkerProcess>): Promise<WorkerProcess[]> {
  // One after another: two workers bundling at once on two cores would each take twice as long.
  const workers: WorkerProcess[] = [];
  for (let n = 0; n < count; n++) workers.push(await start(n));
  return workers;
}

/** How a rebound run waits for a job: the public `handle.result()` (it polls the job's state query), or the job workflow's result (a long poll; succeeded jobs only). */
export type ReboundWait = 'result' | 'workflow-result';

/** Starts rebound: `workers` worker processes on a fresh task queue, and a job client. */
export async function startRebound(ctx: SystemContext, options: { name?: string; workers?: number; wait?: ReboundWait } = {}): Promise<System> {
  const queue = uniqueName('rebound');
  const client: Client = ctx.temporal.client;
  const jobs: JobClient = createJobClient({ client, jobs: benchJobs, taskQueue: queue });
  let n = 0;
  const startOne = () =>
    WorkerProcess.start(
      { kind: 'rebound', address: ctx.temporal.server.address, queue, logLevel: ctx.logLevel },
      path.join(ctx.logDir, `${queue}-w${n++}.log`),
    );
  const workers = await startWorkers(options.workers ?? 1, startOne);
  const wait = options.wait ?? 'result';
  const submit = async (job: JobSpec) => {
    await jobs.submit(job.type ?? 'bench.work', job.payload, { jobId: job.id, retry: reboundRetry(job.retry) });
  };
  const system: System = {
    name: options.name ?? 'rebound',
    queue,
    workers,
    submit,
    async run(job) {
      const submittedAt = performance.now();
      const handle = await jobs.submit(job.type ?? 'bench.work', job.payload, { jobId: job.id, retry: reboundRetry(job.retry) });
      let ok = true;
      try {
        if (wait === 'result') await handle.result();
        else await client.workflow.getHandle(jobWorkflowId(job.id)).result();
      } catch (err) {
        if (!(err instanceof JobFailedError)) throw err;
        ok = false;
      }
      return { submittedAt, endedAt: performance.now(), ok };
    },
    async settled() {
      const { count } = await client.workflow.count(
        `TaskQueue = '${queue}' AND WorkflowType = '${jobWorkflowType}' AND JobStatus IN ('Succeeded', 'DeadLettered')`,
      );
      return count;
    },
    async deadIds() {
      const ids: string[] = [];
      for await (const job of createAdmin({ client, taskQueue: queue }).all()) ids.push(job.jobId);
      return ids;
    },
    ...workerControls(workers, startOne, ctx.temporal.pid),
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
    },
  };
  return system;
}

/** Starts the raw Temporal baseline: one worker process on a fresh task queue. */
export async function startRaw(ctx: SystemContext, options: { name?: string } = {}): Promise<System> {
  const queue = uniqueName('raw');
  const client = ctx.temporal.client;
  let n = 0;
  const startOne = () =>
    WorkerProcess.start(
      { kind: 'raw', address: ctx.temporal.server.address, queue, bundlePath: ctx.rawBundlePath },
      path.join(ctx.logDir, `${queue}-w${n++}.log`),
    );
  const workers = await startWorkers(1, startOne);
  const start = (job: JobSpec) => {
    const input: RawJobInput = { jobId: job.id, payload: job.payload, retry: job.retry };
    return client.workflow.start(rawJobWorkflowType, { workflowId: `raw-${job.id}`, taskQueue: queue, args: [input] });
  };
  const system: System = {
    name: options.name ?? 'raw Temporal',
    queue,
    workers,
    async submit(job) {
      await start(job);
    },
    async run(job) {
      const submittedAt = performance.now();
      const handle = await start(job);
      let ok = true;
      try {
        await handle.result();
      } catch (err) {
        if (!(err instanceof WorkflowFailedError)) throw err;
        ok = false;
      }
      return { submittedAt, endedAt: performance.now(), ok };
    },
    async settled() {
      const { count } = await client.workflow.count(`TaskQueue = '${queue}' AND ExecutionStatus != 'Running'`);
      return count;
    },
    async deadIds() {
      const ids: string[] = [];
      for await (const wf of client.workflow.list({ query: `TaskQueue = '${queue}' AND ExecutionStatus = 'Failed'` })) ids.push(wf.workflowId.replace(/^raw-/, ''));
      return ids;
    },
    ...workerControls(workers, startOne, ctx.temporal.pid),
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
    },
  };
  return system;
}

/** Starts BullMQ on `redis`: one worker process (100 jobs at once, as a Temporal worker's default activity slots) and a queue. */
export async function startBull(
  ctx: Pick<SystemContext, 'logDir'>,
  redis: RedisServer,
  options: { name: string; lockMs?: number; concurrency?: number },
): Promise<System> {
  const queue = uniqueName('bull');
  const prefix = queue;
  const connection = { host: '127.0.0.1', port: redis.port };
  const q = new Queue(queue, { connection, prefix });
  await q.waitUntilReady();
  let events: QueueEvents | undefined;
  let n = 0;
  const startOne = () =>
    WorkerProcess.start(
      { kind: 'bullmq', queue, prefix, redisPort: redis.port, concurrency: options.concurrency ?? 100, lockMs: options.lockMs },
      path.join(ctx.logDir, `${queue}-w${n++}.log`),
    );
  const workers = await startWorkers(1, startOne);
  const system: System = {
    name: options.name,
    queue,
    workers,
    async submit(job) {
      await q.add(bullJobName, job.payload, bullJobOptions(job.id, job.retry));
    },
    async run(job) {
      if (!events) {
        events = new QueueEvents(queue, { connection, prefix });
        await events.waitUntilReady();
      }
      const submittedAt = performance.now();
      const added = await q.add(bullJobName, job.payload, bullJobOptions(job.id, job.retry));
      let ok = true;
      try {
        await added.waitUntilFinished(events, 300_000);
      } catch {
        ok = false;
      }
      return { submittedAt, endedAt: performance.now(), ok };
    },
    async settled() {
      const counts = await q.getJobCounts('completed', 'failed');
      return (counts.completed ?? 0) + (counts.failed ?? 0);
    },
    async deadIds() {
      return (await q.getFailed(0, -1)).map((j) => j.id!);
    },
    ...workerControls(workers, startOne, redis.pid),
    async close() {
      await Promise.all(workers.map((w) => w.stop()));
      await events?.close();
      await q.close();
    },
  };
  return system;
}
