/**
 * Every activity rebound's workers run, made from their dependencies.
 */
import { createRunJob, type RunJobDeps } from './run-job';

export type ActivityDeps = RunJobDeps;

/** Makes the activities of a worker. */
export function createActivities(deps: ActivityDeps) {
  return {
    runJob: createRunJob(deps),
  };
}

/** The activities, as workflows see their types. */
export type Activities = ReturnType<typeof createActivities>;
