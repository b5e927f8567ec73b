/**
 * Reading a job's record: through its workflow's state query, or, when no worker answers, from
 * what the server indexed about it.
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import { ServiceError, WorkflowNotFoundError, isGrpcServiceError, type Client, type WorkflowExecutionDescription, type WorkflowExecutionInfo } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { JobStatus, finalStatuses, jobIdOfWorkflowId, jobWorkflowId, attemptOrder, runJobActivityName, searchAttributes as sa, stateQuery, type AttemptDetails, type JobState } from '../contract';
import { JobNotFoundError, ReboundError } from '../errors';
import { tagsOfValues, type JobTags } from '../jobs';
import { pendingAttemptOf } from './pending-attempt';
import type { JobRecord } from './types';
import { decodePayloads } from './payloads';
import { workerAnswerTimeoutMs, workflowPollersListed } from './worker-presence';

/**
 * Execution statuses that close a job's workflow without the workflow recording it (terminated
 * from the Web UI or `temporal workflow terminate`, timed out, failed): the job's own state still
 * says `Running` or `DeadLettered`, so the job counts as `Cancelled`.
 */
const closedFromOutside = new Set(['TERMINATED', 'TIMED_OUT', 'FAILED']);

/** True when a workflow with this execution status was closed without the job's code recording it. */
export function isClosedFromOutside(executionStatus: string): boolean {
  return closedFromOutside.has(executionStatus);
}

/** The status of a job whose own state says `status`, once its workflow closed with `executionStatus`. */
export function statusOnceClosed(status: JobStatus, executionStatus: string): JobStatus {
  return !finalStatuses.includes(status) && isClosedFromOutside(executionStatus) ? JobStatus.Cancelled : status;
}

/** What the server indexed about a job: its search attributes and memo, read from a listing or a description. */
export interface IndexedJob {
  jobId: string;
  workflowId: string;
  runId: string;
  type: string;
  /** As the job last set it, corrected for a workflow closed from outside. */
  status: JobStatus;
  errorType?: string;
  failureGroup?: string;
  /** Attempts over every round. */
  totalAttempts: number;
  deadLetteredAt?: string;
  /** From the memo a dead job keeps: its last message, round, and the round's attempts. */
  message?: string;
  round?: number;
  attempts?: number;
  /** The tags it was submitted with. */
  tags: JobTags;
  /** For a `Scheduled` job: when it is to start (the server's execution time). */
  runAt?: string;
}

/** What a job's listing or description tells: the fields {@link indexedJob} reads. */
export type ExecutionFacts = Pick<WorkflowExecutionInfo, 'workflowId' | 'runId' | 'type' | 'status' | 'typedSearchAttributes' | 'memo'> & { executionTime?: Date | string };

/** A job as the server indexed it, from its execution info (a list entry or a description). */
export function indexedJob(info: ExecutionFacts, jobId: string): IndexedJob {
  const attrs = info.typedSearchAttributes;
  const closed: Record<string, JobStatus> = { CANCELLED: JobStatus.Cancelled, COMPLETED: JobStatus.Succeeded };
  const memo = info.memo as { message?: unknown; round?: unknown; attempts?: unknown } | undefined;
  const status = statusOnceClosed((attrs.get(sa.jobStatus) as JobStatus | undefined) ?? closed[info.status.name] ?? JobStatus.Running, info.status.name);
  const runAt = status === JobStatus.Scheduled && info.executionTime ? new Date(info.executionTime).toISOString() : undefined;
  return {
    jobId,
    workflowId: info.workflowId,
    runId: info.runId,
    type: attrs.get(sa.jobType) ?? info.type,
    status,
    errorType: attrs.get(sa.jobErrorType),
    failureGroup: attrs.get(sa.jobFailureGroup),
    totalAttempts: attrs.get(sa.jobAttempts) ?? 0,
    deadLetteredAt: attrs.get(sa.deadLetteredAt)?.toISOString(),
    message: memo?.message === undefined ? undefined : String(memo.message),
    round: memo?.round === undefined ? undefined : Number(memo.round),
    attempts: memo?.attempts === undefined ? undefined : Number(memo.attempts),
    tags: tagsOfValues(attrs.get(sa.jobTags)),
    ...(runAt ? { runAt } : {}),
  };
}

/**
 * The whole record a dead job keeps in its memo, from its listing or description; undefined when
 * it keeps none (too large, or dead-lettered by an older rebound) or is no longer dead.
 */
export function deadRecordOf(info: ExecutionFacts): JobRecord | undefined {
  const job = indexedJob(info, jobIdOfWorkflowId(info.workflowId));
  const record = (info.memo as { record?: JobState | null } | undefined)?.record;
  if (!record || job.status !== JobStatus.DeadLettered || record.status !== JobStatus.DeadLettered || record.round !== job.round) return undefined;
  return { ...record, workflowId: info.workflowId, runId: info.runId, tags: job.tags };
}

