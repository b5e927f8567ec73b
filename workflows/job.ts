/**
 * jobWorkflow: one job, from submit to its end. It runs the job's activity under the job's
 * retry policy; when the attempts run out, or an error retrying cannot fix comes up, it
 * dead-letters the job and parks until an operator retries or cancels it, or its retention ends.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  condition,
  continueAsNew,
  isCancellation,
  log,
  patched,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertMemo,
  upsertSearchAttributes,
  allHandlersFinished,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import { attemptsOf, initialState, mergeAttempts, note, outcome } from './job-state';
import { autoRedrive, autoRedriveDue, breakerPassed, refusalOf, waitForBreaker } from './job-waits';
import {
  JobStatus,
  attemptFailedSignal,
  attemptOf,
  autoRedriveReason,
  breakerWakeSignal,
  keepEnds,
  limits,
  cancelSignal,
  cancelUpdate,
  operatorNoteSignal,
  resolveRetryOptions,
  retrySignal,
  retryUpdate,
  runningStatuses,
  searchAttributes as sa,
  stateQuery,
  type CancelRequest,
  type JobEvent,
  type OutsideRequest,
  type JobInput,
  type JobOutcome,
  type JobState,
  type PayloadCheck,
  type AttemptRecord,
  type AttemptDetails,
  type BreakerRefusal,
  type RetryRequest,
  type RoundResume,
  type TimelineEvent,
} from '../src/contract';

// A worker checks a retry's corrected payload against the type's schema; a few tries, then the retry is refused.
const { validateJobPayload } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', maximumInterval: '5s', maximumAttempts: 5 },
  summary: 'check the corrected payload',
});

/** Search attribute updates that take a job's last error off it. */
const clearedError = [
  { key: sa.jobErrorType, value: null },
  { key: sa.jobFailureGroup, value: null },
  { key: sa.deadLetteredAt, value: null },
];

const { reportJobEvent } = proxyActivities<Activities>({
  startToCloseTimeout: '30s',
  retry: { initialInterval: '500ms', maximumInterval: '30s', maximumAttempts: 20 },
  summary: 'report to the dead-letter queue',
});

/** Who asked for what a report tells, and how the request came (see {@link JobEvent}). */
type Attribution = Pick<JobEvent, 'actor' | 'reason' | 'via' | 'edited'>;

/**
 * Reports to the dead-letter queue, one after another, without holding the job up: a parked job
 * answers retry and cancel while its report is still on its way. The job awaits them before it ends.
 */
class Reports {
  private chain: Promise<void> = Promise.resolve();

  send(state: JobState, kind: JobEvent['kind'], by: Attribution = {}): void {
    const event: JobEvent = {
      ...(by.actor !== undefined ? { actor: by.actor } : {}),
      ...(by.reason !== undefined ? { reason: by.reason } : {}),
      ...(by.via !== undefined ? { via: by.via } : {}),
      ...(by.edited ? { edited: true } : {}),
      kind,
      jobId: state.jobId,
      round: state.round,
      type: state.type,
      errorType: state.errorType ?? 'Error',
      failureGroup: state.failureGroup ?? state.errorType ?? 'Error',
      message: state.message,
      at: new Date().toISOString(),
      expiresAt: state.expiresAt,
    };
    this.chain = this.chain.then(() =>
      reportJobEvent(event).catch((err) => log.error('could not report to the dead-letter queue', { jobId: state.jobId, kind, err: String(err) })),
    );
  }

  settled(): Promise<void> {
    return this.chain;
  }
}

/**
 * Waits while the job is parked: true when `woken` came true, false when its retention ended.
 * Reports the job to the dead-letter queue once, when it is close to expiry.
 */
async function park(state: JobState, input: JobInput, woken: () => boolean, reports: Reports): Promise<boolean> {
  const expiresAt = Date.parse(state.expiresAt!);
  const warnAt = expiresAt - (input.expiryWarningMs ?? 24 * 3_600_000);
  if (!state.expiryWarned) {
    // A retention shorter than the warning period is announced at once.
    if (warnAt > Date.now() && (await condition(woken, warnAt - Date.now(), { summary: 'dead-lettered: expiry warning, unless retried or cancelled' }))) return true;
    state.expiryWarned = true;
    reports.send(state, 'expiring');
  }
  return condition(woken, Math.max(1, expiresAt - Date.now()), { summary: 'dead-lettered: expires, unless retried or cancelled' });
}

