/**
 * The activity that runs one attempt of a job: validate, dispatch to the handler, heartbeat,
 * and turn a failure into an `ApplicationFailure` the server's retry policy understands, with
 * a jittered `nextRetryDelay` and the round's attempt history in its details.
 *
 * The activity counts the job's attempts itself (the server's policy has no maximum): an attempt
 * cut short by its worker's graceful shutdown is `Interrupted` and does not use up one of the
 * job's attempts; one whose worker died or that timed out is `Lost` and does.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { Logger } from 'pino';
import {
  attemptFailedSignal,
  breakerOpenFailureType,
  type BreakerRefusal,
  isLastAttempt,
  keepEnds,
  limits,
  trimText,
  type AttemptDetails,
  type AttemptRecord,
  type PayloadCheck,
  type RunJobInput,
  type RunJobResult,
} from '../src/contract';
import { PayloadValidationError } from '../src/errors';
import { failureFingerprint, retryDelayMs, validatePayload, type JobContext, type JobRegistry } from '../src/jobs';
import type { AttemptOutcome, JobMetrics } from '../src/metrics';
import type { BreakerGate, BreakerRef } from './breaker';
import { describeError, jsonSizeProblem, withoutJobId } from './describe';

export interface RunJobDeps {
  registry: JobRegistry;
  logger: Logger;
  /** Records attempts, failures, durations and successes. @defaultValue none */
  metrics?: JobMetrics;
  /** Log payloads, results and error messages (they may hold secrets). @defaultValue false */
  logPayloads?: boolean;
  /** The circuit breakers of the types that have one. @defaultValue none: attempts always run */
  breakers?: BreakerGate;
}

/**
 * The round's attempts before this server attempt, from the last heartbeat, and how many of them
 * count. The last one, if it never finished, was lost (its worker died, or it timed out); so was
 * every server attempt after it that left no trace. Lost attempts count; interrupted ones do not.
 */
function earlierAttempts(input: RunJobInput, serverAttempt: number, heartbeatDetails: unknown): { records: AttemptRecord[]; counted: number; dropped: number } {
  // A round whose earlier activity was refused by the breaker goes on from what that one reported.
  const carried = (heartbeatDetails as AttemptDetails | undefined) ?? input.resume?.details;
  const sameRound = carried?.round === input.round && Array.isArray(carried.attempts);
  const records: AttemptRecord[] = sameRound ? carried.attempts.map((r) => ({ ...r })) : [];
  let counted = sameRound ? (carried.counted ?? records.filter((r) => r.outcome !== 'Interrupted').length) : 0;
  const lost = (r: AttemptRecord) =>
    Object.assign(r, { outcome: 'Lost', errorType: 'AttemptLost', message: 'attempt ended without a result: its worker stopped or it timed out' });
  const last = records[records.length - 1];
  if (last && !last.endedAt) {
    lost(last);
    counted++;
  }
  const seen = Math.max(last ? (last.serverAttempt ?? last.attempt) : 0, input.resume?.serverAttempts ?? 0);
  for (let n = seen + 1; n < serverAttempt; n++) {
    counted++;
    records.push(lost({ round: input.round, attempt: counted, ...(n !== counted ? { serverAttempt: n } : {}), outcome: 'Lost' }));
  }
  return { records, counted, dropped: sameRound ? (carried.dropped ?? 0) : 0 };
}

