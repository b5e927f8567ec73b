/**
 * The dead-letter admin API: list, inspect, retry and cancel dead jobs, one by one or in bulk,
 * read the queue's counters and failure groups, export dead jobs.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError, type Client } from '@temporalio/client';
import { executionInfoFromRaw } from '@temporalio/client/lib/helpers';
import { bulkOperationHandle, maxJobsPerPart, startBulkOperation, type BulkOperation } from './bulk-operation';
import { InvalidOptionsError, JobNotDeadError, JobNotFoundError, WorkerUnavailableError } from './errors';
import { readJob, type JobRecord } from './client';
import { JobRegistry, validatePayload, type JobDefinition } from './jobs';
import {
  JobStatus,
  cancelUpdate,
  deadLetterWorkflowId,
  emptyDeadLetterStats,
  jobIdOfWorkflowId,
  jobWorkflowId,
  jobWorkflowType,
  retryPolicyProblem,
  retryUpdate,
  searchAttributes as sa,
  statsQuery,
  type DeadLetterStats,
  type RetryPolicy,
} from './shared';

export type { BulkOperation, WatchOptions } from './bulk-operation';

/** Which dead jobs an operation is about. Every field narrows the selection. */
export interface DeadJobFilter {
  /** Job type. */
  type?: string;
  /** Error type of the failure that dead-lettered the job. */
  errorType?: string;
  /** Failure group id (see {@link DeadLetterAdmin.groups}). */
  group?: string;
  /** Dead-lettered at or after this time. */
  since?: Date;
  /** Dead-lettered at or before this time. */
  until?: Date;
}

/** A dead job, as listed. */
export interface DeadJobSummary {
  jobId: string;
  workflowId: string;
  type: string;
  errorType: string;
  message: string;
  failureGroup: string;
  /** Attempts in the round that dead-lettered. */
  attempts: number;
  /** Attempts over every round (the `JobAttempts` search attribute). */
  totalAttempts: number;
  deadLetteredAt: string;
  /** The round of attempts that dead-lettered (1 unless the job was retried before). */
  round: number;
}

/** One page of dead jobs. */
export interface DeadJobPage {
  items: DeadJobSummary[];
  /** Pass it back to get the next page; null on the last page. */
  nextPageToken: string | null;
}

/** What a retry or cancel of one job did. */
export interface JobOperationResult {
  jobId: string;
  ok: boolean;
  /** The job's status after the operation. */
  status?: string;
  error?: { name: string; message: string };
}

export interface BulkOptions {
  /** Count the selection and change nothing. @defaultValue false */
  dryRun?: boolean;
  /** Jobs per second. @defaultValue 10 */
  rate?: number;
  /** Fields of the retry policy to change for the new round (retry only). */
  retryPolicy?: Partial<RetryPolicy>;
  reason?: string;
  /**
   * Jobs one workflow of the operation carries; a larger selection runs in parts, one after
   * another. @defaultValue 5000, the most allowed
   */
  jobsPerPart?: number;
}

/** What `retryAll` / `cancelAll` selected, and the operation applying it (none for a dry run or an empty selection). */
export interface BulkSelection {
  /** Jobs selected. */
  matched: number;
  ids: string[];
  /**
   * When the latest selected job was dead-lettered (null when none matched). The same filter with
   * `until` set to it selects no job dead-lettered since: pass it to apply a dry run's selection
   * and nothing newer.
   */
  until: string | null;
  operation?: BulkOperation;
}

export interface AdminOptions {
  client: Client;
  /** @defaultValue `rebound` */
  taskQueue?: string;
  /** Job types, to validate a corrected payload before it is sent. Unknown types are not checked. */
  jobs?: Iterable<JobDefinition<any, any>> | JobRegistry;
}


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
 * instead of those parked now.
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

