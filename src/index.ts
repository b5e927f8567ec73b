/**
 * rebound's public API: define job types, submit and follow jobs, run workers, and run the
 * embedded Temporal dev server.
 */
export { defineJob, defaultRetryPolicy, JobRegistry, type Duration, type JobContext, type JobDefinition, type JobTypeOptions, type RetryOptions } from './jobs';
export { createJobClient, readJob, JobFailedError, type JobClient, type JobClientOptions, type JobHandle, type JobRecord, type SubmitOptions } from './client';
export { createWorker, type CreateWorkerOptions } from './worker';
export {
  createAdmin,
  deadJobQuery,
  type BulkOperation,
  type BulkOptions,
  type DeadJobFilter,
  type DeadJobPage,
  type DeadJobSummary,
  type DeadLetterAdmin,
  type JobOperationResult,
} from './admin';
export { alertConfigProblem, alertEnvVars, alertsFromEnv, configureAlerts } from './alerts';
export { connectClient, connectWorker, loadConfig, type ConfigOverrides, type ReboundConfig } from './config';
export { findTemporalBinary, freePort, reboundHome, startDevServer, type DevServer, type DevServerOptions, type TemporalBinary } from './dev-server';
export { startDev, defaultDbFile, type DevHandle, type DevOptions } from './dev';
export { runDemo, type DemoJob, type DemoOptions, type DemoSummary } from './demo';
export { createLogger, type Logger, type LoggerOptions } from './logger';
export * from './errors';
export {
  JobStatus,
  attemptHistoryLimit,
  cancelSignal,
  cancelUpdate,
  finalStatuses,
  jobWorkflowId,
  jobWorkflowType,
  retrySignal,
  retryUpdate,
  searchAttributes,
  stateQuery,
  type AlertConfig,
  type AlertThresholds,
  type AttemptRecord,
  type BulkProgress,
  type DeadLetterCounters,
  type DeadLetterStats,
  type FailureGroup,
  type Notification,
  type CancelRequest,
  type JobOutcome,
  type JobState,
  type RetryPolicy,
  type RetryRequest,
  type TimelineEvent,
} from './shared';
