/**
 * Dead jobs as visibility lists them: the query that selects them, and one page of them read
 * with the server's own page tokens, decoded through the client's data converter.
 */
import { createHash } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { isGrpcServiceError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { TypedSearchAttributes, defaultPayloadConverter, type Payload, type SearchAttributePair } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { indexedJob, type ExecutionFacts } from '../client';
import { JobStatus, jobIdOfWorkflowId, jobWorkflowType, searchAttributes as sa } from '../contract';
import { InvalidOptionsError } from '../errors';
import type { DeadJobFilter, DeadJobPage, DeadJobSummary } from './types';

export function quote(value: string, what: string): string {
  if (/['"\\]/.test(value)) throw new InvalidOptionsError(`${what} must not contain quotes or backslashes: ${value}`);
  return `'${value}'`;
}

function checkDate(value: Date | undefined, what: string): void {
  if (value !== undefined && !(value instanceof Date && !Number.isNaN(value.getTime()))) {
    throw new InvalidOptionsError(`${what} must be a valid time`);
  }
}

/**
 * The visibility query of the dead jobs of a task queue that match `filter`. With `closedSince`,
 * of the jobs whose workflow closed since then while dead (terminated or timed out from outside)
 * instead of those parked now. Throws `InvalidOptionsError` for a filter value it cannot quote.
 */
export function deadJobQuery(taskQueue: string, filter: DeadJobFilter = {}, closedSince?: Date): string {
  checkDate(filter.since, 'since');
  checkDate(filter.until, 'until');
  checkDate(closedSince, 'closedSince');
  const parts = [
    `WorkflowType = '${jobWorkflowType}'`,
    `TaskQueue = ${quote(taskQueue, 'task queue')}`,
    ...(closedSince ? [`ExecutionStatus != 'Running'`, `CloseTime >= '${closedSince.toISOString()}'`] : [`ExecutionStatus = 'Running'`]),
    `${sa.jobStatus.name} = '${JobStatus.DeadLettered}'`,
  ];
  if (filter.type) parts.push(`${sa.jobType.name} = ${quote(filter.type, 'type')}`);
  if (filter.errorType) parts.push(`${sa.jobErrorType.name} = ${quote(filter.errorType, 'error type')}`);
  if (filter.group) parts.push(`${sa.jobFailureGroup.name} = ${quote(filter.group, 'group')}`);
  if (filter.since) parts.push(`${sa.deadLetteredAt.name} >= '${filter.since.toISOString()}'`);
  // To the end of that millisecond: SQL visibility compares times as text, and drops trailing
  // zeros from the query's time but not the stored one, so `<= '…01.120Z'` would miss `…01.120`.
  if (filter.until) parts.push(`${sa.deadLetteredAt.name} <= '${filter.until.toISOString().replace(/Z$/, '999999Z')}'`);
  return parts.join(' AND ');
}

/**
 * The visibility query of the job workflows of a task queue (the latest run of each: a run that
 * continued as new is left out), narrowed by `conditions`.
 */
export function jobsQuery(taskQueue: string, ...conditions: string[]): string {
  return [`WorkflowType = '${jobWorkflowType}'`, `TaskQueue = ${quote(taskQueue, 'task queue')}`, `ExecutionStatus != 'ContinuedAsNew'`, ...conditions].join(' AND ');
}

/** A dead job's summary, from its execution info. */
export function deadJobSummary(info: ExecutionFacts): DeadJobSummary {
  const job = indexedJob(info, jobIdOfWorkflowId(info.workflowId));
  return {
    jobId: job.jobId,
    workflowId: job.workflowId,
    type: job.type,
    errorType: job.errorType ?? '',
    message: job.message ?? '',
    round: job.round ?? 1,
    failureGroup: job.failureGroup ?? '',
    // The round's attempts, as `get` reports them; the search attribute counts every round.
    attempts: job.attempts ?? job.totalAttempts,
    totalAttempts: job.totalAttempts,
    deadLetteredAt: job.deadLetteredAt ?? '',
  };
}

/** rebound's search attributes of a listed execution. Search attributes are plain JSON, never encoded by codecs. */
function decodeSearchAttributes(fields: Record<string, Payload> | null | undefined): TypedSearchAttributes {
  const pairs: SearchAttributePair[] = [];
  for (const key of Object.values(sa)) {
    const payload = fields?.[key.name];
    if (!payload) continue;
    let value = defaultPayloadConverter.fromPayload<unknown>(payload);
    if (Array.isArray(value)) value = value[0];
    if (value === undefined || value === null) continue;
    pairs.push({ key, value: key === sa.deadLetteredAt ? new Date(String(value)) : value } as SearchAttributePair);
  }
  return new TypedSearchAttributes(pairs);
}

/** A listed execution's memo, through the client's codecs and payload converter. */
async function decodeMemo(client: Client, fields: Record<string, Payload> | null | undefined): Promise<Record<string, unknown>> {
  const { payloadCodecs, payloadConverter } = client.options.loadedDataConverter;
  const entries = Object.entries(fields ?? {});
  let payloads = entries.map(([, p]) => p);
  for (const codec of [...payloadCodecs].reverse()) payloads = await codec.decode(payloads);
  return Object.fromEntries(entries.map(([key], i) => [key, payloadConverter.fromPayload(payloads[i])]));
}

const statusPrefix = 'WORKFLOW_EXECUTION_STATUS_';

/** Bytes of a page token's check: the first bytes of the SHA-256 of the server's token. */
const tokenCheckBytes = 4;

const tokenCheck = (serverToken: Uint8Array) => createHash('sha256').update(serverToken).digest().subarray(0, tokenCheckBytes);

/** The page token handed out: the server's, and a check that tells a token cut short or made up. */
function encodePageToken(serverToken: Uint8Array): string {
  return Buffer.concat([serverToken, tokenCheck(serverToken)]).toString('base64url');
}

/**
 * The server's token inside a page token. Throws `InvalidOptionsError` naming it when it is not one
 * this module handed out: the server answers a made-up token with an internal error, retried for
 * some twenty seconds, or, for some, with the first page, as if no token had been given.
 */
function decodePageToken(pageToken: string): Buffer {
  const bytes = /^[A-Za-z0-9_-]+$/.test(pageToken) ? Buffer.from(pageToken, 'base64url') : Buffer.alloc(0);
  const serverToken = bytes.subarray(0, Math.max(0, bytes.length - tokenCheckBytes));
  if (serverToken.length === 0 || !tokenCheck(serverToken).equals(bytes.subarray(serverToken.length)) || bytes.toString('base64url') !== pageToken) {
    throw new InvalidOptionsError(`${pageTokenOf(pageToken)} is not one a listing gave (cut short, changed, or from another tool): pass the nextPageToken of the page before as it was printed, or leave the page token out for the first page`);
  }
  return serverToken;
}

const pageTokenOf = (pageToken: string) => `page token ${JSON.stringify(pageToken.length > 40 ? `${pageToken.slice(0, 40)}…` : pageToken)}`;

/**
 * One page of the dead jobs matching `filter`. The page token wraps the server's with a check;
 * a token this function did not hand out is refused with `InvalidOptionsError` before the server
 * sees it, as is one the server refuses (expired, or from other filters).
 */
export async function listDeadJobs(client: Client, taskQueue: string, filter: DeadJobFilter, limit: number, pageToken?: string | null): Promise<DeadJobPage> {
  if (!Number.isInteger(limit) || limit < 1 || limit > 1_000) throw new InvalidOptionsError(`limit must be a whole number from 1 to 1000, got ${limit}`);
  if (pageToken !== undefined && pageToken !== null && typeof pageToken !== 'string') throw new InvalidOptionsError(`the page token must be a string, got ${JSON.stringify(pageToken)}`);
  const query = deadJobQuery(taskQueue, filter);
  const nextPageToken = pageToken ? decodePageToken(pageToken) : undefined;
  let response: Awaited<ReturnType<Client['workflowService']['listWorkflowExecutions']>>;
  try {
    response = await client.workflowService.listWorkflowExecutions({ namespace: client.options.namespace, query, pageSize: limit, nextPageToken });
  } catch (err) {
    if (pageToken && isGrpcServiceError(err) && err.code === status.INVALID_ARGUMENT) {
      throw new InvalidOptionsError(`the server refused ${pageTokenOf(pageToken)} (${err.details}): list again from the first page`, { cause: err });
    }
    throw err;
  }
  const items = await Promise.all(
    (response.executions ?? []).map(async (raw) => {
      const statusName = temporal.api.enums.v1.WorkflowExecutionStatus[raw.status ?? 0] ?? '';
      return deadJobSummary({
        workflowId: raw.execution?.workflowId ?? '',
        runId: raw.execution?.runId ?? '',
        type: raw.type?.name ?? '',
        status: { code: raw.status ?? 0, name: statusName.replace(statusPrefix, '') } as WorkflowExecutionInfo['status'],
        typedSearchAttributes: decodeSearchAttributes(raw.searchAttributes?.indexedFields as Record<string, Payload> | undefined),
        memo: await decodeMemo(client, raw.memo?.fields as Record<string, Payload> | undefined),
      });
    }),
  );
  const token = response.nextPageToken?.length ? encodePageToken(response.nextPageToken) : null;
  return { items, nextPageToken: token };
}