/**
 * A retry or cancel accepted and not applied yet; `refused` says why a retry was not applied after
 * all; `via` how it came when not through rebound's admin API (which records it in the audit log).
 */
type Pending = ({ kind: 'retry'; request: RetryRequest } | { kind: 'cancel'; request: CancelRequest }) & { refused?: string; via?: OutsideRequest };

/** One job's whole life. */
export async function jobWorkflow(input: JobInput): Promise<JobOutcome> {
  const state = input.carried ?? initialState(input);
  let pending: Pending | undefined;

  const reports = new Reports();
  setHandler(stateQuery, () => state);
  setHandler(attemptFailedSignal, ({ record }) => {
    mergeAttempts(state, [record]);
    if (!runningStatuses.includes(state.status) || record.round !== state.round) return;
    // Once per round, and only when another attempt follows: the last failure dead-letters instead.
    if (state.status === JobStatus.Running && record.nextDelayMs !== undefined && patched('retrying-status')) {
      state.status = JobStatus.Retrying;
      upsertSearchAttributes([{ key: sa.jobStatus, value: JobStatus.Retrying }]);
    }
    showWaiting(state, record);
  });
  const breakerWakes = { count: 0 };
  setHandler(breakerWakeSignal, () => void breakerWakes.count++);
  // Pause, resume and retry-now act on the attempt through the server: the job only notes them.
  // What the latest cancel request knew of the attempt under way.
  const cancelAsked: { attemptRunning?: boolean } = {};
  setHandler(operatorNoteSignal, ({ event, at, attempt, actor, reason, attemptRunning }) => {
    if (event === 'CancelRequested') cancelAsked.attemptRunning = attemptRunning;
    const detail = event === 'CancelRequested' ? undefined : `next attempt: ${attemptOf(state.retry, attempt ?? state.attempts + 1)}`;
    note(state, event, detail, { actor, reason }, at);
  });
  // A delayed job starts now: it is no longer `Scheduled`.
  if (input.startDelayMs && !input.carried) upsertSearchAttributes([{ key: sa.jobStatus, value: JobStatus.Running }]);
  // A new run (after continue-as-new) shows what the last one did.
  if (state.status === JobStatus.DeadLettered) showDead(state);
  else showRunning(state);

  const notDead = (request: { ifRound?: number } = {}): string | undefined =>
    state.status !== JobStatus.DeadLettered
      ? `job "${state.jobId}" is ${state.status}, not DeadLettered`
      : pending
        ? `job "${state.jobId}" already has a ${pending.kind} in progress`
        : request.ifRound !== undefined && request.ifRound !== state.round
          ? `job "${state.jobId}" is in round ${state.round}, not ${request.ifRound}`
          : undefined;
  /** True when `next` was taken already: it started this round or ended the job, or it is accepted and about to. */
  const isRepeat = (next: Pending): boolean =>
    next.request.requestId !== undefined && (next.request.requestId === state.appliedRequestId || next.request.requestId === pending?.request.requestId);
  /** Why `next` cannot be applied now, or undefined when it can. */
  const problemOf = (next: Pending): string | undefined =>
    notDead(next.request) ?? (next.kind === 'retry' && next.request.retryPolicy ? resolveRetryOptions(state.retry, next.request.retryPolicy).problem : undefined);

  // A signal and an update of the same name mean the same: the update answers whether it was
  // accepted and waits until it was applied; the signal (for batch tools) is ignored with a warning.
  const onSignal = (next: Pending): void => {
    if (isRepeat(next)) return;
    const problem = problemOf(next);
    if (problem) log.warn(`${next.kind} signal ignored`, { jobId: state.jobId, type: state.type, problem });
    // Sent by other tools (`temporal workflow signal`, a batch): the queue records it in the audit log.
    else pending = { ...next, via: 'signal' };
  };
  const onUpdate = async (next: Pending): Promise<JobState> => {
    if (isRepeat(next)) {
      // The same request again (its sender retried after a crash): answer once the first is applied.
      const first = pending;
      if (first?.request.requestId === next.request.requestId) await condition(() => pending !== first);
      return state;
    }
    pending = next;
    await condition(() => pending !== next);
    if (next.refused) throw ApplicationFailure.create({ message: next.refused, type: 'PayloadValidationError', nonRetryable: true });
    return state;
  };
  const validate = (next: Pending): void => {
    if (isRepeat(next)) return;
    const problem = problemOf(next);
    if (problem) throw ApplicationFailure.create({ message: problem, type: 'RequestRefused', nonRetryable: true });
  };
  setHandler(retrySignal, (request = {}) => onSignal({ kind: 'retry', request }));
  setHandler(cancelSignal, (request = {}) => onSignal({ kind: 'cancel', request }));
  setHandler(retryUpdate, (request = {}) => onUpdate({ kind: 'retry', request }), { validator: (request = {}) => validate({ kind: 'retry', request }) });
  setHandler(cancelUpdate, (request = {}) => onUpdate({ kind: 'cancel', request }), { validator: (request = {}) => validate({ kind: 'cancel', request }) });

  try {
    for (;;) {
      if (runningStatuses.includes(state.status)) {
        // Cancelled before it ever ran (a delayed job, say): no attempt is made.
        if (CancellationScope.current().consideredCancelled) throw new CancelledFailure('cancelled before it ran');
        if (await runRound(state, input, breakerWakes, cancelAsked)) {
          upsertSearchAttributes([{ key: sa.jobStatus, value: JobStatus.Succeeded }, { key: sa.jobAttempts, value: state.totalAttempts }, ...clearedError]);
          if (state.round > 1) reports.send(state, 'succeededAfterRetry');
          await reports.settled();
          return outcome(state);
        }
        await deadLetter(state, input, reports);
      }
      const redriven = autoRedriveDue(state, input) && (await autoRedrive(state, input, () => pending !== undefined, () => showDead(state)));
      if (redriven === 'redrive') pending = { kind: 'retry', request: { reason: autoRedriveReason } };
      else if (!redriven && !(await park(state, input, () => pending !== undefined, reports))) {
        await finish(state, JobStatus.Expired, 'Expired', 'retention ended with no retry or cancel', reports);
        await reports.settled();
        return outcome(state);
      }
      const next = pending!;
      if (next.kind === 'retry' && next.request.payload !== undefined) {
        // Workflows cannot hold the job types' schemas: a worker checks the corrected payload.
        const check = await validateJobPayload({ type: state.type, payload: next.request.payload }).catch(
          (err: unknown): PayloadCheck => ({ ok: false, problem: `the payload could not be checked: ${(err as Error).message}` }),
        );
        if (!check.ok) {
          next.refused = `retry refused: ${check.problem}`;
          note(state, 'RetryRefused', check.problem);
          if (patched('dead-record-memo')) upsertMemo({ record: deadRecord(state) });
          log.warn('retry refused: the corrected payload is not valid', { jobId: state.jobId, type: state.type, problem: check.problem });
          pending = undefined;
          continue;
        }
      }
      state.reason = next.request.reason;
      state.appliedRequestId = next.request.requestId;
      if (next.kind === 'cancel') {
        const { actor, reason, forDeletion } = next.request;
        await finish(state, JobStatus.Cancelled, forDeletion ? 'Deleted' : 'Cancelled', reason, reports, { actor, reason, forDeletion, via: next.via });
        pending = undefined;
        await condition(allHandlersFinished);
        await reports.settled();
        return outcome(state);
      }
      startRound(state, next.request, reports, next.via);
      pending = undefined;
      if (workflowInfo().continueAsNewSuggested) {
        // Every report sent and every handler done, or the new run would lose them.
        await reports.settled();
        await condition(allHandlersFinished);
        await continueAsNew<typeof jobWorkflow>({ ...input, carried: state });
      }
    }
  } catch (err) {
    // Cancelled from outside (Web UI, `temporal workflow cancel`): record it, then end as Cancelled.
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(async () => {
        await finish(state, JobStatus.Cancelled, 'Cancelled', 'workflow cancellation requested', reports, { via: 'workflow cancellation' });
        await reports.settled();
      });
    }
    throw err;
  }
}

