/**
 * jobWorkflow: one job, from submit to its end. It runs the job's activity under the job's
 * retry policy; when the attempts run out, or an error retrying cannot fix comes up, it
 * dead-letters the job and parks until an operator retries or cancels it, or its retention ends.
 */
import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TimeoutFailure,
  condition,
  continueAsNew,
  isCancellation,
  log,
  proxyActivities,
  setCurrentDetails,
  setHandler,
  upsertSearchAttributes,
  allHandlersFinished,
  workflowInfo,
} from '@temporalio/workflow';
import type { Activities } from '../activities';
import {
  JobStatus,
  attemptFailedSignal,
  attemptHistoryLimit,
  cancelSignal,
  cancelUpdate,
  retryPolicyProblem,
  retrySignal,
  retryUpdate,
  searchAttributes as sa,
  stateQuery,
  type AttemptDetails,
  type AttemptRecord,
  type CancelRequest,
  type JobInput,
  type JobOutcome,
  type JobState,
  type RetryRequest,
  type TimelineEvent,
} from '../src/shared';

type Pending = { kind: 'retry'; request: RetryRequest } | { kind: 'cancel'; request: CancelRequest };

function initialState(input: JobInput): JobState {
  return {
    jobId: input.jobId,
    type: input.type,
    status: JobStatus.Running,
    payload: input.payload,
    retry: input.retry,
    round: 1,
    attempts: 0,
    totalAttempts: 0,
    attemptHistory: [],
    attemptsDropped: 0,
    timeline: [{ at: workflowInfo().startTime.toISOString(), event: 'Submitted' }],
  };
}

/** Adds attempt records, keeping one per (round, attempt): a real outcome wins over a guessed `Lost`. */
function mergeAttempts(state: JobState, records: AttemptRecord[]): void {
  for (const record of records) {
    if (!record || record.round !== state.round || record.outcome === undefined) continue;
    const i = state.attemptHistory.findIndex((r) => r.round === record.round && r.attempt === record.attempt);
    if (i === -1) {
      state.attemptHistory.push(record);
      state.totalAttempts++;
    } else if (state.attemptHistory[i].outcome === 'Lost' && record.outcome !== 'Lost') {
      state.attemptHistory[i] = record;
    }
    state.attempts = Math.max(state.attempts, record.attempt);
  }
  state.attemptHistory.sort((a, b) => a.round - b.round || a.attempt - b.attempt);
  const extra = state.attemptHistory.length - attemptHistoryLimit;
  if (extra > 0) {
    state.attemptHistory.splice(0, extra);
    state.attemptsDropped += extra;
  }
}

function note(state: JobState, event: TimelineEvent['event'], detail?: string): void {
  state.timeline.push({ at: new Date().toISOString(), event, ...(detail ? { detail } : {}) });
}

/** The attempts an activity failure carries: in an application failure's details, or a timeout's last heartbeat. */
function attemptsOf(err: ActivityFailure): AttemptRecord[] {
  const cause = err.cause;
  if (cause instanceof ApplicationFailure) {
    return (cause.details?.[0] as AttemptDetails | undefined)?.attempts ?? [];
  }
  if (cause instanceof TimeoutFailure) {
    const records = [...((cause.lastHeartbeatDetails as AttemptDetails | undefined)?.attempts ?? [])];
    const last = records[records.length - 1];
    if (last && !last.endedAt) {
      records[records.length - 1] = { ...last, outcome: 'Lost', errorType: `Timeout${cause.timeoutType ?? ''}`, message: cause.message };
    }
    return records;
  }
  return [];
}

function outcome(state: JobState): JobOutcome {
  const { jobId, status, attempts, result, errorType, message } = state;
  return { jobId, status, attempts, result, errorType, message };
}

