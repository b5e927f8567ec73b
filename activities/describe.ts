/**
 * What the job activity makes of a handler's errors and values: an error's type, message and
 * stack, whether retrying can help, and whether a value fits the server's limits.
 */
import { defaultPayloadConverter } from '@temporalio/common';
import { PayloadValidationError, PermanentError } from '../src/errors';
import { trimStack } from '../src/jobs';

/** A handler's error as a job records it. */
export interface DescribedError {
  type: string;
  message: string;
  /** The top of the stack, trimmed. */
  stack?: string;
  fullStack?: string;
  nonRetryable: boolean;
}

/** The message of something thrown that is not an Error: JSON for an object, the text of anything else. */
function messageOf(thrown: unknown): string {
  if (typeof thrown === 'object' && thrown !== null) {
    try {
      return JSON.stringify(thrown) ?? String(thrown);
    } catch {
      return Object.prototype.toString.call(thrown);
    }
  }
  return String(thrown);
}

/** How a job records `err`; errors of `nonRetryableTypes` (and permanent ones) dead-letter at once. */
export function describeError(err: unknown, nonRetryableTypes: string[]): DescribedError {
  if (!(err instanceof Error)) {
    const type = typeof err === 'object' && err !== null ? 'NonErrorThrown' : `NonErrorThrown(${typeof err})`;
    return { type, message: `the handler threw a non-Error value: ${messageOf(err)}`, nonRetryable: nonRetryableTypes.includes(type) };
  }
  const permanent = err instanceof PermanentError;
  const type = permanent ? err.type : err.name || 'Error';
  // An unknown type stays retryable: another worker of the fleet (or the next deploy) may know it.
  const nonRetryable = permanent || err instanceof PayloadValidationError || nonRetryableTypes.includes(type);
  return { type, message: err.message, stack: trimStack(err.stack), fullStack: err.stack, nonRetryable };
}

/**
 * Why `value` cannot be kept: it does not serialise to JSON, or it is larger than `limitBytes`;
 * undefined when it can.
 */
export function jsonSizeProblem(value: unknown, limitBytes: number): string | undefined {
  if (value === undefined) return undefined;
  let size: number;
  try {
    size = defaultPayloadConverter.toPayload(value).data?.length ?? 0;
  } catch (err) {
    return `cannot be serialised to JSON (${(err as Error).message})`;
  }
  return size > limitBytes ? `is too large: ${size} bytes as JSON, over the limit of ${limitBytes}` : undefined;
}

/**
 * The message with the job's own id taken out: it says nothing about the failure, and failures
 * alike should share a group whatever their ids look like. (Numbers are normalised anyway.)
 */
export function withoutJobId(message: string, jobId: string): string {
  if (/^\d+$/.test(jobId)) return message;
  const escaped = jobId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return message.replace(new RegExp(`(?<![\\w-])${escaped}(?![\\w-])`, 'g'), '<job>');
}
