/**
 * The `rebound` command line: a thin shell over the client, the worker, the dev server and the
 * demo. Parse, call one library function, print (a table for people, `--json` for scripts).
 * Exit codes: 0 done, 1 the operation failed, 2 usage.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { exampleJobs } from '../examples/jobs';
import { createJobClient, readJob, type JobRecord } from './client';
import {
  createCliContext,
  errorMessage,
  exitCodeFor,
  jobDocument,
  parseDurationOption,
  parseIntegerOption,
  parseJsonOption,
  parseNumberOption,
  printDeadHints,
  printJob,
  renderFacts,
  withClient,
  type CliContext,
  type CliIo,
} from './cli-format';
import { registerDlqCommands } from './cli-dlq';
import { connectWorker } from './config';
import { runDemo } from './demo';
import { defaultDbFile, startDev } from './dev';
import { createLogger } from './logger';
import { JobStatus } from './shared';
import { createWorker } from './worker';

/** Runs `rebound` with `argv` (as `process.argv`: node, script, then the arguments); resolves to the exit code. */
export async function main(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  // `rebound status x | head` closes stdout early: that is the reader's choice, not a failure.
  if (!process.stdout.listeners('error').includes(ignoreClosedPipe)) process.stdout.on('error', ignoreClosedPipe);
  const ctx = createCliContext(io);
  const program = buildProgram(ctx);
  try {
    await program.parseAsync(argv, { from: 'node' });
    return ctx.exitCode;
  } catch (err) {
    // Commander has printed its own message (and the help hint) already.
    if (!(err instanceof CommanderError)) io.stderr.write(`${errorMessage(err, process.env.LOG_LEVEL === 'debug')}\n`);
    return exitCodeFor(err);
  }
}

function ignoreClosedPipe(err: NodeJS.ErrnoException): void {
  if (err.code !== 'EPIPE') throw err;
}

/** The program with every command; exported for tests and for tools that embed the CLI. */
export function buildProgram(ctx: CliContext): Command {
  const program = new Command('rebound')
    .description('Background jobs as durable Temporal workflows, with backoff, jitter, max attempts and a dead-letter queue.')
    .version(packageVersion(), '-V, --version')
    .option('--address <host:port>', 'Temporal frontend (env TEMPORAL_ADDRESS, default 127.0.0.1:7233)')
    .option('--namespace <name>', 'Temporal namespace (env TEMPORAL_NAMESPACE, default "default")')
    .option('--task-queue <name>', "rebound's task queue (env REBOUND_TASK_QUEUE, default \"rebound\")")
    .configureHelp({ showGlobalOptions: true })
    .configureOutput({ writeOut: (s) => void ctx.io.stdout.write(s), writeErr: (s) => void ctx.io.stderr.write(s) })
    .showHelpAfterError('(add --help for usage)')
    .exitOverride();
  // Settings above are copied into every subcommand created below.

  addDevCommand(program, ctx);
  addWorkerCommand(program, ctx);
  addSubmitCommand(program, ctx);
  addStatusCommand(program, ctx);
  registerDlqCommands(program, ctx);
  return program;
}

function packageVersion(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? '0.0.0';
  }
  return '0.0.0';
}

/**
 * Resolves on the first SIGINT or SIGTERM. A second one means "now": `onForce` runs and the
 * process exits with 130 without a clean stop.
 */