/** Makes the `runJob` activity. */
export function createRunJob({ registry, logger, metrics, logPayloads = false, breakers }: RunJobDeps) {
  return async function runJob(input: RunJobInput): Promise<RunJobResult> {
    const ctx = Context.current();
    // Numbered on from the activities of the round the breaker refused, so records stay apart.
    const serverAttempt = (input.resume?.serverAttempts ?? 0) + ctx.info.attempt;
    const earlier = earlierAttempts(input, serverAttempt, ctx.info.heartbeatDetails);
    const attempts = earlier.records;
    let counted = earlier.counted;
    const attempt = counted + 1;
    const record: AttemptRecord = {
      round: input.round,
      attempt,
      ...(serverAttempt !== attempt ? { serverAttempt } : {}),
      startedAt: new Date().toISOString(),
      outcome: 'Failed',
    };
    attempts.push(record);
    const details = (): AttemptDetails => {
      const { kept, dropped } = keepEnds(attempts, limits.attemptDetails, limits.attemptDetailsFirst);
      return { round: input.round, attempts: kept, dropped: earlier.dropped + dropped, counted };
    };
    const log = logger.child({ jobId: input.jobId, type: input.type, attempt, round: input.round });

    if (isLastAttempt(input.retry, attempt - 1)) {
      // The last attempt was lost (its worker died, or it timed out): nothing is left to run.
      attempts.pop();
      const last = attempts.filter((r) => r.outcome !== 'Interrupted').pop();
      log.warn('no attempts left after a lost attempt');
      throw ApplicationFailure.create({
        type: last?.errorType ?? 'AttemptLost',
        message: last?.message ?? 'the last attempt ended without a result',
        nonRetryable: true,
        details: [details()],
      });
    }

    const policy = breakers && registry.has(input.type) ? registry.get(input.type).circuitBreaker : undefined;
    const breaker: BreakerRef | undefined = policy && { client: ctx.client, taskQueue: ctx.info.taskQueue, type: input.type, policy };
    let probe = false;
    if (breaker) {
      const admission = await breakers!.admit(breaker, input.resume !== undefined);
      if (!admission.admitted) {
        // Refused before it began: not an attempt. The job waits and starts the round's attempts again from here.
        attempts.pop();
        breakers!.refused(breaker, ctx.info.workflowExecution?.workflowId);
        log.info({ retryAfterMs: Math.round(admission.retryAfterMs) }, 'attempt refused: the circuit breaker is open');
        const refusal: BreakerRefusal = { state: admission.state, retryAfterMs: Math.round(admission.retryAfterMs), serverAttempts: serverAttempt };
        throw ApplicationFailure.create({
          type: breakerOpenFailureType,
          message: `the circuit breaker of job type "${input.type}" is ${admission.state === 'halfOpen' ? 'half-open (probing)' : 'open'}`,
          nonRetryable: true,
          details: [details(), refusal],
        });
      }
      probe = admission.probe;
    }
    const toBreaker = (outcome: 'succeeded' | 'failed' | 'ignored') => breaker && breakers!.outcome(breaker, outcome, probe);

    let progress: unknown;
    const beat = () => ctx.heartbeat({ ...details(), progress });
    // Heartbeat on our own, so a handler that never does is still retried promptly after its worker
    // dies. Not at once: a short attempt costs no heartbeat, and one lost before its first beat is
    // still counted (the next attempt's number tells it was there).
    const timer = setInterval(beat, Math.max(100, Math.floor(input.heartbeatMs / 3)));
    metrics?.attemptStarted(input.type, input.round === 1 && serverAttempt === 1);
    const began = performance.now();
    const ended = (outcome: AttemptOutcome, errorType?: string) => metrics?.attemptEnded(input.type, outcome, (performance.now() - began) / 1_000, errorType);
    log.info(logPayloads ? { payload: input.payload } : {}, 'attempt started');
    try {
      const def = registry.get(input.type);
      const payload = await validatePayload(def, input.payload);
      const jobContext: JobContext = {
        jobId: input.jobId,
        type: input.type,
        attempt,
        round: input.round,
        heartbeat: (d?: unknown) => {
          const problem = jsonSizeProblem(d, limits.heartbeatBytes);
          if (problem) log.warn({ problem }, 'heartbeat details dropped');
          progress = problem ? { reboundOmitted: problem } : d;
          beat();
        },
        signal: ctx.cancellationSignal,
        sleep: (ms: number) => ctx.sleep(ms),
        logger: log,
      };
      const result = await def.handler(payload, jobContext);
      record.endedAt = new Date().toISOString();
      record.outcome = 'Succeeded';
      counted++;
      // A result the server would refuse must not fail the attempt: the handler's work is done.
      const problem = jsonSizeProblem(result, limits.resultBytes);
      ended('succeeded');
      toBreaker('succeeded');
      if (problem) log.warn({ problem }, 'attempt succeeded; its result is not kept');
      else log.info(logPayloads ? { result } : {}, 'attempt succeeded');
      return { result: problem ? { reboundOmitted: problem } : result, details: details() };
    } catch (err) {
      record.endedAt = new Date().toISOString();
      if (ctx.cancellationSignal.aborted && (err instanceof CancelledFailure || ctx.cancellationSignal.reason === err)) {
        const paused = ctx.cancellationDetails?.paused === true;
        if (ctx.cancellationDetails?.workerShutdown || paused) {
          // The worker is shutting down, or an operator paused the job while this attempt ran:
          // the attempt runs again (once resumed) under the same number.
          record.outcome = 'Interrupted';
          record.errorType = paused ? 'Paused' : 'WorkerShutdown';
          record.message = paused ? 'attempt interrupted: the job was paused' : 'attempt interrupted: its worker shut down';
          ended('interrupted');
          toBreaker('ignored');
          log.warn(paused ? 'attempt interrupted by a pause; it will run again once resumed' : 'attempt interrupted by the worker shutting down; it will run again');
          beat();
          throw ApplicationFailure.create({ type: record.errorType, message: record.message, nextRetryDelay: 100, details: [details()] });
        }
        record.outcome = 'Lost';
        record.errorType = 'Cancelled';
        record.message = 'attempt cancelled';
        ended('cancelled');
        toBreaker('ignored');
        log.info('attempt cancelled');
        throw err;
      }
      counted++;
      const e = describeError(err, input.retry.nonRetryableErrorTypes);
      const last = e.nonRetryable || isLastAttempt(input.retry, attempt);
      Object.assign(record, {
        errorType: e.type,
        message: trimText(e.message, limits.messageChars),
        stack: e.stack,
        nonRetryable: e.nonRetryable || undefined,
        // The whole message and stack: a long message must not push the handler's frame out of the trimmed one.
        fingerprint: failureFingerprint(e.type, withoutJobId(e.message, input.jobId), e.fullStack),
        nextDelayMs: last ? undefined : retryDelayMs(input.retry, attempt),
      });
      ended('failed', e.type);
      // A permanent error is the job's own: it says nothing of the dependency the breaker guards.
      toBreaker(e.nonRetryable ? 'ignored' : 'failed');
      // The message may quote the payload: logged only when asked for; `rebound status` shows it.
      log.warn({ errorType: e.type, ...(logPayloads ? { err: record.message } : {}), nextDelayMs: record.nextDelayMs }, last ? 'attempt failed, no attempts left' : 'attempt failed, will retry');
      beat();
      // The round's first failure tells the job it is retrying (its indexed status, the Web UI);
      // later ones travel only in the heartbeat and the failure's details, which the next attempt
      // and the round's end read. Not awaited, so the retry is not held up.
      if (!last && counted === 1) {
        void ctx.client.workflow
          .getHandle(ctx.info.workflowExecution?.workflowId ?? '')
          .signal(attemptFailedSignal, { record })
          .catch((signalErr: unknown) => log.debug({ err: signalErr }, 'could not report the failed attempt early'));
      }
      const failure = ApplicationFailure.create({
        type: e.type,
        message: record.message,
        nonRetryable: last,
        nextRetryDelay: record.nextDelayMs,
        details: [details()],
      });
      // What the server records (and the Web UI shows) is the handler's own stack.
      failure.stack = e.fullStack ? trimText(e.fullStack, limits.failureStackChars) : failure.stack;
      throw failure;
    } finally {
      clearInterval(timer);
    }
  };
}

/** Makes the `validatePayload` activity: a retry's corrected payload, checked against its type's schema on a worker. */
export function createValidatePayload({ registry }: Pick<RunJobDeps, 'registry'>) {
  return async function validateJobPayload({ type, payload }: { type: string; payload: unknown }): Promise<PayloadCheck> {
    if (!registry.has(type)) return { ok: false, problem: `no worker of this task queue knows the job type "${type}"` };
    try {
      await validatePayload(registry.get(type), payload);
      const tooLarge = jsonSizeProblem(payload, limits.payloadBytes);
      return tooLarge ? { ok: false, problem: `payload ${tooLarge}` } : { ok: true };
    } catch (err) {
      if (err instanceof PayloadValidationError) return { ok: false, problem: err.message };
      throw err;
    }
  };
}
