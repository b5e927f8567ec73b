/**
 * What every benchmark job does, whichever system runs it (rebound, raw Temporal, BullMQ): sleep,
 * then fail retryably for the first attempts, fail for good, or succeed; and, when asked, append a
 * line per attempt to a file named after the job, so that runs twice and retry delays can be read
 * back afterwards.
 */
import { appendFileSync } from 'node:fs';
import path from 'node:path';

/** A benchmark job's payload. */
export interface BenchPayload {
  /** Index of the job in its run (varies messages, so that failure groups form). */
  i?: number;
  /** Time the handler takes before its outcome. @defaultValue 0 */
  sleepMs?: number;
  /** Attempts that fail with a retryable error before one succeeds. @defaultValue 0 */
  failTimes?: number;
  /** Fail at once with a permanent error of this type. @defaultValue succeed */
  permanent?: string;
  /** Folder of per-job files that get a line per attempt start, failure and success. @defaultValue no files */
  markDir?: string;
}

/** What a handler returns. */
export interface BenchResult {
  ok: true;
  attempt: number;
}

/** How the system at hand makes its two kinds of error. */
export interface ErrorMakers {
  retryable(message: string): Error;
  permanent(message: string, type: string): Error;
}

const permanentMessages = [
  (i: number) => `card ending ${1000 + (i % 9000)} was declined`,
  (i: number) => `address "${i}@example.invalid" does not exist`,
  (i: number) => `account ${i} is over its quota`,
];

/** One line of a job's mark file: `<event> <attempt> <epoch ms> <pid>`. */
function mark(payload: BenchPayload, jobId: string, event: 'start' | 'fail' | 'done', attempt: number): void {
  if (!payload.markDir) return;
  appendFileSync(path.join(payload.markDir, jobId), `${event} ${attempt} ${Date.now()} ${process.pid}\n`);
}

/** Runs one attempt of a benchmark job. */
export async function runBenchJob(
  jobId: string,
  attempt: number,
  payload: BenchPayload,
  sleep: (ms: number) => Promise<void>,
  errors: ErrorMakers,
): Promise<BenchResult> {
  mark(payload, jobId, 'start', attempt);
  if (payload.sleepMs) await sleep(payload.sleepMs);
  const i = payload.i ?? 0;
  if (payload.permanent) {
    mark(payload, jobId, 'fail', attempt);
    throw errors.permanent(permanentMessages[i % permanentMessages.length](i), payload.permanent);
  }
  if (attempt <= (payload.failTimes ?? 0)) {
    mark(payload, jobId, 'fail', attempt);
    throw errors.retryable(`upstream timed out after ${100 + (i % 900)} ms`);
  }
  mark(payload, jobId, 'done', attempt);
  return { ok: true, attempt };
}

/** One parsed line of a mark file. */
export interface MarkLine {
  event: 'start' | 'fail' | 'done';
  attempt: number;
  at: number;
  pid: number;
}

/** Parses a job's mark file's text. */
export function parseMarks(text: string): MarkLine[] {
  return text
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [event, attempt, at, pid] = line.split(' ');
      return { event: event as MarkLine['event'], attempt: Number(attempt), at: Number(at), pid: Number(pid) };
    });
}