/** Runs one round of attempts; true when the job succeeded. */
async function runRound(state: JobState, { timeouts }: JobInput, breakerWakes: { count: number }, cancelAsked: { attemptRunning?: boolean }): Promise<boolean> {
  const { retry } = state;
  const { runJob } = proxyActivities<Activities>({
    startToCloseTimeout: timeouts.startToCloseMs,
    heartbeatTimeout: timeouts.heartbeatMs,
    // No maximum here: the activity counts the job's attempts itself, so that an attempt cut
    // short by a worker's shutdown does not use one up.
    retry: {
      initialInterval: retry.initialIntervalMs,
      backoffCoefficient: retry.backoffCoefficient,
      maximumInterval: retry.maximumIntervalMs,
      nonRetryableErrorTypes: retry.nonRetryableErrorTypes,
    },
    summary: `${state.type} round ${state.round}`,
  });
  let resume: RoundResume | undefined;
  for (;;) {
    let refusal: BreakerRefusal | undefined;
    try {
      const { result, details } = await runJob({
        jobId: state.jobId,
        type: state.type,
        payload: state.payload,
        round: state.round,
        retry,
        heartbeatMs: timeouts.heartbeatMs,
        ...(resume ? { resume } : {}),
      });
      breakerPassed(state);
      mergeAttempts(state, details.attempts, details.dropped);
      state.status = JobStatus.Succeeded;
      state.result = result;
      note(state, 'Succeeded', `after ${state.attempts} attempt(s)`);
      setCurrentDetails(`**Succeeded** after ${state.attempts} attempt(s)${state.round > 1 ? ` in round ${state.round}` : ''}.`);
      log.info('job succeeded', { jobId: state.jobId, type: state.type, attempt: state.attempts, round: state.round });
      return true;
    } catch (err) {
      if (isCancellation(err)) {
        // The attempt that may have been under way was cancelled with the job: keep a trace of it,
        // unless the cancel's sender knew the job was between attempts.
        if (cancelAsked.attemptRunning !== false) {
          mergeAttempts(state, [{ round: state.round, attempt: state.attempts + 1, endedAt: new Date().toISOString(), outcome: 'Lost', errorType: 'Cancelled', message: 'cancelled while running' }]);
        }
        throw err;
      }
      if (!(err instanceof ActivityFailure)) throw err;
      const carried = attemptsOf(err);
      mergeAttempts(state, carried.attempts, carried.dropped);
      refusal = refusalOf(err);
      if (!refusal || !patched('circuit-breaker')) {
        breakerPassed(state);
        const last = state.attemptHistory[state.attemptHistory.length - 1];
        const cause = err.cause;
        state.errorType = last?.errorType ?? (cause instanceof ApplicationFailure ? cause.type ?? undefined : cause?.name) ?? 'Error';
        state.message = last?.message ?? cause?.message ?? err.message;
        state.failureGroup = last?.fingerprint;
        return false;
      }
      resume = { details: (err.cause as ApplicationFailure).details![0] as AttemptDetails, serverAttempts: refusal.serverAttempts };
    }
    await waitForBreaker(state, refusal, breakerWakes);
    showRunning(state);
  }
}

