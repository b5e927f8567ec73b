/**
 * Names and ids that identify rebound's workflows on the server: workflow types, workflow ids,
 * the default task queue and the search attributes every job carries.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/** The task queue jobs and workers use when none is given. */
export const defaultTaskQueue = 'rebound';

/** The workflow type name of every job. */
export const jobWorkflowType = 'jobWorkflow';

/** The workflow type name of the dead-letter-queue workflow. */
export const deadLetterWorkflowType = 'deadLetterWorkflow';

/** The workflow type name of a bulk retry or cancel. */
export const bulkOperationWorkflowType = 'bulkOperationWorkflow';

/** The name of the activity that runs a job's handler. */
export const runJobActivityName = 'runJob';

/** Search attributes rebound sets on job workflows; the server must know every one of them. */
export const searchAttributes = {
  jobType: defineSearchAttributeKey('JobType', SearchAttributeType.KEYWORD),
  jobStatus: defineSearchAttributeKey('JobStatus', SearchAttributeType.KEYWORD),
  jobErrorType: defineSearchAttributeKey('JobErrorType', SearchAttributeType.KEYWORD),
  jobFailureGroup: defineSearchAttributeKey('JobFailureGroup', SearchAttributeType.KEYWORD),
  deadLetteredAt: defineSearchAttributeKey('DeadLetteredAt', SearchAttributeType.DATETIME),
  jobAttempts: defineSearchAttributeKey('JobAttempts', SearchAttributeType.INT),
  /** The job's tags, one `key=value` each (see `tags.ts`). Set at submit, never changed. */
  jobTags: defineSearchAttributeKey('JobTags', SearchAttributeType.KEYWORD_LIST),
} as const;

/** The workflow id of a job. */
export function jobWorkflowId(jobId: string): string {
  return `job-${jobId}`;
}

/** The job id of a job's workflow id. */
export function jobIdOfWorkflowId(workflowId: string): string {
  return workflowId.replace(/^job-/, '');
}

/** The workflow id of the dead-letter-queue workflow of a task queue. */
export function deadLetterWorkflowId(taskQueue: string): string {
  return `rebound-dlq-${taskQueue}`;
}

/** The workflow id of part `index` of a bulk operation. */
export function bulkPartWorkflowId(operationId: string, index = 0): string {
  return index === 0 ? `rebound-bulk-${operationId}` : `rebound-bulk-${operationId}-part-${index}`;
}
