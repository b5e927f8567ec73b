/** Every workflow a rebound worker runs. */
export { jobWorkflow } from './job';
