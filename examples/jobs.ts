/**
 * Example job types: what `rebound dev` runs when no job module is given, and
 * `rebound worker --jobs rebound/examples`. Both behave alike, so
 * filters by type can be tried: the payload may carry `{ failTimes?, permanent?, sleepMs? }`
 * beside anything else. The handler sleeps `sleepMs` (heartbeating), then throws a retryable
 * `TimeoutError` while the attempt is at most `failTimes`, or a non-retryable `ValidationError`
 * at once when `permanent` is true, else returns `{ ok: true, attempt }`.
 */
import { z } from 'zod';
import { PermanentError, defineJob, type JobContext, type RetryOptions } from '../src';

/** A retryable error, as a slow dependency would throw it. */
export class TimeoutError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'TimeoutError';
  }
}

const exampleSchema = z.looseObject({
  failTimes: z.number().int().min(0).optional(),
  permanent: z.boolean().optional(),
  sleepMs: z.number().int().min(0).optional(),
});

type ExamplePayload = z.infer<typeof exampleSchema>;

async function exampleHandler(payload: ExamplePayload, ctx: JobContext): Promise<{ ok: true; attempt: number }> {
  if (payload.sleepMs) await ctx.sleep(payload.sleepMs);
  if (payload.permanent) {
    throw new PermanentError(`payload rejected for ${ctx.type} job ${ctx.jobId}`, { type: 'ValidationError' });
  }
  if (ctx.attempt <= (payload.failTimes ?? 0)) {
    throw new TimeoutError(`timeout after ${100 + Math.floor(Math.random() * 2_000)} ms`);
  }
  return { ok: true, attempt: ctx.attempt };
}

const exampleRetry: RetryOptions = { initialInterval: '500ms', backoffCoefficient: 2, maximumInterval: '10s', maximumAttempts: 4 };

export const sendEmail = defineJob({
  type: 'example.send-email',
  schema: exampleSchema,
  retry: exampleRetry,
  heartbeatTimeout: '10s',
  handler: exampleHandler,
});

export const resizeImage = defineJob({
  type: 'example.resize-image',
  schema: exampleSchema,
  retry: exampleRetry,
  heartbeatTimeout: '10s',
  handler: exampleHandler,
});

/** The example job types. */
export const exampleJobs = [sendEmail, resizeImage];
