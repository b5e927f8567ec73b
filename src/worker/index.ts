/**
 * Workers: run job workflows and the job types' handlers on a task queue; load a team's job
 * types from a module.
 */
export { createWorker, workflowBundle, workflowsPath, type CreateWorkerOptions } from './create-worker';
export { loadJobModule, resolveJobModule, type LoadedJobModule } from './job-module';
