/**
 * The operator API: list, inspect, retry and cancel dead jobs, one by one or in bulk; counters,
 * failure groups and export; alerting of a task queue's dead-letter queue.
 */
export { createAdmin } from './create-admin';
export { deadJobQuery, deadJobSummary, jobFilterQuery, jobsQuery, statusCondition } from './visibility';
export { jobSummary } from './job-list';
export { maxStatsTypes } from './job-stats';
export { alertConfigProblem, alertEnvVars, alertsFromEnv, configureAlerts } from './alerts';
export { signalDeadLetterQueue } from './dead-letter-queue';
export { combineProgress, maxJobsPerPart } from './bulk-operation';
export { defaultActor, payloadChanges, readAuditLog, recordAudit, type AuditEntryInput } from './audit';
export type {
  AdminOptions,
  BreakerOverrideOptions,
  BulkOperation,
  BulkOptions,
  BulkSelection,
  CheckDifference,
  CheckOptions,
  CheckReport,
  DeadCounts,
  DeadJobFilter,
  DeadJobPage,
  DeadJobSummary,
  DeadLetterAdmin,
  AuditFilter,
  DeleteAllOptions,
  DeleteSelection,
  JobActionOptions,
  JobActionResult,
  JobCounts,
  JobFilter,
  JobOperationResult,
  JobPage,
  JobStats,
  JobStatsFilter,
  JobStatusCounts,
  JobSummary,
  ListOptions,
  RetryRequestOptions,
  WatchOptions,
} from './types';