async function deadLetter(state: JobState, { retentionMs }: JobInput, reports: Reports): Promise<void> {
  const now = new Date();
  state.status = JobStatus.DeadLettered;
  state.deadLetteredAt = now.toISOString();
  state.expiresAt = new Date(now.getTime() + retentionMs).toISOString();
  note(state, 'DeadLettered', `${state.errorType}: ${state.message}`);
  upsertSearchAttributes([
    { key: sa.jobStatus, value: JobStatus.DeadLettered },
    { key: sa.jobErrorType, value: state.errorType! },
    { key: sa.jobFailureGroup, value: state.failureGroup ?? state.errorType! },
    { key: sa.deadLetteredAt, value: now },
    { key: sa.jobAttempts, value: state.totalAttempts },
  ]);
  upsertMemo({ message: state.message?.slice(0, 500), round: state.round, attempts: state.attempts, record: deadRecord(state) });
  showDead(state);
  reports.send(state, 'deadLettered');
  log.warn('job dead-lettered', {
    jobId: state.jobId,
    type: state.type,
    attempt: state.attempts,
    round: state.round,
    errorType: state.errorType,
  });
}

function startRound(state: JobState, request: RetryRequest, reports: Reports, via?: OutsideRequest): void {
  reports.send(state, 'retried', { actor: request.actor, reason: request.reason, via, edited: request.payload !== undefined });
  state.attemptsBeforeRound = (state.attemptsBeforeRound ?? 0) + state.attempts;
  if (request.payload !== undefined) {
    state.payload = request.payload;
    const payloads = [...(state.payloads ?? []), { round: state.round + 1, payload: request.payload }];
    state.payloads = keepEnds(payloads, limits.roundPayloads, 1).kept;
  }
  // Checked when the request was accepted.
  if (request.retryPolicy) state.retry = resolveRetryOptions(state.retry, request.retryPolicy).policy ?? state.retry;
  state.round++;
  state.attempts = 0;
  state.status = JobStatus.Running;
  state.expiresAt = undefined;
  state.expiryWarned = undefined;
  note(state, 'Retried', [request.reason, request.payload !== undefined ? 'new payload' : ''].filter(Boolean).join('; ') || undefined, {
    actor: request.actor,
    reason: request.reason,
    changes: request.payload !== undefined ? request.changes : undefined,
  });
  upsertSearchAttributes([{ key: sa.jobStatus, value: JobStatus.Running }]);
  showRunning(state, request.reason);
  log.info('job retried', { jobId: state.jobId, type: state.type, attempt: 0, round: state.round });
}

