/**
 * The application API: submit jobs, follow them, read their records and results.
 */
export { cancelJobWorkflow } from './cancel-workflow';
export { createJobClient } from './job-client';
export { decodePayloads } from './payloads';
export { readJob, indexedJob, deadRecordOf, isClosedFromOutside, statusOnceClosed, type ExecutionFacts, type IndexedJob } from './read-job';
export { askWorker, workerAnswerTimeoutMs, workflowPollersListed, type AskWorkerOptions } from './worker-presence';
export { pendingAttemptOf, type PauseInfo, type PendingAttempt } from './pending-attempt';
export type { JobClient, JobClientOptions, JobClientOutboxStatus, JobHandle, JobRecord, OutboxOptions, SubmitOptions } from './types';
export { forwardOutbox, type OutboxFlushResult } from './outbox-forwarder';
export { openOutboxStore, readOutboxStatus, type FailedOutboxEntry, type OutboxEntry, type OutboxStatus, type OutboxStore } from './outbox-store';
