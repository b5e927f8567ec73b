/**
 * The application API: submit jobs, follow them, read their records and results.
 */
export { createJobClient } from './job-client';
export { readJob, indexedJob, deadRecordOf, isClosedFromOutside, statusOnceClosed, type ExecutionFacts, type IndexedJob } from './read-job';
export { askWorker, workerAnswerTimeoutMs, workflowPollersListed, type AskWorkerOptions } from './worker-presence';
export type { JobClient, JobClientOptions, JobHandle, JobRecord, SubmitOptions } from './types';
