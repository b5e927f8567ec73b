/**
 * Job types for the console tests, also loaded by `rebound console --jobs` (through tsx) to check
 * edited payloads: they fail the way real jobs do, and each can be made to succeed.
 * - `email.send`: a retryable SMTP timeout on each of its 3 attempts (a different message each),
 *   then succeeds in any later round: a retry fixes it.
 * - `invoice.send`: a permanent `ValidationError` while the customer's email has no `@`: a retry
 *   with a corrected payload fixes it.
 * - `image.resize`: a retryable `UpstreamError` on its 2 attempts, then succeeds in a later round.
 * - `report.build`: a retryable `WarehouseBusyError` on its first attempt, then waits an hour for
 *   its second, which succeeds: a job to run now, pause, resume or cancel between attempts.
 */
import { z } from 'zod';
import { PermanentError } from '../../src/errors';
import { defineJob } from '../../src/jobs';

class SmtpTimeoutError extends Error {
  override name = 'SmtpTimeoutError';
}

class UpstreamError extends Error {
  override name = 'UpstreamError';
}

class WarehouseBusyError extends Error {
  override name = 'WarehouseBusyError';
}

const fast = { initialInterval: 20, backoffCoefficient: 2, maximumInterval: 200 };

export const sendEmail = defineJob({
  type: 'email.send',
  schema: z.object({ to: z.string(), subject: z.string(), template: z.string().optional() }),
  retry: { ...fast, maximumAttempts: 3 },
  handler: async (payload, ctx) => {
    if (ctx.round >= 2) return { delivered: payload.to };
    throw new SmtpTimeoutError(`connection to mx.example.com:25 timed out after ${ctx.attempt * 1500} ms (attempt ${ctx.attempt})`);
  },
});

export const sendInvoice = defineJob({
  type: 'invoice.send',
  schema: z.object({ invoiceId: z.string(), email: z.string() }),
  retry: { ...fast, maximumAttempts: 3 },
  handler: async (payload) => {
    if (!payload.email.includes('@')) throw new PermanentError(`customer email "${payload.email}" is invalid`, { type: 'ValidationError' });
    return { sent: payload.invoiceId };
  },
});

export const resizeImage = defineJob({
  type: 'image.resize',
  schema: z.object({ imageId: z.string(), width: z.number() }),
  retry: { ...fast, maximumAttempts: 2 },
  handler: async (payload, ctx) => {
    if (ctx.round >= 2) return { resized: payload.imageId };
    throw new UpstreamError(`S3 answered 503 Slow Down for images/${payload.imageId}.png`);
  },
});

export const buildReport = defineJob({
  type: 'report.build',
  schema: z.object({ reportId: z.string() }),
  retry: { initialInterval: '1h', maximumInterval: '2h', maximumAttempts: 3 },
  handler: async (payload, ctx) => {
    if (ctx.attempt === 1) throw new WarehouseBusyError(`warehouse busy: report ${payload.reportId} queued behind 14 others`);
    return { built: payload.reportId };
  },
});

export const consoleJobs = [sendEmail, sendInvoice, resizeImage, buildReport];
