/**
 * Where a command's payload comes from: `--payload <json>`, `--payload -` (stdin) or
 * `--payload-file <file>`, exactly one of them. A file or stdin carries payloads a command line
 * cannot (one argument is limited to 128 KB on Linux).
 */
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { UsageError } from '../errors';

/** The payload options as commander gives them. */
export interface PayloadOpts {
  payload?: string;
  payloadFile?: string;
}

/** Adds `--payload` and `--payload-file`; `what` says what the payload is for, `ifNone` what happens without one. */
export function payloadOptions(cmd: Command, what: string, ifNone: string): Command {
  return cmd
    .option('--payload <json>', `${what}, as JSON; "-" reads it from stdin (${ifNone})`)
    .option('--payload-file <file>', `${what}, as JSON read from this file (for payloads too long for a command line)`);
}

/** True when a payload option was given. */
export const payloadGiven = (opts: PayloadOpts): boolean => opts.payload !== undefined || opts.payloadFile !== undefined;

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * The payload the options give, parsed, or `{ given: false }` when none. Throws {@link UsageError}
 * (exit 2) naming the option when two sources are given, the file cannot be read, the text is
 * not JSON, or it is JSON `null` (`ifNone` says what leaving the option out does).
 */
export async function readPayload(opts: PayloadOpts, stdin: NodeJS.ReadableStream, ifNone: string): Promise<{ given: false } | { given: true; value: unknown }> {
  if (opts.payload !== undefined && opts.payloadFile !== undefined) {
    throw new UsageError('give the payload once: --payload <json>, --payload - (stdin) or --payload-file <file>, not two of them');
  }
  let text: string;
  let source: string;
  if (opts.payloadFile !== undefined) {
    source = `--payload-file ${opts.payloadFile}`;
    try {
      text = await readFile(opts.payloadFile, 'utf8');
    } catch (err) {
      throw new UsageError(`${source}: cannot read the file (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
    }
  } else if (opts.payload === '-') {
    source = '--payload - (stdin)';
    text = await readAll(stdin);
  } else if (opts.payload !== undefined) {
    source = '--payload';
    text = opts.payload;
  } else {
    return { given: false };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${source}: not valid JSON (${(err as Error).message})${text.trim() === '' ? ': it is empty' : ''}`);
  }
  // `null` is what a shell variable left empty by `jq` gives: taken as a payload, it would run a job with nothing.
  if (value === null) throw new UsageError(`${source}: the payload is JSON null; the CLI takes a payload other than null, such as {} (${ifNone})`);
  return { given: true, value };
}
