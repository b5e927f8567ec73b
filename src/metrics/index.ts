/**
 * Prometheus metrics of workers: rebound's own (jobs, attempts, failures, durations, dead jobs)
 * and the Temporal SDK's, served together on one endpoint.
 */
export { installSdkMetrics, metricsAddressEnvVar, metricsFromEnv, openMetricsEndpoint, parseAddress, type MetricsEndpoint, type MetricsOptions } from './endpoint';
export { registerJobMetrics, type AttemptOutcome, type DeadJobsReader, type JobMetrics, type JobMetricSet } from './job-metrics';
export { startWorkerMetrics, type WorkerMetrics, type WorkerMetricsOptions } from './worker-metrics';
export { registerOutboxMetrics, type OutboxMetricsSource } from './outbox-metrics';