/**
 * A dead job's whole record for its memo, so that exports and reads without a worker need no
 * query (nor a replay); null (left out) when it would be too large for a memo.
 */
function deadRecord(state: JobState): JobState | null {
  const json = JSON.stringify(state);
  // A character is at most 3 bytes of UTF-8: most records need no encoding to tell.
  const fits = json.length * 3 <= limits.deadRecordMemoBytes || new TextEncoder().encode(json).length <= limits.deadRecordMemoBytes;
  return fits ? state : null;
}

/** What the Web UI shows while the job is parked dead-lettered. */
function showDead(state: JobState): void {
  setCurrentDetails(
    `**Dead-lettered** after ${state.attempts} attempt(s) in round ${state.round}.\n\n` +
      `Last error: \`${state.errorType}\`: ${state.message}\n\n` +
      (state.autoRedriveAt ? `Redriven automatically at ${state.autoRedriveAt}, unless retried or cancelled first.\n\n` : '') +
      `Expires at ${state.expiresAt} unless retried or cancelled (signal \`retry\` or \`cancel\`).`,
  );
}

/** What the Web UI shows while the job runs its first attempt of a round. */
function showRunning(state: JobState, reason?: string): void {
  if (state.status !== JobStatus.Running) return;
  const round = state.round > 1 ? `Retried: round ${state.round}${reason ? ` (${reason})` : ''}. ` : '';
  setCurrentDetails(`**Running**: ${round}attempt ${attemptOf(state.retry, state.attempts + 1)}.`);
}

/** What the Web UI shows while the job waits for its next attempt. */
function showWaiting(state: JobState, failed: AttemptRecord): void {
  const next = failed.nextDelayMs !== undefined && failed.endedAt ? new Date(Date.parse(failed.endedAt) + failed.nextDelayMs).toISOString() : undefined;
  setCurrentDetails(
    `**Waiting to retry**: attempt ${attemptOf(state.retry, failed.attempt)} failed.\n\n` +
      `Last error: \`${failed.errorType}\`: ${failed.message}\n\n` +
      (next ? `Next attempt at ${next}${state.round > 1 ? ` (round ${state.round})` : ''}.` : 'No attempts left: dead-lettering.'),
  );
}

async function finish(
  state: JobState,
  status: JobStatus,
  event: TimelineEvent['event'],
  detail?: string,
  reports?: Reports,
  by: Attribution & { forDeletion?: boolean } = {},
): Promise<void> {
  const kind = status === JobStatus.Expired ? 'expired' : by.forDeletion ? 'deleted' : 'cancelled';
  if (state.status === JobStatus.DeadLettered) reports?.send(state, kind, by);
  state.status = status;
  note(state, event, detail, { actor: by.actor, reason: by.reason });
  // A cancelled job no longer matches queries for the error it died of; an expired one does.
  upsertSearchAttributes([{ key: sa.jobStatus, value: status }, ...(status === JobStatus.Cancelled ? clearedError : [])]);
  setCurrentDetails(`**${status}**${detail ? `: ${detail}` : ''}`);
  log.info(`job ${status.toLowerCase()}`, { jobId: state.jobId, type: state.type, attempt: state.attempts, round: state.round });
}
