/**
 * Jobs in any status, listed from visibility with the same filters and paging as dead jobs.
 */
import type { Client } from '@temporalio/client';
import { indexedJob } from '../client';
import { jobIdOfWorkflowId } from '../contract';
import type { JobFilter, JobPage, JobSummary } from './types';
import { jobFilterQuery, listExecutions, type ListedExecution } from './visibility';

/** A job's summary, from its listing. */
export function jobSummary(info: ListedExecution): JobSummary {
  const job = indexedJob(info, jobIdOfWorkflowId(info.workflowId));
  return {
    jobId: job.jobId,
    workflowId: job.workflowId,
    type: job.type,
    status: job.status,
    // Recorded when the job succeeds or dead-letters: 0 before that means "not recorded yet".
    attempts: job.totalAttempts > 0 ? job.totalAttempts : null,
    errorType: job.errorType ?? null,
    submittedAt: info.startTime ?? null,
    closedAt: info.closeTime ?? null,
    runAt: job.runAt ?? null,
    deadLetteredAt: job.deadLetteredAt ?? null,
    tags: job.tags,
  };
}

/** One page of the jobs of `taskQueue` matching `filter`. */
export async function listJobs(client: Client, taskQueue: string, filter: JobFilter, limit: number, pageToken?: string | null): Promise<JobPage> {
  const page = await listExecutions(client, jobFilterQuery(taskQueue, filter), limit, pageToken);
  return { items: page.items.map(jobSummary), nextPageToken: page.nextPageToken };
}
