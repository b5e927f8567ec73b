/**
 * Dead jobs as visibility lists them: the query that selects them, and one page of them read
 * with the server's own page tokens, decoded through the client's data converter.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { TypedSearchAttributes, defaultPayloadConverter, type Payload, type SearchAttributePair } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { indexedJob, type ExecutionFacts } from '../client';
import { JobStatus, jobIdOfWorkflowId, jobWorkflowType, searchAttributes as sa } from '../contract';
import { InvalidOptionsError } from '../errors';
import type { DeadJobFilter, DeadJobPage, DeadJobSummary } from './types';

function quote(value: string, what: string): string {
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

/**
 * One page of the dead jobs matching `filter`. The page token is the server's, as base64url;
 * a token that does not decode is refused with `InvalidOptionsError`.
 */
export async function listDeadJobs(client: Client, taskQueue: string, filter: DeadJobFilter, limit: number, pageToken?: string | null): Promise<DeadJobPage> {
  if (!Number.isInteger(limit) || limit < 1 || limit > 1_000) throw new InvalidOptionsError(`limit must be a whole number from 1 to 1000, got ${limit}`);
  const response = await client.workflowService.listWorkflowExecutions({
    namespace: client.options.namespace,
    query: deadJobQuery(taskQueue, filter),
    pageSize: limit,
    nextPageToken: pageToken ? Buffer.from(pageToken, 'base64url') : undefined,
  });
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
  const token = response.nextPageToken?.length ? Buffer.from(response.nextPageToken).toString('base64url') : null;
  return { items, nextPageToken: token };
}
