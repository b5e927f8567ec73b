/**
 * Starting a job's workflow from a fully checked start request: once, or again and again with
 * backoff while the server is unreachable, until a deadline. The same request starts a job from
 * submit and from the outbox's forwarder, so a job queued while the server was down starts as it
 * would have at once.
 */
import { randomUUID } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { ServiceError, WorkflowExecutionAlreadyStartedError, isGrpcServiceError, type Client } from '@temporalio/client';
import type { Priority } from '@temporalio/common';
import { JobStatus, jobWorkflowId, jobWorkflowType, searchAttributes as sa, type JobInput } from '../contract';
import { InvalidOptionsError, ReboundError, SubmitUnreachableError } from '../errors';

/** Everything needed to start a job, checked already; plain JSON, so that the outbox can keep it. */
export interface StartRequest {
  jobId: string;
  type: string;
  taskQueue: string;
  /** The workflow's input, without `startDelayMs` (derived from `runAt` when the start is sent). */
  input: Omit<JobInput, 'startDelayMs'>;
  /** Task priority (1 to 5) and fairness. */
  priority?: Priority;
  /** The job's tags, as stored in the `JobTags` search attribute (`key=value`). */
  tags?: string[];
  /** When a delayed job is to run (ISO); a time past at the start starts it at once. */
  runAt?: string;
  /** Tells this request's own start apart from another start of the same job id (kept in the memo). */
  submitId: string;
}

/** The memo field that carries a start's {@link StartRequest.submitId}. */
export const submitIdMemo = 'submitId';

/** A fresh submit id. */
export const newSubmitId = (): string => randomUUID();

/** What a start did: `created` false when the job existed already, started by another submit. */
export interface Started {
  runId?: string;
  created: boolean;
}

/** The gRPC status beneath an SDK error, if any. */
function grpcCode(err: unknown): number | undefined {
  const grpc = err instanceof ServiceError ? err.cause : err;
  return isGrpcServiceError(grpc) ? grpc.code : undefined;
}

/** True when `err` says the server could not be reached (or did not answer in time), not that it refused. */
export function isUnreachable(err: unknown): boolean {
  const code = grpcCode(err);
  return code === status.UNAVAILABLE || code === status.DEADLINE_EXCEEDED;
}

/** gRPC codes of a refusal that the same request will meet again, whenever it is sent. */
const permanentCodes = new Set<number>([
  status.INVALID_ARGUMENT,
  status.FAILED_PRECONDITION,
  status.NOT_FOUND,
  status.ALREADY_EXISTS,
  status.PERMISSION_DENIED,
  status.OUT_OF_RANGE,
  status.UNIMPLEMENTED,
]);

/** True when the server refused the start for good (the job id taken by another type, a bad request). */
export function isPermanentRefusal(err: unknown): boolean {
  if (err instanceof ReboundError) return true;
  const code = grpcCode(err);
  return code !== undefined && permanentCodes.has(code);
}

/**
 * Sends one start. A job id taken by a job of the same type counts as started (by this request
 * when its memo carries this request's submit id, as after a retried start whose first answer was
 * lost); taken by another type throws `InvalidOptionsError`.
 */
export async function startJob(client: Client, request: StartRequest): Promise<Started> {
  const { jobId, type } = request;
  const delayMs = request.runAt === undefined ? 0 : Date.parse(request.runAt) - Date.now();
  const startDelayMs = delayMs > 0 ? Math.ceil(delayMs) : undefined;
  const input: JobInput = { ...request.input, ...(startDelayMs ? { startDelayMs } : {}) };
  try {
    const handle = await client.workflow.start(jobWorkflowType, {
      workflowId: jobWorkflowId(jobId),
      taskQueue: request.taskQueue,
      args: [input],
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      typedSearchAttributes: [
        { key: sa.jobType, value: type },
        { key: sa.jobStatus, value: startDelayMs ? JobStatus.Scheduled : JobStatus.Running },
        ...(request.tags?.length ? [{ key: sa.jobTags, value: request.tags }] : []),
      ],
      ...(startDelayMs === undefined ? {} : { startDelay: startDelayMs }),
      staticSummary: `${type} ${jobId}`,
      memo: { [submitIdMemo]: request.submitId },
      ...(request.priority === undefined ? {} : { priority: request.priority }),
    });
    return { runId: handle.firstExecutionRunId, created: true };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    const existing = await client.workflow.getHandle(jobWorkflowId(jobId)).describe();
    const existingType = existing.typedSearchAttributes.get(sa.jobType);
    if (existingType !== undefined && existingType !== type) {
      throw new InvalidOptionsError(`jobId "${jobId}" is taken by a job of type "${existingType}", not "${type}"`);
    }
    const ours = existing.memo?.[submitIdMemo] === request.submitId;
    return ours ? { runId: existing.runId, created: true } : { created: false };
  }
}

/** The address of the client's connection, for messages. */
export function addressOf(client: Client): string {
  return (client.connection as { options?: { address?: string } }).options?.address ?? 'the configured address';
}

/** Backoff between starts while the server is unreachable: from 100 ms, doubling, at most 2 s, jittered. */
const firstRetryMs = 100;
const maxRetryMs = 2_000;

/**
 * Sends the start, and sends it again with exponential backoff while the server is unreachable
 * (UNAVAILABLE, DEADLINE_EXCEEDED), until `deadlineMs` from now; any other error is thrown at
 * once. Past the deadline throws `SubmitUnreachableError`.
 */
export async function startWithRetry(client: Client, request: StartRequest, deadlineMs: number): Promise<Started> {
  const deadline = Date.now() + deadlineMs;
  for (let delay = firstRetryMs; ; delay = Math.min(delay * 2, maxRetryMs)) {
    try {
      return await client.withDeadline(deadline, () => startJob(client, request));
    } catch (err) {
      if (!isUnreachable(err)) throw err;
      const left = deadline - Date.now();
      if (left <= 0) throw new SubmitUnreachableError(request.jobId, addressOf(client), deadlineMs, err);
      await new Promise((resolve) => setTimeout(resolve, Math.min(left, delay * (0.5 + Math.random()))));
    }
  }
}
