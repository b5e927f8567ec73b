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
import { defaultActor, payloadChanges, readAuditLog, recordAudit } from './audit';
import { checkTaskQueue } from './check';
import { deleteJob, deletionsInFlight } from './delete';
import { actOnAttempt, cancelJob } from './job-actions';
import { listJobs } from './job-list';
import { jobStats } from './job-stats';
import type {
  AdminOptions,
  BulkOptions,
  BulkSelection,
  DeadJobFilter,
  DeadJobSummary,
  DeadLetterAdmin,
  DeleteAllOptions,
  DeleteSelection,
  JobActionOptions,
  JobFilter,
  JobOperationResult,
  JobStatsFilter,
  RetryRequestOptions,
} from './types';
import { listDeadJobRecords, listDeadJobs } from './visibility';

/** A policy any valid change can apply to, to check bulk changes before the jobs' own policies are known. */
const anyPolicy = { ...defaultRetryPolicy, initialIntervalMs: 1, maximumIntervalMs: Number.MAX_SAFE_INTEGER };

const filterKeys: readonly (keyof DeadJobFilter)[] = ['type', 'errorType', 'group', 'since', 'until', 'tags'];
const jobFilterKeys: readonly (keyof JobFilter)[] = ['type', 'status', 'errorType', 'since', 'until', 'tags'];
const jobStatsFilterKeys: readonly (keyof JobStatsFilter)[] = ['type', 'since', 'until', 'tags'];
const bulkOptionKeys: readonly (keyof BulkOptions)[] = ['dryRun', 'rate', 'retryPolicy', 'reason', 'actor', 'jobsPerPart'];
const retryRequestKeys: readonly (keyof RetryRequestOptions)[] = ['payload', 'retryPolicy', 'reason', 'actor'];
const actionKeys: readonly (keyof JobActionOptions)[] = ['reason', 'actor'];
const deleteAllKeys: readonly (keyof DeleteAllOptions)[] = ['reason', 'actor', 'dryRun'];

/** A filter as the audit log keeps it: its fields, times as ISO, tags as `key=value` lists. */
function filterDocument(filter: DeadJobFilter): Record<string, string> {
  return Object.fromEntries(
    Object.entries(filter)
      .filter(([, v]) => v !== undefined)
      .map(([k, v]) => [k, v instanceof Date ? v.toISOString() : typeof v === 'object' && v !== null ? Object.entries(v).map(([tk, tv]) => `${tk}=${String(tv)}`).join(',') : String(v)]),
  );
}

/**
 * Dead jobs an export lists at once, each with its whole record: a record's memo is 512 KB at
 * most, so a page stays under the 128 MB answer a client rebound connects takes (a client that
 * takes less gets the page in halves).
 */
const exportPageSize = 200;

/**
 * The pages of a listing, one after another; each next page is asked for as soon as the one
 * before arrives, so the server reads it while the caller goes through the one before.
 */
async function* lookahead<T>(page: (token: string | null) => Promise<{ items: T[]; nextPageToken: string | null }>): AsyncGenerator<T[]> {
  let next = page(null);
  for (;;) {
    const current = await next;
    if (current.nextPageToken) {
      next = page(current.nextPageToken);
      // Left unawaited when the caller stops early.
      next.catch(() => undefined);
    }
    yield current.items;
    if (!current.nextPageToken) return;
  }
}

