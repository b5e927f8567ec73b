/**
 * What every `rebound` command shares: reading the global connection options, connecting and
 * closing, printing, and turning errors into exit codes. Command groups get these through a
 * {@link CliContext}.
 */
import { status } from '@grpc/grpc-js';
import { Client, ServiceError, isGrpcServiceError } from '@temporalio/client';
import { CommanderError, type Command } from 'commander';
import { connectClient, loadConfig, type ReboundConfig } from '../config';
import { ReboundError, ServerUnreachableError, UsageError } from '../errors';
import { loadJobModule, type LoadedJobModule } from '../worker';
import { formatJson, renderTable } from './format';

/** Where a command writes: stdout carries only command output, stderr messages and logs. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
  /** Where `--payload -` reads from. @defaultValue `process.stdin` */
  stdin?: NodeJS.ReadableStream;
}

/** Exit codes of every command (the CLI contract). */
export const ExitCode = {
  /** Done. */
  Ok: 0,
  /** The operation failed: unknown job, job not dead, server unreachable, bad payload... */
  Failed: 1,
  /** Usage: unknown command or option, an option value that does not parse. */
  Usage: 2,
} as const;

/** The global options every command takes (declared once on the program). */
export type GlobalOptions = {
  address?: string;
  namespace?: string;
  /** The profile of Temporal's config file (TEMPORAL_PROFILE otherwise). */
  profile?: string;
  taskQueue?: string;
  jobs?: string;
};

/** What a command's action needs besides its own options. */
export interface CliContext {
  io: CliIo;
  /** Set by a command that finished but must report failure without throwing (some of many jobs failed). */
  exitCode: number;
  /** The connection config from the global options of `cmd` (or any subcommand), then the environment, then defaults. */
  config(cmd: Command): ReboundConfig;
  /** Connects with the global options of `cmd`, runs `fn`, and closes the connection, whatever happens. */
  withClient<T>(cmd: Command, fn: (client: Client, config: ReboundConfig) => Promise<T>): Promise<T>;
  /** The job module given by `--jobs` or `REBOUND_JOBS`, loaded once; undefined when neither is set. */
  jobs(cmd: Command): Promise<LoadedJobModule | undefined>;
  /** The same, refusing with a usage error saying how to give one when neither is set; `what` says what needs it. */
  requireJobs(cmd: Command, what: string): Promise<LoadedJobModule>;
  /** One line (or block) of human output on stdout. */
  print(text?: string): void;
  /** One JSON document on stdout. */
  printJson(value: unknown): void;
  /** A table on stdout. */
  printTable(head: string[], rows: unknown[][]): void;
  /** A message for people on stderr. */
  warn(text: string): void;
}

/** Reads the global options of `cmd`: overrides only what was given, so the environment still applies. */
export function configFromOptions(cmd: Command, env: NodeJS.ProcessEnv = process.env): ReboundConfig {
  const { address, namespace, profile, taskQueue } = cmd.optsWithGlobals<GlobalOptions>();
  return loadConfig({ address, namespace, profile, taskQueue }, env);
}

/** gRPC status codes that mean the server went away, not that the operation was refused. */
const unreachableCodes = new Set<number>([status.DEADLINE_EXCEEDED, status.UNAVAILABLE]);

/** Connects, runs `fn`, closes. A server that goes away mid-call is reported as {@link ServerUnreachableError}. */
export async function withClient<T>(config: ReboundConfig, fn: (client: Client, config: ReboundConfig) => Promise<T>): Promise<T> {
  const client = await connectClient(config);
  try {
    return await fn(client, config);
  } catch (err) {
    const grpc = err instanceof ServiceError ? err.cause : err;
    if (isGrpcServiceError(grpc) && unreachableCodes.has(grpc.code)) throw new ServerUnreachableError(config.address, err);
    throw err;
  } finally {
    await client.connection.close();
  }
}

/** How to give a job module, for messages that ask for one. */
export const jobsHint = 'give them with --jobs <module> or REBOUND_JOBS=<module> (a module that exports the results of defineJob(); rebound\'s examples: --jobs rebound/examples)';

/** Makes the context commands run with, writing to `io`. */
export function createCliContext(io: CliIo, env: NodeJS.ProcessEnv = process.env): CliContext {
  let loaded: Promise<LoadedJobModule | undefined> | undefined;
  const jobs = (cmd: Command) => {
    const specifier = cmd.optsWithGlobals<GlobalOptions>().jobs ?? (env.REBOUND_JOBS?.trim() || undefined);
    return (loaded ??= specifier === undefined ? Promise.resolve(undefined) : loadJobModule(specifier));
  };
  const ctx: CliContext = {
    io,
    exitCode: ExitCode.Ok,
    config: (cmd) => configFromOptions(cmd, env),
    withClient: (cmd, fn) => withClient(configFromOptions(cmd, env), fn),
    jobs,
    async requireJobs(cmd, what) {
      const module = await jobs(cmd);
      if (!module) throw new UsageError(`${what} needs your job types: ${jobsHint}`);
      return module;
    },
    print: (text = '') => void io.stdout.write(`${text}\n`),
    printJson: (value) => void io.stdout.write(formatJson(value)),
    printTable: (head, rows) => void io.stdout.write(`${renderTable(head, rows)}\n`),
    warn: (text) => void io.stderr.write(`${text}\n`),
  };
  return ctx;
}

/** The exit code for an error a command threw. */
export function exitCodeFor(err: unknown): number {
  if (err instanceof CommanderError) return err.exitCode === 0 ? ExitCode.Ok : ExitCode.Usage;
  if (err instanceof UsageError) return ExitCode.Usage;
  return ExitCode.Failed;
}

/**
 * The message printed on stderr for an error a command threw. rebound's own errors say
 * everything in their message; others get their name and, with `LOG_LEVEL=debug`, their stack.
 */
export function errorMessage(err: unknown, debug = false): string {
  if (!(err instanceof Error)) return `error: ${String(err)}`;
  if (err instanceof ReboundError) return `error: ${err.message}`;
  const text = `error: ${err.name}: ${err.message}`;
  return debug && err.stack ? `${text}\n${err.stack}` : text;
}

