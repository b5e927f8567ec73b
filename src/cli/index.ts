/**
 * The \`rebound\` command line: a thin shell over the library. Each command parses, calls one
 * library function and prints (a table for people, \`--json\` for scripts).
 * Exit codes: 0 done, 1 the operation failed, 2 usage.
 */
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { registerBreakerCommands } from './breaker';
import { addCheckCommand } from './check';
import { addCodecServerCommand } from './codec-server';
import { addConsoleCommand } from './console';
import { createCliContext, errorMessage, exitCodeFor, type CliContext, type CliIo } from './context';
import { addDevCommand } from './dev';
import { registerDlqCommands } from './dlq';
import { registerOutboxCommands } from './outbox';
import { registerJobsCommands } from './jobs';
import { registerJobActionCommands } from './job-actions';
import { addStatsCommand } from './stats';
import { addStatusCommand, addSubmitCommand } from './submit';
import { addWorkerCommand } from './worker';

export { ExitCode, type CliContext, type CliIo } from './context';

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
    .option('--profile <name>', "profile of Temporal's config file (env TEMPORAL_PROFILE)")
    .option('--jobs <module>', 'your job types: a module exporting defineJob() results, by path or package name (env REBOUND_JOBS)')
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
  registerOutboxCommands(program, ctx);
  registerJobsCommands(program, ctx);
  // After `jobs list`: its group gains retry-now, pause and resume.
  registerJobActionCommands(program, ctx);
  addStatsCommand(program, ctx);
  registerBreakerCommands(program, ctx);
  addCheckCommand(program, ctx);
  addConsoleCommand(program, ctx);
  addCodecServerCommand(program, ctx);
  return program;
}

function packageVersion(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    const file = path.join(dir, 'package.json');
    if (existsSync(file)) return (JSON.parse(readFileSync(file, 'utf8')) as { version?: string }).version ?? '0.0.0';
  }
  return '0.0.0';
}