/** Creates the dead-letter admin API over a Temporal client. */
export function createAdmin(options: AdminOptions): DeadLetterAdmin {
  const { client } = options;
  const taskQueue = options.taskQueue ?? defaultTaskQueue;
  const registry = options.jobs === undefined ? undefined : options.jobs instanceof JobRegistry ? options.jobs : new JobRegistry(options.jobs);
  const adminActor = options.actor?.trim() || defaultActor();
  const actorOf = (given?: { actor?: string }) => given?.actor?.trim() || adminActor;

  async function* all(filter: DeadJobFilter = {}): AsyncGenerator<DeadJobSummary> {
    for await (const items of lookahead((token) => listDeadJobs(client, taskQueue, filter, 1_000, token))) yield* items;
  }

  /** The record of a dead job whose worker answers: an update sent to it would wait for one forever. */
  async function readDeadJob(jobId: string): Promise<JobRecord> {
    const record = await readJob(client, jobId);
    if (record.status !== JobStatus.DeadLettered) throw new JobNotDeadError(jobId, record.status);
    if (record.indexedOnly) throw new WorkerUnavailableError(jobId, taskQueue);
    return record;
  }

  async function checkRetryInput(jobId: string, request: RetryRequestOptions): Promise<JobRecord> {
    const record = await readDeadJob(jobId);
    if (request.payload !== undefined && registry) await validatePayload(registry.get(record.type), request.payload);
    if (request.retryPolicy) resolveRetryPolicy(record.retry, request.retryPolicy);
    return record;
  }

  /** Retries one dead job, noting who asked, why and (for an edited payload) which paths changed, in its timeline and the audit log. */
  async function retryOne(jobId: string, request: RetryRequestOptions): Promise<{ status: string }> {
    const record = await checkRetryInput(jobId, request);
    const actor = actorOf(request);
    const changes = request.payload === undefined ? undefined : payloadChanges(record.payload, request.payload);
    const after = await client.workflow.getHandle(jobWorkflowId(jobId)).executeUpdate(retryUpdate, { args: [{ ...request, actor, ...(changes ? { changes } : {}) }] });
    await recordAudit(client, taskQueue, [
      { actor, action: changes ? 'editAndRetry' : 'retry', jobId, type: record.type, errorType: record.errorType, reason: request.reason, ...(changes ? { changes } : {}) },
    ]);
    return after;
  }

  async function cancelOne(jobId: string, request: JobActionOptions): Promise<{ status: string }> {
    const record = await readDeadJob(jobId);
    const actor = actorOf(request);
    const after = await client.workflow.getHandle(jobWorkflowId(jobId)).executeUpdate(cancelUpdate, { args: [{ reason: request.reason, actor }] });
    await recordAudit(client, taskQueue, [{ actor, action: 'cancel', jobId, type: record.type, errorType: record.errorType, reason: request.reason }]);
    return after;
  }

  /** Deletes the selection a few at a time; the dead-letter queue records each deletion. */
  async function deleteAll(filter: DeadJobFilter, opts: DeleteAllOptions): Promise<DeleteSelection> {
    checkOptionKeys(filter, filterKeys, 'filter');
    checkOptionKeys(opts, deleteAllKeys, 'deleteAll');
    const ids: string[] = [];
    let until: string | null = null;
    for await (const item of all(filter)) {
      ids.push(item.jobId);
      if (until === null || item.deadLetteredAt > until) until = item.deadLetteredAt;
    }
    if (opts.dryRun || ids.length === 0) return { matched: ids.length, ids, until, done: 0, failed: [] };
    const actor = actorOf(opts);
    await recordAudit(client, taskQueue, [{ actor, action: 'bulkDelete', reason: opts.reason, filter: filterDocument(filter), matched: ids.length }]);
    const results: JobOperationResult[] = [];
    const queue = [...ids];
    await Promise.all(
      Array.from({ length: Math.min(deletionsInFlight, queue.length) }, async () => {
        for (let jobId = queue.shift(); jobId !== undefined; jobId = queue.shift()) {
          const id = jobId;
          results.push(await one(id, () => deleteJob(client, taskQueue, id, { actor, reason: opts.reason })));
        }
      }),
    );
    return { matched: ids.length, ids, until, done: results.filter((r) => r.ok).length, failed: results.filter((r) => !r.ok) };
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
    const actor = actorOf(opts);
    const base = { operationId: randomUUID(), kind, rate, retryPolicy: opts.retryPolicy, reason: opts.reason, actor };
    const operation = await startBulkOperation(client, taskQueue, base, jobs, jobsPerPart);
    await recordAudit(client, taskQueue, [
      { actor, action: kind === 'retry' ? 'bulkRetry' : 'bulkCancel', reason: opts.reason, filter: filterDocument(filter), matched: jobs.length, operationId: base.operationId },
    ]);
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
    for await (const items of lookahead((token) => listDeadJobRecords(client, taskQueue, filter, exportPageSize, token))) {
      for (const { summary, record } of items) {
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
    }
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
      return Promise.all(jobIds.map((jobId) => one(jobId, () => retryOne(jobId, request))));
    },
    cancel: (jobIds, request = {}) => {
      checkOptionKeys(request, actionKeys, 'cancel');
      return Promise.all(jobIds.map((jobId) => one(jobId, () => cancelOne(jobId, request))));
    },
    delete: (jobIds, opts = {}) => {
      checkOptionKeys(opts, actionKeys, 'delete');
      return Promise.all(jobIds.map((jobId) => one(jobId, () => deleteJob(client, taskQueue, jobId, { actor: actorOf(opts), reason: opts.reason }))));
    },
    deleteAll: (filter, opts = {}) => deleteAll(filter, opts),
    retryNow: (jobId, opts = {}) => {
      checkOptionKeys(opts, actionKeys, 'retryNow');
      return actOnAttempt(client, 'retryNow', jobId, { ...opts, actor: actorOf(opts) });
    },
    pause: (jobId, opts = {}) => {
      checkOptionKeys(opts, actionKeys, 'pause');
      return actOnAttempt(client, 'pause', jobId, { ...opts, actor: actorOf(opts) });
    },
    resume: (jobId, opts = {}) => {
      checkOptionKeys(opts, actionKeys, 'resume');
      return actOnAttempt(client, 'resume', jobId, { ...opts, actor: actorOf(opts) });
    },
    cancelJob: (jobId, opts = {}) => {
      checkOptionKeys(opts, actionKeys, 'cancelJob');
      return cancelJob(client, jobId, { ...opts, actor: actorOf(opts) });
    },
    audit: (filter = {}) => {
      checkOptionKeys(filter, ['jobId', 'since'], 'audit');
      return readAuditLog(client, taskQueue, filter);
    },
    retryAll: (filter, opts = {}) => bulk('retry', filter, opts),
    cancelAll: (filter, opts = {}) => bulk('cancel', filter, opts),
    operation: (operationId) => bulkOperationHandle(client, taskQueue, operationId, { actor: adminActor }),
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
