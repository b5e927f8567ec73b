/**
 * Jobs as visibility lists them: the queries that select dead jobs and jobs in any status, and
 * one page of them read with the server's own page tokens, decoded through the client's data
 * converter.
 */
import { createHash } from 'node:crypto';
import { status } from '@grpc/grpc-js';
import { isGrpcServiceError, type Client, type WorkflowExecutionInfo } from '@temporalio/client';
import { TypedSearchAttributes, defaultPayloadConverter, type Payload, type SearchAttributePair } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { deadRecordOf, decodePayloads, indexedJob, type ExecutionFacts, type JobRecord } from '../client';
import { JobStatus, jobIdOfWorkflowId, jobWorkflowType, searchAttributes as sa } from '../contract';
import { InvalidOptionsError } from '../errors';
import { checkTags, tagValues, type JobTags } from '../jobs';
import type { DeadJobFilter, DeadJobPage, DeadJobSummary, JobFilter } from './types';

export function quote(value: string, what: string): string {
  if (/['"\\]/.test(value)) throw new InvalidOptionsError(`${what} must not contain quotes or backslashes: ${value}`);
  return `'${value}'`;
}

function checkDate(value: Date | undefined, what: string): void {
  if (value !== undefined && !(value instanceof Date && !Number.isNaN(value.getTime()))) {
    throw new InvalidOptionsError(`${what} must be a valid time`);
  }
}

/** `attribute` at or after `since` and at or before `until`, as far as given. */
function timeConditions(attribute: string, since: Date | undefined, until: Date | undefined): string[] {
  checkDate(since, 'since');
  checkDate(until, 'until');
  return [
    ...(since ? [`${attribute} >= '${since.toISOString()}'`] : []),
    // To the end of that millisecond: SQL visibility compares times as text, and drops trailing
    // zeros from the query's time but not the stored one, so `<= '…01.120Z'` would miss `…01.120`.
    ...(until ? [`${attribute} <= '${until.toISOString().replace(/Z$/, '999999Z')}'`] : []),
  ];
}

/** One condition per tag: a KeywordList attribute `=` a value holds that value among others. */
function tagConditions(tags: JobTags | undefined): string[] {
  if (tags === undefined) return [];
  return tagValues(checkTags(tags, 'tag filter')).map((value) => `${sa.jobTags.name} = '${value}'`);
}

const jobStatusName = sa.jobStatus.name;
const inStatuses = (statuses: readonly JobStatus[]) => `${jobStatusName} IN (${statuses.map((s) => `'${s}'`).join(', ')})`;
/** Execution statuses that close a job without its code recording it (as `isClosedFromOutside` reads them). */
const closedFromOutside = `ExecutionStatus IN ('Terminated', 'TimedOut', 'Failed')`;
/** Statuses of a job whose workflow has not recorded an end. */
export const openStatuses: readonly JobStatus[] = [JobStatus.Scheduled, JobStatus.Running, JobStatus.Retrying, JobStatus.DeadLettered];

/**
 * The condition that selects the jobs in `jobStatus` as `get` reports it: an open status only
 * while the workflow runs, and a job whose workflow was closed from outside (terminated, timed
 * out) while open counts as `Cancelled`. The conditions of two statuses never select one job.
 */
export function statusCondition(jobStatus: JobStatus): string {
  if (!Object.values(JobStatus).includes(jobStatus)) {
    throw new InvalidOptionsError(`status must be one of ${Object.values(JobStatus).join(', ')}, got ${JSON.stringify(jobStatus)}`);
  }
  if (jobStatus === JobStatus.Cancelled) return `(${jobStatusName} = '${JobStatus.Cancelled}' OR (${closedFromOutside} AND ${inStatuses(openStatuses)}))`;
  if (openStatuses.includes(jobStatus)) return `ExecutionStatus = 'Running' AND ${jobStatusName} = '${jobStatus}'`;
  return `${jobStatusName} = '${jobStatus}'`;
}

/** Jobs in none of rebound's statuses: ended without recording how (their workflow completed or was cancelled while open), or with no status. */
export const noStatusCondition =
  `((ExecutionStatus IN ('Completed', 'Canceled') AND ${inStatuses(openStatuses)}) OR ${jobStatusName} IS NULL OR ` +
  `${jobStatusName} NOT IN (${Object.values(JobStatus).map((s) => `'${s}'`).join(', ')}))`;

/**
 * The visibility query of the dead jobs of a task queue that match `filter`. With `closedSince`,
 * of the jobs whose workflow closed since then while dead (terminated or timed out from outside)
 * instead of those parked now. Throws `InvalidOptionsError` for a filter value it cannot quote.
 */
export function deadJobQuery(taskQueue: string, filter: DeadJobFilter = {}, closedSince?: Date): string {
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
  parts.push(...timeConditions(sa.deadLetteredAt.name, filter.since, filter.until), ...tagConditions(filter.tags));
  return parts.join(' AND ');
}

/**
 * The visibility query of the jobs of a task queue, in any status, that match `filter` (`since`
 * and `until` bound when they were submitted). Throws `InvalidOptionsError` for a filter value it
 * cannot quote, an unknown status or a bad tag.
 */
export function jobFilterQuery(taskQueue: string, filter: JobFilter = {}): string {
  const statuses = filter.status === undefined ? [] : Array.isArray(filter.status) ? filter.status : [filter.status];
  if (filter.status !== undefined && statuses.length === 0) throw new InvalidOptionsError('status must name at least one status');
  return jobsQuery(
    taskQueue,
    ...(statuses.length > 0 ? [`(${statuses.map((s) => `(${statusCondition(s)})`).join(' OR ')})`] : []),
    ...(filter.type ? [`${sa.jobType.name} = ${quote(filter.type, 'type')}`] : []),
    ...(filter.errorType ? [`${sa.jobErrorType.name} = ${quote(filter.errorType, 'error type')}`] : []),
    ...timeConditions('StartTime', filter.since, filter.until),
    ...tagConditions(filter.tags),
  );
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
    tags: job.tags,
  };
}

/** rebound's search attributes of a listed execution. Search attributes are plain JSON, never encoded by codecs. */
function decodeSearchAttributes(fields: Record<string, Payload> | null | undefined): TypedSearchAttributes {
  const pairs: SearchAttributePair[] = [];
  for (const key of Object.values(sa)) {
    const payload = fields?.[key.name];
    if (!payload) continue;
    let value = defaultPayloadConverter.fromPayload<unknown>(payload);
    // A single-valued attribute may come as a list of one.
    if (Array.isArray(value) && key !== sa.jobTags) value = value[0];
    if (value === undefined || value === null) continue;
    pairs.push({ key, value: key === sa.deadLetteredAt ? new Date(String(value)) : value } as SearchAttributePair);
  }
  return new TypedSearchAttributes(pairs);
}

/** A listed execution's memo (the fields `wanted` accepts), through the client's codecs and payload converter. */
async function decodeMemo(client: Client, fields: Record<string, Payload> | null | undefined, wanted: (key: string) => boolean): Promise<Record<string, unknown>> {
  const entries = Object.entries(fields ?? {}).filter(([key]) => wanted(key));
  const values = await decodePayloads(client, entries.map(([, p]) => p));
  return Object.fromEntries(entries.map(([key], i) => [key, values[i]]));
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

/** A listed execution: what {@link indexedJob} reads, and when it started and closed. */
export type ListedExecution = ExecutionFacts & { startTime?: string; closeTime?: string };

const isoOf = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): string | undefined =>
  t?.seconds === undefined || t.seconds === null ? undefined : new Date(Number(t.seconds) * 1_000 + Math.floor((t.nanos ?? 0) / 1e6)).toISOString();

/**
 * One page of the executions `query` selects. The page token wraps the server's with a check;
 * a token this function did not hand out is refused with `InvalidOptionsError` before the server
 * sees it, as is one the server refuses (expired, or from other filters).
 */
export async function listExecutions(client: Client, query: string, limit: number, pageToken?: string | null, withRecord = false): Promise<{ items: ListedExecution[]; nextPageToken: string | null }> {
  if (!Number.isInteger(limit) || limit < 1 || limit > 1_000) throw new InvalidOptionsError(`limit must be a whole number from 1 to 1000, got ${limit}`);
  if (pageToken !== undefined && pageToken !== null && typeof pageToken !== 'string') throw new InvalidOptionsError(`the page token must be a string, got ${JSON.stringify(pageToken)}`);
  const nextPageToken = pageToken ? decodePageToken(pageToken) : undefined;
  let response: Awaited<ReturnType<Client['workflowService']['listWorkflowExecutions']>>;
  try {
    response = await client.workflowService.listWorkflowExecutions({ namespace: client.options.namespace, query, pageSize: limit, nextPageToken });
  } catch (err) {
    // Larger than the client takes (gRPC's default is 4 MB, and each job brings its memo): the
    // same page in halves, each next page starting where the smaller one ended.
    if (limit > 1 && isGrpcServiceError(err) && err.code === status.RESOURCE_EXHAUSTED && /larger than max/i.test(err.details ?? err.message)) {
      return listExecutions(client, query, Math.floor(limit / 2), pageToken, withRecord);
    }
    if (pageToken && isGrpcServiceError(err) && err.code === status.INVALID_ARGUMENT) {
      throw new InvalidOptionsError(`the server refused ${pageTokenOf(pageToken)} (${err.details}): list again from the first page`, { cause: err });
    }
    throw err;
  }
  const items = await Promise.all(
    (response.executions ?? []).map(async (raw): Promise<ListedExecution> => {
      const statusName = temporal.api.enums.v1.WorkflowExecutionStatus[raw.status ?? 0] ?? '';
      return {
        workflowId: raw.execution?.workflowId ?? '',
        runId: raw.execution?.runId ?? '',
        type: raw.type?.name ?? '',
        status: { code: raw.status ?? 0, name: statusName.replace(statusPrefix, '') } as WorkflowExecutionInfo['status'],
        typedSearchAttributes: decodeSearchAttributes(raw.searchAttributes?.indexedFields as Record<string, Payload> | undefined),
        // A dead job's whole record only when asked for: a page of summaries need not decode it.
        memo: await decodeMemo(client, raw.memo?.fields as Record<string, Payload> | undefined, (key) => withRecord || key !== 'record'),
        startTime: isoOf(raw.startTime),
        closeTime: isoOf(raw.closeTime),
        executionTime: isoOf(raw.executionTime),
      };
    }),
  );
  const token = response.nextPageToken?.length ? encodePageToken(response.nextPageToken) : null;
  return { items, nextPageToken: token };
}

/** One page of the dead jobs matching `filter` (see {@link listExecutions} for its page token). */
export async function listDeadJobs(client: Client, taskQueue: string, filter: DeadJobFilter, limit: number, pageToken?: string | null): Promise<DeadJobPage> {
  const page = await listExecutions(client, deadJobQuery(taskQueue, filter), limit, pageToken);
  return { items: page.items.map(deadJobSummary), nextPageToken: page.nextPageToken };
}

/** A listed dead job: its summary, and the whole record it keeps in its memo (absent when it keeps none). */
export interface DeadJobRow {
  summary: DeadJobSummary;
  record?: JobRecord;
}

/**
 * One page of the dead jobs matching `filter`, each with the whole record it keeps in its memo
 * (since it was dead-lettered): what an export reads, with no worker and no replay.
 */
export async function listDeadJobRecords(client: Client, taskQueue: string, filter: DeadJobFilter, limit: number, pageToken?: string | null): Promise<{ items: DeadJobRow[]; nextPageToken: string | null }> {
  const page = await listExecutions(client, deadJobQuery(taskQueue, filter), limit, pageToken, true);
  return {
    items: page.items.map((facts) => {
      const record = deadRecordOf(facts);
      return { summary: deadJobSummary(facts), ...(record ? { record } : {}) };
    }),
    nextPageToken: page.nextPageToken,
  };
}
