/**
 * What every `rebound` command shares: reading the global connection options, connecting and
 * closing, printing tables and JSON, parsing option values, and turning errors into exit codes.
 * Command groups in other files (`cli-dlq.ts`) get these through a {@link CliContext}.
 */
import { Client } from '@temporalio/client';
import Table from 'cli-table3';
import { CommanderError, InvalidArgumentError, type Command } from 'commander';
import ms from 'ms';
import type { JobRecord } from './client';
import { connectClient, loadConfig, type ReboundConfig } from './config';
import { ServerUnreachableError } from './errors';
import { JobStatus, jobWorkflowId } from './shared';

/** Where a command writes: stdout carries only command output, stderr messages and logs. */
export interface CliIo {
  stdout: { write(text: string): unknown; isTTY?: boolean };
  stderr: { write(text: string): unknown; isTTY?: boolean };
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
  taskQueue?: string;
};

/** Thrown by a command for a usage mistake commander cannot see (two options that exclude each other...); exit code 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** What a command's action needs besides its own options. */
export interface CliContext {
  io: CliIo;
  /** Set by a command that finished but must report failure without throwing (some of many jobs failed). */
  exitCode: number;
  /** The connection config from the global options of `cmd` (or any subcommand), then the environment, then defaults. */
  config(cmd: Command): ReboundConfig;
  /** Connects with the global options of `cmd`, runs `fn`, and closes the connection, whatever happens. */
  withClient<T>(cmd: Command, fn: (client: Client, config: ReboundConfig) => Promise<T>): Promise<T>;
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
  const { address, namespace, taskQueue } = cmd.optsWithGlobals<GlobalOptions>();
  return loadConfig({ address, namespace, taskQueue }, env);
}

/** gRPC status codes that mean the server went away, not that the operation was refused. */
const unreachableCodes = new Set([4 /* DEADLINE_EXCEEDED */, 14 /* UNAVAILABLE */]);

/** Connects, runs `fn`, closes. A server that goes away mid-call is reported as {@link ServerUnreachableError}. */
export async function withClient<T>(config: ReboundConfig, fn: (client: Client, config: ReboundConfig) => Promise<T>): Promise<T> {
  const client = await connectClient(config);
  try {
    return await fn(client, config);
  } catch (err) {
    const code = (err as { code?: unknown })?.code;
    if ((err as Error)?.name === 'ServiceError' && typeof code === 'number' && unreachableCodes.has(code)) {
      throw new ServerUnreachableError(config.address, err);
    }
    throw err;
  } finally {
    await client.connection.close();
  }
}

