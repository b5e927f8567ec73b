/**
 * rebound's public API: define job types, submit and follow jobs, run workers, operate dead
 * jobs. The embedded dev server and the demo are in `rebound/dev`; the example job types in
 * `rebound/examples`.
 */
export { defineJob, isJobDefinition, JobRegistry, type JobContext, type JobDefinition, type JobTypeOptions } from './jobs';
export { createJobClient, readJob, type PauseInfo, type JobClient, type JobClientOptions, type JobHandle, type JobRecord, type SubmitOptions } from './client';
export { createWorker, loadJobModule, type CreateWorkerOptions, type LoadedJobModule } from './worker';
export {
  alertConfigProblem,
  alertEnvVars,
  alertsFromEnv,
  configureAlerts,
  createAdmin,
  deadJobQuery,
  defaultActor,
  payloadChanges,
  recordAudit,
  type AdminOptions,
  type AuditEntryInput,
  type AuditFilter,
  type DeleteAllOptions,
  type DeleteSelection,
  type JobActionOptions,
  type JobActionResult,
  type BulkOperation,
  type BulkOptions,
  type BulkSelection,
  type DeadJobFilter,
  type DeadJobPage,
  type DeadJobSummary,
  type DeadLetterAdmin,
  type JobOperationResult,
  type ListOptions,
  type RetryRequestOptions,
  type WatchOptions,
} from './admin';
export { connectClient, connectWorker, loadConfig, type ConfigOverrides, type ReboundConfig } from './config';
export { createLogger, type Logger, type LoggerOptions } from './logger';
export {
  codecEnvVars,
  createCodecHandler,
  createEncryptionCodec,
  dataConverterFromEnv,
  encryptedDataConverter,
  keysFromEnv,
  serveCodec,
  type CodecServer,
  type CodecServerOptions,
  type EncryptionCodec,
  type EncryptionKeys,
  type ServeCodecOptions,
} from './codec';
export { installSdkMetrics, type MetricsOptions } from './metrics';
export * from './errors';
export {
  JobStatus,
  attemptHistoryLimit,
  cancelSignal,
  cancelUpdate,
  defaultRetryPolicy,
  defaultTaskQueue,
  finalStatuses,
  jobWorkflowId,
  jobWorkflowType,
  retrySignal,
  retryUpdate,
  searchAttributes,
  stateQuery,
  type AlertConfig,
  type AlertThresholds,
  type AuditAction,
  type AuditEntry,
  type Attribution,
  type OperatorNote,
  type PayloadChange,
  type AttemptRecord,
  type BulkProgress,
  type CancelRequest,
  type DeadLetterCounters,
  type DeadLetterStats,
  type FailureGroup,
  type JitterOptions,
  type JobOutcome,
  type JobState,
  type Notification,
  type ResolvedRetryPolicy,
  type RetryOptions,
  type RetryRequest,
  type TimelineEvent,
} from './contract';