/** Creates the dead-letter admin API over a Temporal client. */
export function createAdmin(options: AdminOptions) {
  const { client } = options;
  const taskQueue = options.taskQueue ?? 'rebound';
  const registry = options.jobs === undefined ? undefined : options.jobs instanceof JobRegistry ? options.jobs : new JobRegistry(options.jobs);
  const namespace = client.options.namespace;

  async function page(filter: DeadJobFilter, limit: number, pageToken?: string | null): Promise<DeadJobPage> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 1_000) throw new InvalidOptionsError(`limit must be a whole number from 1 to 1000, got ${limit}`);
    const response = await client.workflowService.listWorkflowExecutions({
      namespace,
      query: deadJobQuery(taskQueue, filter),
      pageSize: limit,
      nextPageToken: pageToken ? Buffer.from(pageToken, 'base64url') : undefined,
    });
    const items = await Promise.all(
      (response.executions ?? []).map(async (raw) => {
        const info = await executionInfoFromRaw(raw, client.options.loadedDataConverter, raw, namespace);
        const attrs = info.typedSearchAttributes;
        const memo = info.memo as { message?: string; round?: number; attempts?: number } | undefined;
        return {
          jobId: jobIdOfWorkflowId(info.workflowId),
          workflowId: info.workflowId,
          type: attrs.get(sa.jobType) ?? '',
          errorType: attrs.get(sa.jobErrorType) ?? '',
          message: String(memo?.message ?? ''),
          round: Number(memo?.round ?? 1),
          failureGroup: attrs.get(sa.jobFailureGroup) ?? '',
          // The round's attempts, as `get` reports them; the search attribute counts every round.
          attempts: Number(memo?.attempts ?? attrs.get(sa.jobAttempts) ?? 0),
          totalAttempts: attrs.get(sa.jobAttempts) ?? 0,
          deadLetteredAt: attrs.get(sa.deadLetteredAt)?.toISOString() ?? '',
        };
      }),
    );
    const token = response.nextPageToken?.length ? Buffer.from(response.nextPageToken).toString('base64url') : null;
    return { items, nextPageToken: token };
  }

  async function* all(filter: DeadJobFilter): AsyncGenerator<DeadJobSummary> {
    let token: string | null = null;
    do {
      const p: DeadJobPage = await page(filter, 1_000, token);
      yield* p.items;
      token = p.nextPageToken;
    } while (token);
  }

  /** The record of a dead job whose worker answers: an update sent to it would wait for one forever. */
  async function readDeadJob(jobId: string): Promise<JobRecord> {
    const record = await readJob(client, jobId);
    if (record.status !== JobStatus.DeadLettered) throw new JobNotDeadError(jobId, record.status);
    if (record.indexedOnly) throw new WorkerUnavailableError(jobId, taskQueue);
    return record;
  }

  async function checkRetryInput(jobId: string, request: { payload?: unknown; retryPolicy?: Partial<RetryPolicy> }): Promise<JobRecord> {
    const record = await readDeadJob(jobId);
    if (request.payload !== undefined && registry?.has(record.type)) await validatePayload(registry.get(record.type), request.payload);
    if (request.retryPolicy) {
      const problem = retryPolicyProblem({ ...record.retry, ...request.retryPolicy });
      if (problem) throw new InvalidOptionsError(problem);
    }
    return record;
  }

  async function one(jobId: string, run: () => Promise<JobRecord | { status: string }>): Promise<JobOperationResult> {
    try {
      const after = await run();
      return { jobId, ok: true, status: after.status };
    } catch (err) {
      let e = err as Error;
      if (err instanceof WorkflowUpdateFailedError && err.cause) e = err.cause as Error;
      if (err instanceof WorkflowNotFoundError) e = new JobNotFoundError(jobId);
      return { jobId, ok: false, error: { name: e.name, message: e.message } };
    }
  }

  async function bulk(kind: 'retry' | 'cancel', filter: DeadJobFilter, opts: BulkOptions): Promise<BulkSelection> {
    const rate = opts.rate ?? 10;
    if (!(typeof rate === 'number' && rate > 0 && rate <= 1_000)) throw new InvalidOptionsError(`rate must be a number of jobs per second from 0 to 1000, got ${rate}`);
    if (opts.retryPolicy) {
      const problem = retryPolicyProblem({ initialIntervalMs: 1, backoffCoefficient: 2, maximumIntervalMs: 1, maximumAttempts: 1, jitterRatio: 0, nonRetryableErrorTypes: [], ...opts.retryPolicy });
      if (problem) throw new InvalidOptionsError(problem);
    }
    // Fix the selection now: jobs dead-lettered from here on are not part of it.
    // The round pins each job: one retried meanwhile and dead again is not touched.
    const jobs: { jobId: string; round: number }[] = [];
    let until: string | null = null;
    for await (const item of all(filter)) {
      jobs.push({ jobId: item.jobId, round: item.round });
      if (until === null || item.deadLetteredAt > until) until = item.deadLetteredAt;
    }
    const ids = jobs.map((j) => j.jobId);
    if (opts.dryRun || jobs.length === 0) return { matched: jobs.length, ids, until };
    const jobsPerPart = opts.jobsPerPart ?? maxJobsPerPart;
    if (!Number.isInteger(jobsPerPart) || jobsPerPart < 1 || jobsPerPart > maxJobsPerPart) {
      throw new InvalidOptionsError(`jobsPerPart must be a whole number from 1 to ${maxJobsPerPart}, got ${jobsPerPart}`);
    }
    const base = { operationId: randomUUID(), kind, rate, retryPolicy: opts.retryPolicy, reason: opts.reason };
    const operation = await startBulkOperation(client, taskQueue, base, jobs, jobsPerPart);
    return { matched: jobs.length, ids, until, operation };
  }

  return {
    /** Dead jobs matching `filter`, a page at a time (visibility: eventually consistent, seconds behind at most). */
    list(filter: DeadJobFilter = {}, { limit = 50, pageToken }: { limit?: number; pageToken?: string | null } = {}): Promise<DeadJobPage> {
      return page(filter, limit, pageToken);
    },

    /** Every dead job matching `filter`, page after page. */
    all,

    /** A job's full record: payload, retry policy, attempt history, timeline. Throws `JobNotFoundError`. */
    get(jobId: string): Promise<JobRecord> {
      return readJob(client, jobId);
    },

    /**
     * Retries dead jobs by id, each in a new round of attempts, optionally with a corrected payload
     * (validated against the type's schema first) and retry policy. Reads each job directly,
     * never through visibility. A job that is not dead gets `JobNotDeadError`, one no worker answers
     * for `WorkerUnavailableError` (rather than a wait for a worker), and is left as it is.
     */
    retry(jobIds: string[], request: { payload?: unknown; retryPolicy?: Partial<RetryPolicy>; reason?: string } = {}): Promise<JobOperationResult[]> {
      return Promise.all(
        jobIds.map((jobId) =>
          one(jobId, async () => {
            await checkRetryInput(jobId, request);
            return client.workflow.getHandle(jobWorkflowId(jobId)).executeUpdate(retryUpdate, { args: [request] });
          }),
        ),
      );
    },

    /** Cancels dead jobs by id; they end `Cancelled`. A job that is not dead gets `JobNotDeadError`, one no worker answers for `WorkerUnavailableError`. */
    cancel(jobIds: string[], request: { reason?: string } = {}): Promise<JobOperationResult[]> {
      return Promise.all(
        jobIds.map((jobId) =>
          one(jobId, async () => {
            await readDeadJob(jobId);
            return client.workflow.getHandle(jobWorkflowId(jobId)).executeUpdate(cancelUpdate, { args: [request] });
          }),
        ),
      );
    },

    /**
     * Retries every dead job matching `filter` at `rate` jobs per second, as a durable operation
     * that survives worker restarts and can be paused, resumed and aborted. The selection is
     * fixed when it starts. With `dryRun`, only counts.
     */
    retryAll(filter: DeadJobFilter, opts: BulkOptions = {}) {
      return bulk('retry', filter, opts);
    },

    /** Cancels every dead job matching `filter`, like {@link retryAll}. */
    cancelAll(filter: DeadJobFilter, opts: BulkOptions = {}) {
      return bulk('cancel', filter, opts);
    },

    /** A bulk operation started earlier, by id. */
    operation(operationId: string): BulkOperation {
      return bulkOperationHandle(client, operationId);
    },

    /** The dead-letter queue's counters: dead now, dead-lettered, retried, cancelled, expired, per type and error type. */
    async stats(): Promise<DeadLetterStats> {
      try {
        return await client.workflow.getHandle(deadLetterWorkflowId(taskQueue)).query(statsQuery);
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
        return emptyDeadLetterStats(taskQueue);
      }
    },

    /** Failure groups with dead jobs now, largest first. */
    async groups() {
      const { groups } = await this.stats();
      return groups.filter((g) => g.deadNow > 0).sort((a, b) => b.deadNow - a.deadNow);
    },

    /** Full records of the dead jobs matching `filter`, one after another (for JSON Lines export). */
    async *export(filter: DeadJobFilter = {}): AsyncGenerator<JobRecord> {
      for await (const item of all(filter)) {
        try {
          yield await readJob(client, item.jobId);
        } catch (err) {
          if (!(err instanceof JobNotFoundError)) throw err;
        }
      }
    },
  };
}

export type DeadLetterAdmin = ReturnType<typeof createAdmin>;
