/**
 * The activity that runs one attempt of a job: validate, dispatch to the handler, heartbeat,
 * and turn a failure into an `ApplicationFailure` the server's retry policy understands, with
 * a jittered `nextRetryDelay` and the round's attempt history in its details.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import { failureFingerprint, retryDelayMs, trimStack, validatePayload, type JobContext, type JobRegistry } from '../src/jobs';
import { PayloadValidationError, PermanentError } from '../src/errors';
import {
  attemptFailedSignal,
  type AttemptDetails,
  type AttemptRecord,
  type RunJobInput,
  type RunJobResult,
} from '../src/contract';

export interface RunJobDeps {
  registry: JobRegistry;
  logger: Logger;
}

/** Attempts of this round carried over from earlier attempts' heartbeats; unfinished ones were lost. */
function carriedAttempts(input: RunJobInput, attempt: number, heartbeatDetails: unknown): AttemptRecord[] {
  const carried = heartbeatDetails as AttemptDetails | undefined;
  const known = carried?.round === input.round && Array.isArray(carried.attempts) ? carried.attempts : [];
  const records: AttemptRecord[] = [];
  for (let n = 1; n < attempt; n++) {
    const record = known.find((r) => r.attempt === n);
    if (record?.endedAt) {
      records.push(record);
    } else {
      records.push({
        round: input.round,
        attempt: n,
        startedAt: record?.startedAt,
        outcome: 'Lost',
        errorType: 'AttemptLost',
        message: `attempt ${n} ended without a result: its worker stopped or it timed out`,
      });
    }
  }
  return records;
}

function describeError(err: unknown, nonRetryableTypes: string[]): { type: string; message: string; stack?: string; fullStack?: string; nonRetryable: boolean } {
  const e = err instanceof Error ? err : new Error(String(err));
  const permanent = e instanceof PermanentError;
  const type = permanent ? e.type : e.name || 'Error';
  // An unknown type stays retryable: another worker of the fleet (or the next deploy) may know it.
  const nonRetryable = permanent || e instanceof PayloadValidationError || nonRetryableTypes.includes(type);
  return { type, message: e.message, stack: trimStack(e.stack), fullStack: e.stack, nonRetryable };
}

/**
 * The message with the job's own id taken out: it says nothing about the failure, and failures
 * alike should share a group whatever their ids look like. (Numbers are normalised anyway.)
 */
function withoutJobId(message: string, jobId: string): string {
  if (/^\d+$/.test(jobId)) return message;
  const escaped = jobId.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return message.replace(new RegExp(`(?<![\\w-])${escaped}(?![\\w-])`, 'g'), '<job>');
}

/** Makes the `runJob` activity. */
export function createRunJob({ registry, logger }: RunJobDeps) {
  return async function runJob(input: RunJobInput): Promise<RunJobResult> {
    const ctx = Context.current();
    const { attempt } = ctx.info;
    const attempts = carriedAttempts(input, attempt, ctx.info.heartbeatDetails);
    const record: AttemptRecord = { round: input.round, attempt, startedAt: new Date().toISOString(), outcome: 'Failed' };
    attempts.push(record);
    const details = (): AttemptDetails => ({ round: input.round, attempts });
    const log = logger.child({ jobId: input.jobId, type: input.type, attempt, round: input.round });

    let progress: unknown;
    const beat = () => ctx.heartbeat({ ...details(), progress });
    beat();
    // Heartbeat on our own, so a handler that never does is still retried promptly after its worker dies.
    const timer = setInterval(beat, Math.max(100, Math.floor(input.heartbeatMs / 3)));
    log.info('attempt started');
    try {
      const def = registry.get(input.type);
      const payload = await validatePayload(def, input.payload);
      const jobContext: JobContext = {
        jobId: input.jobId,
        type: input.type,
        attempt,
        round: input.round,
        heartbeat: (d?: unknown) => {
          progress = d;
          beat();
        },
        signal: ctx.cancellationSignal,
        sleep: (ms: number) => ctx.sleep(ms),
        logger: log,
      };
      const result = await def.handler(payload, jobContext);
      record.endedAt = new Date().toISOString();
      record.outcome = 'Succeeded';
      log.info('attempt succeeded');
      return { result, details: details() };
    } catch (err) {
      record.endedAt = new Date().toISOString();
      if (ctx.cancellationSignal.aborted && (err instanceof CancelledFailure || ctx.cancellationSignal.reason === err)) {
        record.outcome = 'Lost';
        record.errorType = 'Cancelled';
        record.message = 'attempt cancelled';
        log.info('attempt cancelled');
        throw err;
      }
      const e = describeError(err, input.retry.nonRetryableErrorTypes);
      const last = e.nonRetryable || attempt >= input.retry.maximumAttempts;
      Object.assign(record, {
        errorType: e.type,
        message: e.message,
        stack: e.stack,
        nonRetryable: e.nonRetryable || undefined,
        // The whole stack: a long message must not push the handler's frame out of the trimmed one.
        fingerprint: failureFingerprint(e.type, withoutJobId(e.message, input.jobId), e.fullStack),
        nextDelayMs: last ? undefined : retryDelayMs(input.retry, attempt),
      });
      log.warn({ errorType: e.type, err: e.message, nextDelayMs: record.nextDelayMs }, last ? 'attempt failed, no attempts left' : 'attempt failed, will retry');
      beat();
      // Make the failure visible in the job's state query at once; the failure details carry it too.
      await ctx.client.workflow
        .getHandle(ctx.info.workflowExecution?.workflowId ?? '')
        .signal(attemptFailedSignal, { record })
        .catch((signalErr: unknown) => log.debug({ err: signalErr }, 'could not report the failed attempt early'));
      throw ApplicationFailure.create({
        type: e.type,
        message: e.message,
        nonRetryable: e.nonRetryable,
        nextRetryDelay: record.nextDelayMs,
        details: [details()],
      });
    } finally {
      clearInterval(timer);
    }
  };
}
