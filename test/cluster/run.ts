/**
 * Small process helpers for the cluster suite: run a command to completion (with its output kept
 * for the error message), and wait for a condition with a deadline.
 */
import { spawn, type SpawnOptions } from 'node:child_process';

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command and resolves with its exit code and output; never rejects on a non-zero exit. */
export function runCapture(cmd: string, args: string[], opts: SpawnOptions = {}): Promise<RunResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
  });
}

/** Runs a command and rejects, with its output, unless it exits 0. */
export async function run(cmd: string, args: string[], opts: SpawnOptions = {}): Promise<string> {
  const r = await runCapture(cmd, args, opts);
  if (r.code !== 0) {
    // The tail is enough to see why; a full apt or go log would drown the test report.
    const tail = (r.stderr || r.stdout).split('\n').slice(-40).join('\n');
    throw new Error(`${cmd} ${args.join(' ')} exited ${r.code}:\n${tail}`);
  }
  return r.stdout;
}

/**
 * Polls `check` until it returns a value (not undefined) or the deadline passes. An error thrown
 * by `check` ends the wait at once: retry by returning undefined, give up by throwing.
 */
export async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs: number,
  intervalMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
