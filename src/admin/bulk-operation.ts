/**
 * Bulk retries and cancels as durable operations: start one, in parts when its selection is too
 * large for one workflow's input, and follow or control it by its operation id.
 */
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { askWorker } from '../client';
import {
  abortSignal,
  bulkOperationWorkflowType,
  bulkPartWorkflowId,
  bulkProgressQuery,
  pauseSignal,
  resumeSignal,
  type BulkOperationInput,
  type BulkProgress,
} from '../contract';
import { OperationNotFoundError } from '../errors';
import { checkOptionKeys } from '../jobs';
import { recordAudit } from './audit';
import type { BulkOperation, JobActionOptions, WatchOptions } from './types';

/**
 * Jobs one part of an operation carries, at most. A part's input, and what it carries into each
 * continue-as-new, must stay under Temporal's 2 MB payload limit: 5,000 jobs with ids of 200
 * characters (the longest a job id may be) weigh about 1.1 MB.
 */
export const maxJobsPerPart = 5_000;

/** The asked and achieved rate of an operation whose parts ran one after another. */
function rateOf(parts: BulkProgress[]): Pick<BulkProgress, 'rate' | 'achievedRate' | 'activeMs' | 'rateOutOfReach'> {
  const rate = parts[0].rate;
  if (rate === undefined) return {};
  const activeMs = parts.reduce((n, p) => n + (p.activeMs ?? 0), 0);
  const handled = parts.reduce((n, p) => n + p.done + p.skipped + p.failed, 0);
  return {
    rate,
    activeMs,
    achievedRate: activeMs > 0 ? Math.round((handled / activeMs) * 100_000) / 100 : 0,
    ...(parts.some((p) => p.rateOutOfReach) ? { rateOutOfReach: true } : {}),
  };
}

/** The progress of an operation, from the progress of each of its parts. */
export function combineProgress(parts: BulkProgress[]): BulkProgress {
  const [first] = parts;
  const final = (p: BulkProgress) => p.state === 'Completed' || p.state === 'Aborted';
  const sum = (key: 'matched' | 'done' | 'skipped' | 'failed' | 'remaining') => parts.reduce((n, p) => n + p[key], 0);
  const state: BulkProgress['state'] = parts.every(final)
    ? parts.some((p) => p.state === 'Aborted')
      ? 'Aborted'
      : 'Completed'
    : parts.some((p) => p.state === 'Paused')
      ? 'Paused'
      : 'Running';
  return {
    operationId: first.operationId,
    kind: first.kind,
    state,
    matched: sum('matched'),
    done: sum('done'),
    skipped: sum('skipped'),
    failed: sum('failed'),
    remaining: sum('remaining'),
    errors: parts.flatMap((p) => p.errors).slice(-20),
    ...rateOf(parts),
  };
}

/**
 * Starts an operation over `jobs`, in parts of at most `jobsPerPart`. Parts are started last to
 * first, each waiting for the one before it: if starting stops half-way, the first part never
 * starts, and the parts already started give up without touching a job.
 */
export async function startBulkOperation(
  client: Client,
  taskQueue: string,
  base: Omit<BulkOperationInput, 'jobs' | 'part' | 'carried'>,
  jobs: BulkOperationInput['jobs'],
  jobsPerPart = maxJobsPerPart,
): Promise<BulkOperation> {
  const parts: BulkOperationInput['jobs'][] = [];
  for (let i = 0; i < jobs.length; i += jobsPerPart) parts.push(jobs.slice(i, i + jobsPerPart));
  for (let index = parts.length - 1; index >= 0; index--) {
    const part = parts.length === 1 ? undefined : { index, of: parts.length, afterWorkflowId: index > 0 ? bulkPartWorkflowId(base.operationId, index - 1) : undefined };
    const input: BulkOperationInput = { ...base, jobs: parts[index], ...(part ? { part } : {}) };
    await client.workflow.start(bulkOperationWorkflowType, {
      workflowId: bulkPartWorkflowId(base.operationId, index),
      taskQueue,
      args: [input],
      staticSummary: `${base.kind} ${jobs.length} dead job(s) at ${base.rate}/s${part ? ` (part ${index + 1} of ${parts.length})` : ''}`,
    });
  }
  return bulkOperationHandle(client, taskQueue, base.operationId, { matched: jobs.length, parts: parts.length, actor: base.actor });
}

/** Parts an operation may have, at most: 5 million jobs. Bounds the count of its parts. */
const maxParts = 1_000;