/** Makes the context commands run with, writing to `io`. */
export function createCliContext(io: CliIo, env: NodeJS.ProcessEnv = process.env): CliContext {
  const ctx: CliContext = {
    io,
    exitCode: ExitCode.Ok,
    config: (cmd) => configFromOptions(cmd, env),
    withClient: (cmd, fn) => withClient(configFromOptions(cmd, env), fn),
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
  if ((err as Error)?.name === 'UsageError') return ExitCode.Usage;
  return ExitCode.Failed;
}

/** The errors whose message says everything; others get their name and, with `LOG_LEVEL=debug`, their stack. */
const selfExplainingErrors = new Set([
  'UnknownJobTypeError',
  'PayloadValidationError',
  'InvalidOptionsError',
  'JobNotFoundError',
  'JobNotDeadError',
  'OperationNotFoundError',
  'WorkerUnavailableError',
  'ServerUnreachableError',
  'TemporalBinaryNotFoundError',
  'UsageError',
]);

/** The message printed on stderr for an error a command threw. */
export function errorMessage(err: unknown, debug = false): string {
  if (!(err instanceof Error)) return `error: ${String(err)}`;
  if (selfExplainingErrors.has(err.name)) return `error: ${err.message}`;
  const text = `error: ${err.name}: ${err.message}`;
  return debug && err.stack ? `${text}\n${err.stack}` : text;
}

const undefinedAsNull = (_key: string, v: unknown): unknown => (v === undefined ? null : v);

/** One JSON document, pretty-printed, with a final newline. */
export function formatJson(value: unknown): string {
  return `${JSON.stringify(value, undefinedAsNull, 2)}\n`;
}

/** One JSON document on one line, with a final newline (JSON Lines). */
export function formatJsonLine(value: unknown): string {
  return `${JSON.stringify(value, undefinedAsNull)}\n`;
}

/** A plain table (no colours, so it reads the same in a terminal, a pipe and a log). */
export function renderTable(head: string[], rows: unknown[][]): string {
  // No rule between rows: a long list stays readable on one screen.
  const table = new Table({ head, style: { head: [], border: [] }, chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' } });
  for (const row of rows) table.push(row.map((value) => cell(value)));
  return table.toString();
}

/** `key  value` lines with the values aligned; rows whose value is undefined are left out. */
export function renderFacts(rows: [string, string | undefined][]): string {
  const shown = rows.filter((r): r is [string, string] => r[1] !== undefined);
  const width = Math.max(0, ...shown.map(([k]) => k.length));
  return shown.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

/** A table cell: `-` for nothing, JSON for objects, long text cut. */
export function cell(value: unknown, max = 60): string {
  if (value === undefined || value === null || value === '') return '-';
  const text = typeof value === 'string' ? value : typeof value === 'object' ? JSON.stringify(value) : String(value);
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** A duration for people: `850 ms`, `2.4 s`, `3m`. */
export function formatDuration(milliseconds: number | undefined): string | undefined {
  if (milliseconds === undefined) return undefined;
  if (milliseconds < 1_000) return `${Math.round(milliseconds)} ms`;
  if (milliseconds < 60_000) return `${(milliseconds / 1_000).toFixed(1)} s`;
  return ms(milliseconds);
}

/** An ISO time for people: `2025-01-31 12:00:01.123Z`. */
export function formatTime(iso: string | undefined): string | undefined {
  return iso?.replace('T', ' ');
}

/** An ISO time for people, with how long ago it was: `2025-01-31 12:00:01Z (5m ago)`. */
export function formatTimeAgo(iso: string | undefined, now = Date.now()): string | undefined {
  if (!iso) return undefined;
  const at = Date.parse(iso);
  if (Number.isNaN(at)) return iso;
  const shown = new Date(Math.floor(at / 1_000) * 1_000).toISOString().replace('T', ' ').replace('.000Z', 'Z');
  return at > now ? shown : `${shown} (${ms(Math.max(1_000, now - at))} ago)`;
}

/** Option parser: a JSON document. A bad one is a usage error (exit 2) naming the option. */
export function parseJsonOption(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new InvalidArgumentError(`Not valid JSON (${(err as Error).message}).`);
  }
}

/** Option parser: a whole number (its range is checked by the library, which names the field). */
export function parseIntegerOption(value: string): number {
  if (!/^\s*-?\d+\s*$/.test(value)) throw new InvalidArgumentError('Expected a whole number.');
  return Number(value);
}

/** Option parser factory: a whole number from `min` to `max`. */
export function parseIntegerInRange(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = parseIntegerOption(value);
    if (n < min || n > max) throw new InvalidArgumentError(`Expected a whole number from ${min} to ${max}.`);
    return n;
  };
}

/** Option parser: a point in time, as a duration ago (`30m`, `2h`, `7d`) or an ISO time (`2025-01-31T12:00:00Z`). */
export function parseTimeOption(value: string): Date {
  const text = value.trim();
  if (/^\d+(\.\d+)?\s*[a-z]+$/i.test(text)) {
    const ago = ms(text as ms.StringValue) as number | undefined;
    if (typeof ago === 'number' && Number.isFinite(ago)) return new Date(Date.now() - ago);
  } else if (/^\d{4}-\d{2}-\d{2}([T ]|$)/.test(text)) {
    const at = Date.parse(text);
    if (!Number.isNaN(at)) return new Date(at);
  }
  throw new InvalidArgumentError('Expected how long ago, such as 30m, 2h, 7d, or an ISO time such as 2025-01-31T12:00:00Z.');
}

/** Option parser: a finite number. */
export function parseNumberOption(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('Expected a number.');
  return n;
}

/** Option parser: a duration such as `500ms`, `30s`, `5m`, or a number of milliseconds. */
export function parseDurationOption(value: string): string | number {
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  let n: number | undefined;
  try {
    n = ms(value as ms.StringValue);
  } catch {
    n = undefined; // `ms` throws on an empty string
  }
  if (typeof n !== 'number' || !Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError('Expected a duration such as 500ms, 30s, 5m, or a number of milliseconds.');
  }
  return value;
}

/** Where to go from a dead job: the commands that retry or cancel it. */
export function printDeadHints(ctx: CliContext, jobId: string): void {
  ctx.print(`Retry it:  rebound dlq retry ${jobId}    (or edit the payload: --payload '{...}')`);
  ctx.print(`Cancel it: rebound dlq cancel ${jobId}`);
}

/**
 * A job's record as one JSON document (`status --json`, `dlq show --json`, `dlq export`): each
 * attempt with one `time`, and nulls where nothing is known.
 */
export function jobDocument(record: JobRecord): Record<string, unknown> {
  return {
    ...record,
    payload: record.payload ?? null,
    attemptHistory: record.attemptHistory.map((a) => ({ ...a, time: a.endedAt ?? a.startedAt ?? null })),
  };
}

/** A job for people: key facts, the attempt history as a table and, with `stack`, the last failure's stack. */
export function printJob(ctx: CliContext, record: JobRecord, { stack = false }: { stack?: boolean } = {}): void {
  // A record without a retry policy came from the server's search attributes: no worker answered the query.
  const fromQuery = !record.indexedOnly;
  const dead = record.status === JobStatus.DeadLettered;
  ctx.print(
    renderFacts([
      ['Job', record.jobId],
      ['Type', record.type],
      ['Status', record.status],
      ['Workflow', record.workflowId ?? jobWorkflowId(record.jobId)],
      ['Attempts', fromQuery ? `${record.attempts} in round ${record.round} (${record.totalAttempts} in all)` : String(record.attempts)],
      ['Payload', fromQuery ? JSON.stringify(record.payload ?? null) : undefined],
      ['Result', record.status === JobStatus.Succeeded && fromQuery ? JSON.stringify(record.result ?? null) : undefined],
      ['Last error', record.errorType && record.status !== JobStatus.Succeeded ? `${record.errorType}${record.message ? `: ${record.message}` : ''}` : undefined],
      ['Dead since', dead ? formatTimeAgo(record.deadLetteredAt) : undefined],
      ['Expires', dead ? formatTime(record.expiresAt) : undefined],
      ['Reason', record.reason],
    ]),
  );
  if (!fromQuery) {
    ctx.print('(No worker answered, so this is what the server indexed; run a worker to see the payload and attempts.)');
    return;
  }
  if (record.attemptHistory.length > 0) {
    ctx.print('');
    ctx.print(`Attempt history${record.attemptsDropped ? ` (the ${record.attemptsDropped} oldest attempts not kept)` : ''}:`);
    ctx.printTable(
      ['Round', 'Attempt', 'Outcome', 'Error type', 'Message', 'Started', 'Delay before next'],
      record.attemptHistory.map((a) => [
        a.round,
        a.attempt,
        a.outcome,
        a.errorType,
        cell(a.message, 50),
        formatTime(a.startedAt),
        formatDuration(a.nextDelayMs),
      ]),
    );
  }
  const last = [...record.attemptHistory].reverse().find((a) => a.stack);
  if (stack && last) {
    ctx.print('');
    ctx.print(`Stack of the last failure (round ${last.round}, attempt ${last.attempt}):`);
    ctx.print(last.stack);
  }
  if (dead) {
    ctx.print('');
    printDeadHints(ctx, record.jobId);
  }
}
