/**
 * What every example program does around its own story: connect the way the CLI does
 * (`TEMPORAL_ADDRESS` and Temporal's environment configuration, see `loadConfig`), run a worker
 * for its job types on its own task queue, print, check what happened against what the system it
 * replaces would do, and close everything.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import {
  connectClient,
  connectWorker,
  createAdmin,
  createJobClient,
  createLogger,
  createWorker,
  loadConfig,
  type AlertConfig,
  type DeadLetterAdmin,
  type JobClient,
  type JobDefinition,
  type JobRecord,
} from '../src';

/** Options every example's `main` takes. */
export interface ExampleOptions {
  /** host:port of the Temporal server. @defaultValue `TEMPORAL_ADDRESS`, else `127.0.0.1:7233` */
  address?: string;
  /** The task queue of the example's jobs and worker. @defaultValue `example-<name>` */
  taskQueue?: string;
  /** Receives what the example prints, a line at a time. @defaultValue `console.log` */
  print?: (line: string) => void;
}

/** What an example did. */
export interface ExampleResult {
  /** True when the system behaved as the one it replaces should. */
  ok: boolean;
  /** The checks that failed, in words. */
  failures: string[];
  taskQueue: string;
  /** The ids of the jobs the example submitted, by the name the example gives them. */
  jobIds: Record<string, string>;
}

/** What an example's story gets to work with. */
export interface ExampleContext {
  client: Client;
  jobs: JobClient;
  admin: DeadLetterAdmin;
  taskQueue: string;
  /** A short id of this run: job ids carry it, so that a second run against the same server starts new jobs. */
  run: string;
  print(line: string): void;
  /** Records a check: prints it with its outcome and remembers a failure. */
  check(ok: boolean, what: string): void;
}

/** How an example runs. */
export interface ExampleSpec {
  /** The example's name, for its default task queue. */
  name: string;
  /** What the example shows, printed first. */
  title: string;
  jobs: JobDefinition<any, any>[];
  /** Alerts of the task queue's dead-letter queue, applied by the worker. */
  alerts?: AlertConfig;
  /** The story: submits jobs, waits for them, checks; returns the ids of the jobs it submitted. */
  story(ctx: ExampleContext): Promise<Record<string, string>>;
}

/** Runs an example: a worker for its job types on its task queue, its story, and the checks. */
export async function runExample(spec: ExampleSpec, options: ExampleOptions = {}): Promise<ExampleResult> {
  const print = options.print ?? ((line: string) => console.log(line));
  const config = loadConfig({ address: options.address, taskQueue: options.taskQueue ?? `example-${spec.name}` });
  // Only errors: the example's failures are on purpose, and it prints what they did.
  const logger = createLogger({ level: process.env.LOG_LEVEL ?? 'error', pretty: false });
  const client = await connectClient(config);
  const connection = await connectWorker(config, logger);
  const failures: string[] = [];
  let running: Promise<void> | undefined;
  let worker: Awaited<ReturnType<typeof createWorker>> | undefined;
  try {
    worker = await createWorker({ connection, config, jobs: spec.jobs, logger, alerts: spec.alerts, shutdownGraceTime: '2s' });
    running = worker.run();
    print(`${spec.title}\n(task queue ${config.taskQueue} on ${config.address})\n`);
    const ctx: ExampleContext = {
      client,
      jobs: createJobClient({ client, jobs: spec.jobs, taskQueue: config.taskQueue }),
      admin: createAdmin({ client, taskQueue: config.taskQueue, jobs: spec.jobs }),
      taskQueue: config.taskQueue,
      run: randomUUID().slice(0, 6),
      print,
      check(ok, what) {
        print(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
        if (!ok) failures.push(what);
      },
    };
    const jobIds = await spec.story(ctx);
    print(failures.length === 0 ? '\nBehaved as the system it replaces should.' : `\n${failures.length} check(s) failed.`);
    return { ok: failures.length === 0, failures, taskQueue: config.taskQueue, jobIds };
  } finally {
    if (worker?.getState() === 'RUNNING') worker.shutdown();
    await running?.catch(() => undefined);
    await connection.close();
    await client.connection.close();
  }
}

/** Runs `main` as a program: exit code 0 when the example behaved as it should, 1 otherwise. */
export function runAsProgram(main: (options?: ExampleOptions) => Promise<ExampleResult>): void {
  main().then(
    (result) => {
      process.exitCode = result.ok ? 0 : 1;
    },
    (err: unknown) => {
      console.error(err instanceof Error ? `${err.name}: ${err.message}` : err);
      process.exitCode = 1;
    },
  );
}

/** Polls `read` until it returns something truthy (lists lag a moment behind the jobs); throws after `timeoutMs`. */
export async function waitFor<T>(read: () => Promise<T | undefined | false>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/** One line about a job: status, attempts, and the error of each failed attempt with the delay chosen after it. */
export function describeJob(name: string, record: JobRecord): string {
  const failed = record.attemptHistory
    .filter((a) => a.outcome !== 'Succeeded')
    .map((a) => `#${a.attempt}${a.round > 1 ? ` (round ${a.round})` : ''} ${a.outcome === 'Lost' ? 'lost' : a.errorType}${a.nextDelayMs === undefined ? '' : `, next in ${a.nextDelayMs} ms`}`);
  const attempts = `${record.attempts} attempt${record.attempts === 1 ? '' : 's'}${record.round > 1 ? ` in round ${record.round}, ${record.totalAttempts} in all` : ''}`;
  return `  ${name.padEnd(20)} ${record.status.padEnd(12)} after ${attempts}${failed.length ? `; failed: ${failed.join('; ')}` : ''}`;
}

/** The delays chosen after each failed attempt of a round, in milliseconds. */
export function delaysOf(record: JobRecord, round = record.round): number[] {
  return record.attemptHistory.filter((a) => a.round === round && a.nextDelayMs !== undefined).map((a) => a.nextDelayMs!);
}