/** What a handle to an operation knows of it, when it started it; and who controls it by default. */
export interface BulkHandleOptions {
  /** Jobs selected. @defaultValue 0 (not known) */
  matched?: number;
  /** Its parts. @defaultValue counted from the server */
  parts?: number;
  /** Who pauses, resumes or aborts it, for the audit log, when the call does not say. @defaultValue the OS user */
  actor?: string;
}

const controls = { pause: [pauseSignal, 'bulkPause'], resume: [resumeSignal, 'bulkResume'], abort: [abortSignal, 'bulkAbort'] } as const;

/**
 * A handle to operation `operationId`, run by the workers of `taskQueue`; `parts`, when not given,
 * is counted from the server (no worker needed, so pause, resume and abort reach an operation
 * while none runs).
 */
export function bulkOperationHandle(client: Client, taskQueue: string, operationId: string, { matched = 0, parts, actor }: BulkHandleOptions = {}): BulkOperation {
  const first = client.workflow.getHandle(bulkPartWorkflowId(operationId));
  const known = <T>(call: Promise<T>): Promise<T> =>
    call.catch((err: unknown) => {
      throw err instanceof WorkflowNotFoundError ? new OperationNotFoundError(operationId) : err;
    });
  /** Parts are started last to first: when the first exists, every part exists, and the first missing index ends them. */
  const countParts = async () => {
    await known(first.describe());
    let count = 1;
    while (count < maxParts) {
      try {
        await client.workflow.getHandle(bulkPartWorkflowId(operationId, count)).describe();
        count++;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) break;
        throw err;
      }
    }
    return count;
  };
  let cached: Promise<(typeof first)[]> | undefined;
  const partHandles = () =>
    (cached ??= (async () => {
      const count = parts ?? (await countParts());
      return Array.from({ length: count }, (_, i) => client.workflow.getHandle(bulkPartWorkflowId(operationId, i)));
    })().catch((err: unknown) => {
      // Not kept: the operation may be there on the next call.
      cached = undefined;
      throw err;
    }));
  /**
   * Signals every part still running (a part that has finished has nothing left to pause or
   * abort); returns how many it reached.
   */
  const each = async (fn: (h: typeof first) => Promise<unknown>): Promise<number> => {
    const handles = await partHandles();
    const reached = await Promise.all(
      handles.map((h) =>
        fn(h).then(
          () => true,
          (err: unknown) => {
            if (!(err instanceof WorkflowNotFoundError)) throw err;
            return false;
          },
        ),
      ),
    );
    return reached.filter(Boolean).length;
  };
  /** Pauses, resumes or aborts every part still running, and records it in the audit log when one was. */
  const control = (name: keyof typeof controls) => async (options: JobActionOptions = {}) => {
    checkOptionKeys(options, ['reason', 'actor'], name);
    const [signal, action] = controls[name];
    if ((await each((h) => h.signal(signal))) === 0) return;
    await recordAudit(client, taskQueue, [{ action, operationId, actor: options.actor?.trim() || actor, ...(options.reason !== undefined ? { reason: options.reason } : {}) }]);
  };
  const progress = async () => {
    const handles = await partHandles();
    return askWorker(client, taskQueue, {
      what: `the progress of bulk operation ${operationId}`,
      ask: async () => combineProgress(await Promise.all(handles.map((h) => known(h.query(bulkProgressQuery))))),
      // A finished operation's result says it all, and needs no worker.
      whenNoWorker: async () => {
        const described = await Promise.all(handles.map((h) => known(h.describe())));
        if (!described.every((d) => d.status.name === 'COMPLETED')) return undefined;
        return combineProgress(await Promise.all(handles.map((h) => h.result() as Promise<BulkProgress>)));
      },
    });
  };
  const finished = async () => {
    const results: BulkProgress[] = [];
    for (const h of await partHandles()) results.push((await known(h.result())) as BulkProgress);
    return combineProgress(results);
  };
  return {
    operationId,
    workflowId: first.workflowId,
    matched,
    progress,
    pause: control('pause'),
    resume: control('resume'),
    abort: control('abort'),
    result: async ({ onProgress, everyMs = 500 }: WatchOptions = {}) => {
      const done = finished();
      if (!onProgress) return done;
      let settled = false;
      done.then(
        () => (settled = true),
        () => (settled = true),
      );
      while (!settled) {
        await Promise.race([done, new Promise((r) => setTimeout(r, everyMs))]);
        if (settled) break;
        try {
          const now = await client.connection.withDeadline(Date.now() + everyMs * 4, progress);
          if (!settled) onProgress(now);
        } catch {
          // Progress is a courtesy; the result below is what counts.
        }
      }
      return done;
    },
  };
}
