/**
 * The dead-letter admin API: list, inspect, retry and cancel dead jobs, one by one or in bulk,
 * read the queue's counters and failure groups, export dead jobs.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { askWorker, readJob, workerAnswerTimeoutMs, type JobRecord } from '../client';
import { JobStatus, cancelUpdate, deadLetterWorkflowId, defaultRetryPolicy, defaultTaskQueue, emptyDeadLetterStats, jobWorkflowId, retryUpdate, statsQuery, type DeadLetterStats, type PublishedStats } from '../contract';
import { InvalidOptionsError, JobNotDeadError, JobNotFoundError, WorkerUnavailableError } from '../errors';
import { JobRegistry, checkOptionKeys, resolveRetryPolicy, validatePayload } from '../jobs';
import { createBreakerAdmin } from './breakers';
import { bulkOperationHandle, maxJobsPerPart, startBulkOperation } from './bulk-operation';
import { checkTaskQueue } from './check';
import { listJobs } from './job-list';
import { jobStats } from './job-stats';
import type { AdminOptions, BulkOptions, BulkSelection, DeadJobFilter, DeadJobSummary, DeadLetterAdmin, JobFilter, JobOperationResult, JobStatsFilter, RetryRequestOptions } from './types';
import { listDeadJobRecords, listDeadJobs } from './visibility';

/** A policy any valid change can apply to, to check bulk changes before the jobs' own policies are known. */
const anyPolicy = { ...defaultRetryPolicy, initialIntervalMs: 1, maximumIntervalMs: Number.MAX_SAFE_INTEGER };

const filterKeys: readonly (keyof DeadJobFilter)[] = ['type', 'errorType', 'group', 'since', 'until', 'tags'];
const jobFilterKeys: readonly (keyof JobFilter)[] = ['type', 'status', 'errorType', 'since', 'until', 'tags'];
const jobStatsFilterKeys: readonly (keyof JobStatsFilter)[] = ['type', 'since', 'until', 'tags'];
const bulkOptionKeys: readonly (keyof BulkOptions)[] = ['dryRun', 'rate', 'retryPolicy', 'reason', 'jobsPerPart'];
const retryRequestKeys: readonly (keyof RetryRequestOptions)[] = ['payload', 'retryPolicy', 'reason'];

/** Dead jobs an export lists at once (each with its whole record). */
const exportPageSize = 100;