/** One job's whole life. */
export async function jobWorkflow(input: JobInput): Promise<JobOutcome> {
  const state = input.carried ?? initialState(input);
  let pending: Pending | undefined;

  setHandler(stateQuery, () => state);
  setHandler(attemptFailedSignal, ({ record }) => mergeAttempts(state, [record]));

  const notDead = (): string | undefined =>
    state.status !== JobStatus.DeadLettered
      ? `job "${state.jobId}" is ${state.status}, not DeadLettered`
      : pending
        ? `job "${state.jobId}" already has a ${pending.kind} in progress`
        : undefined;
  const retryProblem = (request: RetryRequest = {}): string | undefined =>
    notDead() ?? (request.retryPolicy ? retryPolicyProblem({ ...state.retry, ...request.retryPolicy }) : undefined);

  setHandler(retrySignal, (request = {}) => {
    const problem = retryProblem(request);
    if (problem) log.warn('retry signal ignored', { jobId: state.jobId, type: state.type, problem });
    else pending = { kind: 'retry', request };
  });
  setHandler(cancelSignal, (request = {}) => {
    const problem = notDead();
    if (problem) log.warn('cancel signal ignored', { jobId: state.jobId, type: state.type, problem });
    else pending = { kind: 'cancel', request };
  });
  setHandler(
    retryUpdate,
    async (request = {}) => {
      pending = { kind: 'retry', request };
      await condition(() => pending === undefined);
      return state;
    },
    {
      validator: (request = {}) => {
        const problem = retryProblem(request);
        if (problem) throw new Error(problem);
      },
    },
  );
  setHandler(
    cancelUpdate,
    async (request: CancelRequest = {}) => {
      pending = { kind: 'cancel', request };
      await condition(() => pending === undefined);
      return state;
    },
    {
      validator: (_request?: CancelRequest) => {
        const problem = notDead();
        if (problem) throw new Error(problem);
      },
    },
  );

  try {
    for (;;) {
      if (state.status === JobStatus.Running) {
        if (await runRound(state, input)) {
          upsertSearchAttributes([{ key: sa.jobStatus, value: JobStatus.Succeeded }, { key: sa.jobAttempts, value: state.totalAttempts }]);
          return outcome(state);
        }
        await deadLetter(state, input);
      }
      const remainingMs = Math.max(1, Date.parse(state.expiresAt!) - Date.now());
      if (!(await condition(() => pending !== undefined, remainingMs))) {
        await finish(state, JobStatus.Expired, 'Expired', 'retention ended with no retry or cancel');
        return outcome(state);
      }
      const next = pending!;
      state.reason = next.request.reason;
      if (next.kind === 'cancel') {
        await finish(state, JobStatus.Cancelled, 'Cancelled', next.request.reason);
        pending = undefined;
        await condition(allHandlersFinished);
        return outcome(state);
      }
      startRound(state, next.request);
      pending = undefined;
      if (workflowInfo().continueAsNewSuggested) {
        await condition(allHandlersFinished);
        await continueAsNew<typeof jobWorkflow>({ ...input, carried: state });
      }
    }
  } catch (err) {
    // Cancelled from outside (Web UI, `temporal workflow cancel`): record it, then end as Cancelled.
    if (isCancellation(err)) {
      await CancellationScope.nonCancellable(() => finish(state, JobStatus.Cancelled, 'Cancelled', 'workflow cancellation requested'));
    }
    throw err;
  }
}

/** Runs one round of attempts; true when the job succeeded. */
async function runRound(state: JobState, { timeouts }: JobInput): Promise<boolean> {
  const { retry } = state;
  const { runJob } = proxyActivities<Activities>({
    startToCloseTimeout: timeouts.startToCloseMs,
    heartbeatTimeout: timeouts.heartbeatMs,
    retry: {
      initialInterval: retry.initialIntervalMs,
      backoffCoefficient: retry.backoffCoefficient,
      maximumInterval: retry.maximumIntervalMs,
      maximumAttempts: retry.maximumAttempts,
      nonRetryableErrorTypes: retry.nonRetryableErrorTypes,
    },
    summary: `${state.type} round ${state.round}`,
  });
  try {
    const { result, details } = await runJob({
      jobId: state.jobId,
      type: state.type,
      payload: state.payload,
      round: state.round,
      retry,
      heartbeatMs: timeouts.heartbeatMs,
    });
    mergeAttempts(state, details.attempts);
    state.status = JobStatus.Succeeded;
    state.result = result;
    note(state, 'Succeeded', `after ${state.attempts} attempt(s)`);
    log.info('job succeeded', { jobId: state.jobId, type: state.type, attempt: state.attempts, round: state.round });
    return true;
  } catch (err) {
    if (isCancellation(err) || !(err instanceof ActivityFailure)) throw err;
    mergeAttempts(state, attemptsOf(err));
    const last = state.attemptHistory[state.attemptHistory.length - 1];
    const cause = err.cause;
    state.errorType = last?.errorType ?? (cause instanceof ApplicationFailure ? cause.type ?? undefined : cause?.name) ?? 'Error';
    state.message = last?.message ?? cause?.message ?? err.message;
    state.failureGroup = last?.fingerprint;
    return false;
  }
}

async function deadLetter(state: JobState, { retentionMs }: JobInput): Promise<void> {
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
  setCurrentDetails(
    `**Dead-lettered** after ${state.attempts} attempt(s) in round ${state.round}.\n\n` +
      `Last error: \`${state.errorType}\`: ${state.message}\n\n` +
      `Expires at ${state.expiresAt} unless retried or cancelled (signal \`retry\` or \`cancel\`).`,
  );
  log.warn('job dead-lettered', {
    jobId: state.jobId,
    type: state.type,
    attempt: state.attempts,
    round: state.round,
    errorType: state.errorType,
  });
}

function startRound(state: JobState, request: RetryRequest): void {
  if (request.payload !== undefined) state.payload = request.payload;
  if (request.retryPolicy) state.retry = { ...state.retry, ...request.retryPolicy };
  state.round++;
  state.attempts = 0;
  state.status = JobStatus.Running;
  state.expiresAt = undefined;
  note(state, 'Retried', [request.reason, request.payload !== undefined ? 'new payload' : ''].filter(Boolean).join('; ') || undefined);
  upsertSearchAttributes([{ key: sa.jobStatus, value: JobStatus.Running }]);
  setCurrentDetails(`Retried: round ${state.round}${request.reason ? ` (${request.reason})` : ''}`);
  log.info('job retried', { jobId: state.jobId, type: state.type, attempt: 0, round: state.round });
}

async function finish(state: JobState, status: JobStatus, event: TimelineEvent['event'], detail?: string): Promise<void> {
  state.status = status;
  note(state, event, detail);
  upsertSearchAttributes([{ key: sa.jobStatus, value: status }]);
  setCurrentDetails(`**${status}**${detail ? `: ${detail}` : ''}`);
  log.info(`job ${status.toLowerCase()}`, { jobId: state.jobId, type: state.type, attempt: state.attempts, round: state.round });
}