function untilSignal(
  ctx: CliContext,
  onForce: () => void = () => undefined,
): { received: Promise<NodeJS.Signals>; fired(): boolean; dispose(): void } {
  let first = true;
  let resolve!: (signal: NodeJS.Signals) => void;
  const received = new Promise<NodeJS.Signals>((r) => (resolve = r));
  const handler = (signal: NodeJS.Signals) => {
    if (first) {
      first = false;
      ctx.warn(`${signal} received: stopping cleanly (send it again to exit at once)`);
      resolve(signal);
      return;
    }
    ctx.warn(`${signal} received again: exiting without a clean stop`);
    onForce();
    process.exit(130);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    received,
    fired: () => !first,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

interface DevOpts {
  port: number;
  uiPort: number;
  db?: string;
  demo?: boolean;
}

function addDevCommand(program: Command, ctx: CliContext): void {
  program
    .command('dev')
    .description('Run the embedded Temporal dev server (SQLite, Web UI) and a worker for the example jobs, until Ctrl-C')
    .option('--port <n>', 'frontend gRPC port', parseIntegerOption, 7233)
    .option('--ui-port <n>', 'Web UI port', parseIntegerOption, 8233)
    .option('--db <file>', `SQLite file that keeps the jobs across restarts (default ${path.relative(process.cwd(), defaultDbFile()) || defaultDbFile()})`)
    .option('--demo', 'submit a handful of example jobs once ready, and show how to operate the dead ones')
    .addHelpText('after', '\n--address is not used: the server listens on 127.0.0.1:<port>.')
    .action(async (opts: DevOpts, cmd: Command) => {
      const { namespace, taskQueue } = ctx.config(cmd);
      // Failed attempts are worth seeing while you try things; during the demo its own output tells the story.
      const logger = createLogger({ level: process.env.LOG_LEVEL ?? (opts.demo ? 'error' : 'warn') });
      const abortDemo = new AbortController();
      let dev: Awaited<ReturnType<typeof startDev>> | undefined;
      const signals = untilSignal(ctx, () => void dev?.server.stop());
      try {
        ctx.warn('Starting the Temporal dev server and a worker...');
        dev = await startDev({ port: opts.port, uiPort: opts.uiPort, dbFile: opts.db, namespace, taskQueue, logger });
        const { config, server } = dev;
        ctx.print(
          renderFacts([
            ['Temporal server', `${server.address} (namespace ${config.namespace})`],
            ['Web UI', server.uiUrl],
            ['Database', dev.dbFile],
            ['Worker', `task queue "${config.taskQueue}": ${dev.jobTypes.join(', ')}`],
          ]),
        );
        const flags = server.address === '127.0.0.1:7233' ? '' : ` --address ${server.address}`;
        // Under `npm run demo` the CLI is not on the PATH, but `npx rebound` finds it.
        const self = process.env.npm_lifecycle_event ? 'npx rebound' : 'rebound';
        ctx.print(`Try:  ${self} submit example.send-email --payload '{"failTimes":1}' --wait${flags}`);
        ctx.print('Press Ctrl-C to stop.');

        const demo = opts.demo
          ? withClient(config, (client) =>
              runDemo({
                client,
                address: config.address,
                namespace: config.namespace,
                taskQueue: config.taskQueue,
                uiUrl: server.uiUrl,
                command: self,
                print: (text) => ctx.print(text),
                signal: abortDemo.signal,
              }),
            ).catch((err: unknown) => {
              if (!abortDemo.signal.aborted) ctx.warn(`demo failed: ${(err as Error).message}`);
            })
          : undefined;
        await Promise.race([signals.received, dev.done]);
        abortDemo.abort(new Error('stopping'));
        await demo;
      } finally {
        if (dev) {
          ctx.warn('Stopping the worker, then the server...');
          await dev.stop();
          ctx.warn('Stopped.');
        }
        signals.dispose();
      }
    });
}

function addWorkerCommand(program: Command, ctx: CliContext): void {
  program
    .command('worker')
    .description('Run a worker for the example job types on the configured server and task queue, until Ctrl-C')
    .action(async (_opts: unknown, cmd: Command) => {
      const config = ctx.config(cmd);
      const logger = createLogger();
      const signals = untilSignal(ctx);
      try {
        const connection = await connectWorker(config, logger);
        try {
          const worker = await createWorker({ connection, config, jobs: exampleJobs, logger });
          // Stopped while connecting: nothing to run.
          if (signals.fired()) return;
          // The SDK's runtime also shuts workers down on these signals; shutdown() only once.
          void signals.received.then(() => worker.getState() === 'RUNNING' && worker.shutdown());
          const running = worker.run();
          logger.info(
            { address: config.address, namespace: config.namespace, taskQueue: config.taskQueue, jobTypes: exampleJobs.map((j) => j.type) },
            'worker running; Ctrl-C to stop',
          );
          await running;
          logger.info('worker stopped');
        } finally {
          await connection.close();
        }
      } finally {
        signals.dispose();
      }
    });
}

interface SubmitOpts {
  payload: unknown;
  id?: string;
  maxAttempts?: number;
  initialInterval?: string | number;
  backoffCoefficient?: number;
  maxInterval?: string | number;
  wait?: boolean;
  json?: boolean;
}

function addSubmitCommand(program: Command, ctx: CliContext): void {
  program
    .command('submit')
    .description('Submit a job; with --wait, wait until it succeeded, dead-lettered, was cancelled or expired')
    .argument('<type>', `job type (${exampleJobs.map((j) => j.type).join(', ')})`)
    .option('--payload <json>', 'the payload, as JSON (default {})', parseJsonOption)
    .option('--id <id>', 'your id for the job; one id runs at most once (default a random UUID)')
    .option('--max-attempts <n>', "attempts per round, the first included (default the type's)", parseIntegerOption)
    .option('--initial-interval <duration>', 'delay before the first retry, e.g. 500ms, 2s', parseDurationOption)
    .option('--backoff-coefficient <x>', 'each delay is the previous one times this', parseNumberOption)
    .option('--max-interval <duration>', 'no delay is longer than this, e.g. 30s, 5m', parseDurationOption)
    .option('--wait', 'wait until the job settles; exit 0 whichever way it ended (the output says which)')
    .option('--json', 'print one JSON document: { jobId, workflowId, runId, created } (with --wait also status, attempts, result | error)')
    .action(async (type: string, opts: SubmitOpts, cmd: Command) => {
      await ctx.withClient(cmd, async (client, config) => {
        const jobs = createJobClient({ client, jobs: exampleJobs, taskQueue: config.taskQueue });
        const handle = await jobs.submit(type, opts.payload ?? {}, {
          jobId: opts.id,
          retry: {
            maximumAttempts: opts.maxAttempts,
            initialInterval: opts.initialInterval,
            backoffCoefficient: opts.backoffCoefficient,
            maximumInterval: opts.maxInterval,
          },
        });
        const submitted = { jobId: handle.jobId, workflowId: handle.workflowId, runId: handle.runId ?? null, created: handle.created };
        if (!opts.json) {
          ctx.print(
            handle.created
              ? `Submitted ${type} job ${handle.jobId} (workflow ${handle.workflowId}) on task queue "${config.taskQueue}".`
              : `Job ${handle.jobId} exists already; nothing new was started.`,
          );
        }
        if (!opts.wait) {
          if (opts.json) ctx.printJson(submitted);
          return;
        }
        if (!opts.json) ctx.warn(`Waiting for it to settle (a worker must run on task queue "${config.taskQueue}")...`);
        const record = await handle.settled();
        const ended = record.status === JobStatus.Succeeded ? { result: record.result ?? null } : { error: errorOf(record) };
        if (opts.json) {
          ctx.printJson({ ...submitted, status: record.status, attempts: record.attempts, ...ended });
          return;
        }
        const attempts = `after ${record.attempts} attempt${record.attempts === 1 ? '' : 's'}`;
        if (record.status === JobStatus.Succeeded) {
          ctx.print(`Job ${record.jobId} Succeeded ${attempts}. Result: ${JSON.stringify(record.result ?? null)}`);
        } else {
          ctx.print(`Job ${record.jobId} ${record.status} ${attempts}: ${ended.error?.type}: ${ended.error?.message}`);
          if (record.status === JobStatus.DeadLettered) printDeadHints(ctx, record.jobId);
        }
      });
    });
}

/** The `error` of a job that did not succeed: its last failure, or why it ended. */
function errorOf(record: JobRecord): { type: string; message: string } {
  return {
    type: record.errorType ?? record.status,
    message: record.message ?? record.reason ?? `job ${record.status.toLowerCase()}`,
  };
}

function addStatusCommand(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description("Show a job: status, payload, attempts and each attempt's error")
    .argument('<jobId>', 'the job id (its workflow id is job-<jobId>)')
    .option('--json', 'print the job as one JSON document')
    .action(async (jobId: string, opts: { json?: boolean }, cmd: Command) => {
      const record = await ctx.withClient(cmd, (client) => readJob(client, jobId));
      if (opts.json) {
        ctx.printJson(jobDocument(record));
        return;
      }
      printJob(ctx, record);
    });
}
