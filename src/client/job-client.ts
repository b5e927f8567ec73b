/**
 * The application client: submit jobs, follow them, read their results.
 */
import { randomUUID } from 'node:crypto';
import { WorkflowExecutionAlreadyStartedError, type Client } from '@temporalio/client';
import type { Priority } from '@temporalio/common';
import { JobStatus, defaultTaskQueue, jobWorkflowId, jobWorkflowType, searchAttributes as sa, type JobInput } from '../contract';
import { InvalidOptionsError, JobFailedError } from '../errors';
import { JobRegistry, checkOptionKeys, resolveRetryPolicy, validatePayload } from '../jobs';
import { readJob } from './read-job';
import type { JobClient, JobClientOptions, JobHandle, JobRecord, SubmitOptions } from './types';

/** Statuses at which {@link JobHandle.settled} returns. */
const settledStatuses: readonly JobStatus[] = [JobStatus.Succeeded, JobStatus.DeadLettered, JobStatus.Cancelled, JobStatus.Expired];

const submitOptionKeys: readonly (keyof SubmitOptions)[] = ['jobId', 'retry', 'priority'];

function makeHandle(client: Client, jobId: string, runId: string | undefined, created: boolean): JobHandle {
  const status = () => readJob(client, jobId);
  const settled = async ({ pollMs = 100 } = {}): Promise<JobRecord> => {
    for (let wait = pollMs; ; wait = Math.min(wait * 2, 1_000)) {
      const record = await status();
      if (settledStatuses.includes(record.status)) return record;
      await new Promise((resolve) => setTimeout(resolve, wait));
    }
  };
  return {
    jobId,
    workflowId: jobWorkflowId(jobId),
    runId,
    created,
    status,
    settled,
    async result<R>() {
      const record = await settled();
      if (record.status !== JobStatus.Succeeded) {
        const { status: s, attempts, errorType, message } = record;
        throw new JobFailedError({ jobId, status: s, attempts, errorType, message });
      }
      return record.result as R;
    },
  };
}

/** Creates the client application code submits jobs with. */
export function createJobClient(options: JobClientOptions): JobClient {
  const { client } = options;
  const registry = options.jobs instanceof JobRegistry ? options.jobs : new JobRegistry(options.jobs);
  const taskQueue = options.taskQueue ?? defaultTaskQueue;

  async function submit(type: string, payload: unknown = {}, opts: SubmitOptions = {}): Promise<JobHandle> {
    const def = registry.get(type);
    checkOptionKeys(opts, submitOptionKeys, 'submit');
    await validatePayload(def, payload);
    const retry = resolveRetryPolicy(def.retry, opts.retry);
    const jobId = opts.jobId ?? randomUUID();
    if (typeof jobId !== 'string' || jobId.trim() === '' || jobId.length > 200) {
      throw new InvalidOptionsError(`jobId must be a non-empty string of at most 200 characters, got ${JSON.stringify(jobId)}`);
    }
    if (opts.priority !== undefined && !(Number.isInteger(opts.priority) && opts.priority >= 1)) {
      throw new InvalidOptionsError(`priority must be a whole number of at least 1, got ${JSON.stringify(opts.priority)}`);
    }
    const input: JobInput = { jobId, type, payload, retry, timeouts: def.timeouts, retentionMs: def.retentionMs, expiryWarningMs: def.expiryWarningMs };
    try {
      const handle = await client.workflow.start(jobWorkflowType, {
        workflowId: jobWorkflowId(jobId),
        taskQueue,
        args: [input],
        workflowIdReusePolicy: 'REJECT_DUPLICATE',
        typedSearchAttributes: [
          { key: sa.jobType, value: type },
          { key: sa.jobStatus, value: JobStatus.Running },
        ],
        staticSummary: `${type} ${jobId}`,
        ...(opts.priority === undefined ? {} : { priority: { priorityKey: opts.priority } satisfies Priority }),
      });
      return makeHandle(client, jobId, handle.firstExecutionRunId, true);
    } catch (err) {
      if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
      const existing = await client.workflow.getHandle(jobWorkflowId(jobId)).describe();
      const existingType = existing.typedSearchAttributes.get(sa.jobType);
      if (existingType !== undefined && existingType !== type) {
        throw new InvalidOptionsError(`jobId "${jobId}" is taken by a job of type "${existingType}", not "${type}"`);
      }
      return makeHandle(client, jobId, undefined, false);
    }
  }

  return {
    registry,
    submit,
    getHandle: (jobId) => makeHandle(client, jobId, undefined, true),
    status: (jobId) => readJob(client, jobId),
  };
}