/** What a job's record says when its workflow cannot be queried (no worker running). */
function recordFromIndex(job: IndexedJob): JobRecord {
  return {
    jobId: job.jobId,
    workflowId: job.workflowId,
    runId: job.runId,
    type: job.type,
    status: job.status,
    payload: undefined,
    retry: undefined as never,
    round: job.round ?? 0,
    attempts: job.attempts ?? job.totalAttempts,
    totalAttempts: job.totalAttempts,
    attemptHistory: [],
    attemptsDropped: 0,
    timeline: [],
    errorType: job.errorType,
    message: job.message,
    deadLetteredAt: job.deadLetteredAt,
    tags: job.tags,
    ...(job.runAt ? { runAt: job.runAt } : {}),
    indexedOnly: true,
  };
}

/**
 * Reads a job's record through its state query. When no worker answers, returns what the server
 * indexed (`indexedOnly`): at once when the server lists no poller of the job's task queue, else
 * after {@link workerAnswerTimeoutMs}. Throws `JobNotFoundError`.
 */
export async function readJob(client: Client, jobId: string, runId?: string): Promise<JobRecord> {
  const handle = client.workflow.getHandle(jobWorkflowId(jobId), runId);
  let description: WorkflowExecutionDescription;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new JobNotFoundError(jobId);
    throw err;
  }
  if ((await workflowPollersListed(client, description.taskQueue)) === false) return recordFromIndex(indexedJob(description, jobId));
  // A delayed job has run no code yet: the server would hold a query until it has.
  const indexed = indexedJob(description, jobId);
  if (indexed.status === JobStatus.Scheduled && description.status.name === 'RUNNING') return recordFromIndex(indexed);
  let state: JobState;
  try {
    state = await client.connection.withDeadline(Date.now() + workerAnswerTimeoutMs, () => handle.query(stateQuery));
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new JobNotFoundError(jobId);
    // rebound's own errors (a payload the codec cannot decrypt, say) say what is wrong: not a worker's silence.
    if (err instanceof ReboundError) throw err;
    // The server going away is not a worker's silence: say so rather than answer from the index.
    const cause = err instanceof ServiceError ? err.cause : err;
    if (isGrpcServiceError(cause) && cause.code === grpcStatus.UNAVAILABLE) throw err;
    return recordFromIndex(indexedJob(description, jobId));
  }
  const pending = state.status === JobStatus.Running || state.status === JobStatus.Retrying ? pendingAttemptOf(description) : undefined;
  const record: JobRecord = await withLiveAttempts(
    client,
    {
      ...state,
      workflowId: handle.workflowId,
      runId,
      tags: indexed.tags,
      ...(pending?.nextAttemptAt ? { nextAttemptAt: pending.nextAttemptAt } : {}),
      ...(pending?.paused ? { paused: pending.paused } : {}),
    },
    description,
  );
  // Without this, a terminated job reads `Running` (or `DeadLettered`) for ever, and `settled()` never returns.
  if (finalStatuses.includes(state.status) || description.status.name === 'RUNNING') return record;
  return { ...record, status: statusOnceClosed(state.status, description.status.name) };
}

/**
 * A running job's record with the attempts of its round that ended since its first failure: the
 * job hears of the round's first failure at once and of the others when the round ends, but each
 * failed attempt leaves them all in its activity's last heartbeat, which the description carries.
 */
async function withLiveAttempts(client: Client, record: JobRecord, description: WorkflowExecutionDescription): Promise<JobRecord> {
  if (record.status !== JobStatus.Running && record.status !== JobStatus.Retrying) return record;
  const payload = description.raw.pendingActivities?.find((a) => a.activityType?.name === runJobActivityName)?.heartbeatDetails?.payloads?.[0];
  if (!payload) return record;
  const [details] = (await decodePayloads(client, [payload as Payload])) as [AttemptDetails | undefined];
  if (details?.round !== record.round || !Array.isArray(details.attempts)) return record;
  const known = new Set(record.attemptHistory.map(attemptOrder));
  const ended = details.attempts.filter((r) => r.endedAt && r.round === record.round && !known.has(attemptOrder(r)));
  const attempts = Math.max(record.attempts, details.counted ?? 0);
  if (ended.length === 0 && attempts === record.attempts) return record;
  return {
    ...record,
    attemptHistory: [...record.attemptHistory, ...ended].sort((a, b) => attemptOrder(a) - attemptOrder(b)),
    attempts,
    totalAttempts: (record.attemptsBeforeRound ?? 0) + attempts,
  };
}