/** Creates the dead-letter admin API over a Temporal client. */
export function createAdmin(options: AdminOptions): DeadLetterAdmin {
  const { client } = options;
  const taskQueue = options.taskQueue ?? defaultTaskQueue;
  const registry = options.jobs === undefined ? undefined : options.jobs instanceof JobRegistry ? options.jobs : new JobRegistry(options.jobs);

  async function* all(filter: DeadJobFilter = {}): AsyncGenerator<DeadJobSummary> {
    let token: string | null = null;
    do {
      const page = await listDeadJobs(client, taskQueue, filter, 1_000, token);
      yield* page.items;
      token = page.nextPageToken;
    } while (token);
  }

  /** The record of a dead job whose worker answers: an update sent to it would wait for one forever. */
  async function readDeadJob(jobId: string): Promise<JobRecord> {
    const record = await readJob(client, jobId);
    if (record.status !== JobStatus.DeadLettered) throw new JobNotDeadError(jobId, record.status);
    if (record.indexedOnly) throw new WorkerUnavailableError(jobId, taskQueue);
    return record;
  }

  async function checkRetryInput(jobId: string, request: RetryRequestOptions): Promise<void> {
    const record = await readDeadJob(jobId);
    if (request.payload !== undefined && registry) await validatePayload(registry.get(record.type), request.payload);
    if (request.retryPolicy) resolveRetryPolicy(record.retry, request.retryPolicy);
  }

  async function one(jobId: string, run: () => Promise<{ status: string }>): Promise<JobOperationResult> {
    try {
      const after = await run();
      return { jobId, ok: true, status: after.status };
    } catch (err) {
      let e = err as Error;
      if (err instanceof WorkflowUpdateFailedError && err.cause) e = err.cause;
      if (err instanceof WorkflowNotFoundError) e = new JobNotFoundError(jobId);
      return { jobId, ok: false, error: { name: e.name, message: e.message } };
    }
  }

  async function bulk(kind: 'retry' | 'cancel', filter: DeadJobFilter, opts: BulkOptions): Promise<BulkSelection> {
    checkOptionKeys(filter, filterKeys, 'filter');
    checkOptionKeys(opts, kind === 'retry' ? bulkOptionKeys : bulkOptionKeys.filter((k) => k !== 'retryPolicy'), `${kind}All`);
    const rate = opts.rate ?? 10;
    if (!(typeof rate === 'number' && rate > 0 && rate <= 1_000)) throw new InvalidOptionsError(`rate must be a number of jobs per second, more than 0 and at most 1000, got ${rate}`);
    // Each job checks the changes against its own policy when it applies them; here, only what is wrong whatever the policy.
    if (opts.retryPolicy) resolveRetryPolicy(anyPolicy, opts.retryPolicy);
    const jobsPerPart = opts.jobsPerPart ?? maxJobsPerPart;
    if (!Number.isInteger(jobsPerPart) || jobsPerPart < 1 || jobsPerPart > maxJobsPerPart) {
      throw new InvalidOptionsError(`jobsPerPart must be a whole number from 1 to ${maxJobsPerPart}, got ${jobsPerPart}`);
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
    const base = { operationId: randomUUID(), kind, rate, retryPolicy: opts.retryPolicy, reason: opts.reason };
    const operation = await startBulkOperation(client, taskQueue, base, jobs, jobsPerPart);
    return { matched: jobs.length, ids, until, operation };
  }

  /**
   * The counters the queue published in its memo (at most a second old): read from the server's
   * description of the queue's workflow, so no worker is asked, however busy the queue is. A
   * queue that has published none yet (started by an older rebound) is asked.
   */
  async function stats(): Promise<DeadLetterStats> {
    let memo: { published?: PublishedStats } | undefined;
    try {
      memo = (await client.workflow.getHandle(deadLetterWorkflowId(taskQueue)).describe()).memo as typeof memo;
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return emptyDeadLetterStats(taskQueue);
      throw err;
    }
    return memo?.published?.stats ?? queryStats();
  }

  /** The queue's counters and every failure group, from its workflow (a worker answers). */
  async function queryStats(): Promise<DeadLetterStats> {
    const handle = client.workflow.getHandle(deadLetterWorkflowId(taskQueue));
    try {
      return await askWorker(client, taskQueue, {
        what: "the dead-letter queue's counters",
        ask: () => handle.query(statsQuery),
        // A queue that never started has counted nothing: that needs no worker to say.
        whenNoWorker: () => handle.describe().then(() => undefined),
      });
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      return emptyDeadLetterStats(taskQueue);
    }
  }

  /**
   * Full records only. Each dead job keeps its whole record in its memo: pages of the listing
   * bring them, with no worker asked. A job that keeps none (too large for a memo, or
   * dead-lettered by an older rebound) is read from its workflow, which a worker must answer.
   */
  async function* exportRecords(filter: DeadJobFilter): AsyncGenerator<JobRecord> {
    checkOptionKeys(filter, filterKeys, 'filter');
    let token: string | null = null;
    do {
      const page = await listDeadJobRecords(client, taskQueue, filter, exportPageSize, token);
      for (const { summary, record } of page.items) {
        if (record) {
          yield record;
          continue;
        }
        let read: JobRecord;
        try {
          read = await readJob(client, summary.jobId);
        } catch (err) {
          if (err instanceof JobNotFoundError) continue;
          throw err;
        }
        if (read.indexedOnly) throw new WorkerUnavailableError(summary.jobId, taskQueue, { what: "an export of dead jobs' full records", waitedMs: workerAnswerTimeoutMs });
        yield read;
      }
      token = page.nextPageToken;
    } while (token);
  }

  return {
    list: (filter = {}, options = {}) => {
      checkOptionKeys(filter, filterKeys, 'filter');
      checkOptionKeys(options, ['limit', 'pageToken'], 'list');
      return listDeadJobs(client, taskQueue, filter, options.limit ?? 50, options.pageToken);
    },
    all,
    get: (jobId) => readJob(client, jobId),
    retry: (jobIds, request = {}) => {
      checkOptionKeys(request, retryRequestKeys, 'retry');
      return Promise.all(
        jobIds.map((jobId) =>
          one(jobId, async () => {
            await checkRetryInput(jobId, request);
            return client.workflow.getHandle(jobWorkflowId(jobId)).executeUpdate(retryUpdate, { args: [request] });
          }),
        ),
      );
    },
    cancel: (jobIds, request = {}) =>
      Promise.all(
        jobIds.map((jobId) =>
          one(jobId, async () => {
            await readDeadJob(jobId);
            return client.workflow.getHandle(jobWorkflowId(jobId)).executeUpdate(cancelUpdate, { args: [request] });
          }),
        ),
      ),
    retryAll: (filter, opts = {}) => bulk('retry', filter, opts),
    cancelAll: (filter, opts = {}) => bulk('cancel', filter, opts),
    operation: (operationId) => bulkOperationHandle(client, taskQueue, operationId),
    stats,
    async groups() {
      // Every group, not only the largest the published counters carry.
      const { groups } = await queryStats();
      return groups.filter((g) => g.deadNow > 0).sort((a, b) => b.deadNow - a.deadNow);
    },
    export: (filter = {}) => exportRecords(filter),
    check: (opts = {}) => {
      checkOptionKeys(opts, ['waitMs', 'pollMs'], 'check');
      return checkTaskQueue({ client, taskQueue, listDead: () => all(), stats }, opts);
    },
    listJobs: async (filter = {}, options = {}) => {
      checkOptionKeys(filter, jobFilterKeys, 'filter');
      checkOptionKeys(options, ['limit', 'pageToken'], 'list');
      return listJobs(client, taskQueue, filter, options.limit ?? 50, options.pageToken);
    },
    jobStats: async (filter = {}) => {
      checkOptionKeys(filter, jobStatsFilterKeys, 'jobStats filter');
      return jobStats(client, taskQueue, filter);
    },
    ...createBreakerAdmin(client, taskQueue, registry),
  };
}
