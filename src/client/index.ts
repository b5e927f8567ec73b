/**
 * The application API: submit jobs, follow them, read their records and results.
 */
export { createJobClient } from './job-client';
export { readJob, indexedJob, isClosedFromOutside, statusOnceClosed, type ExecutionFacts, type IndexedJob } from './read-job';
export { askWorker, workerAnswerTimeoutMs, workflowPollersListed, type AskWorkerOptions } from './worker-presence';
export { pendingAttemptOf, type PauseInfo, type PendingAttempt } from './pending-attempt';
export type { JobClient, JobClientOptions, JobHandle, JobRecord, SubmitOptions } from './types';
