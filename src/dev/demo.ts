/**
 * The demo `rebound dev --demo` runs: a handful of example jobs that succeed at once, succeed
 * after retries, or dead-letter; then a summary and how to operate the dead ones.
 */
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { createJobClient, type JobRecord } from '../client';
import { JobStatus } from '../contract';
import type { JobDefinition } from '../jobs';
import { exampleJobModule } from './dev';

/** Options of {@link runDemo}. */
export interface DemoOptions {
  client: Client;
  /** The example job types (the demo submits `example.send-email` and `example.resize-image` jobs). */
  jobs: JobDefinition<any, any>[];
  /** Renders the summary table. */
  renderTable(head: string[], rows: unknown[][]): string;
  /** Where a worker with the example job types runs. @defaultValue `rebound` */
  taskQueue?: string;
  /** Shown in the commands the demo suggests. @defaultValue `127.0.0.1:7233` */
  address?: string;
  /** @defaultValue `default` */
  namespace?: string;
  /** The Web UI's base URL, e.g. `http://127.0.0.1:8233`; left out of the summary when absent. */
  uiUrl?: string;
  /** Receives the demo's output, a line or a block at a time. */
  print(text: string): void;
  /** How the user runs the rebound CLI, in the commands the demo suggests. @defaultValue `rebound` */
  command?: string;
  /** Stops waiting for the jobs (they keep running on the server). */
  signal?: AbortSignal;
}

/** One demo job, once it settled. */
export interface DemoJob {
  jobId: string;
  workflowId: string;
  type: string;
  /** What the job was meant to show. */
  scenario: string;
  status: JobStatus;
  attempts: number;
  errorType?: string;
  message?: string;
}

/** What the demo did. */
export interface DemoSummary {
  jobs: DemoJob[];
  succeeded: number;
  deadLettered: number;
  /** The Web UI's list of workflows, when the UI runs. */
  workflowsUrl?: string;
}

interface Scenario {
  name: string;
  type: string;
  payload: Record<string, unknown>;
  scenario: string;
}

const scenarios: Scenario[] = [
  { name: 'email-ok', type: 'example.send-email', payload: { to: 'ada@example.com' }, scenario: 'succeeds at once' },
  { name: 'image-ok', type: 'example.resize-image', payload: { image: 'cat.png', width: 640 }, scenario: 'succeeds at once' },
  { name: 'email-flaky', type: 'example.send-email', payload: { to: 'grace@example.com', failTimes: 1 }, scenario: 'fails once, then succeeds' },
  { name: 'image-flaky', type: 'example.resize-image', payload: { image: 'dog.png', failTimes: 2 }, scenario: 'fails twice, then succeeds' },
  { name: 'email-dead', type: 'example.send-email', payload: { to: 'nobody@example.com', failTimes: 10 }, scenario: 'fails every attempt: dead-lettered' },
  { name: 'image-invalid', type: 'example.resize-image', payload: { image: 'corrupt.png', permanent: true }, scenario: 'permanent error: dead-lettered at once' },
];

const defaultAddress = '127.0.0.1:7233';

function aborted(signal: AbortSignal | undefined): Promise<never> {
  return new Promise((_resolve, reject) => {
    if (signal?.aborted) reject(signal.reason);
    signal?.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}

/** The last error a job met: the dead-letter cause, or the last failed attempt of a job that then succeeded. */
function lastError(record: JobRecord): string {
  if (record.errorType) return `${record.errorType}: ${record.message ?? ''}`;
  const failed = [...record.attemptHistory].reverse().find((a) => a.outcome !== 'Succeeded' && a.errorType);
  return failed ? `${failed.errorType}: ${failed.message ?? ''}` : '-';
}

const cut = (text: string, max: number) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/** Submits the demo jobs, waits until each has settled, and prints a summary with the next steps. */
export async function runDemo(options: DemoOptions): Promise<DemoSummary> {
  const { client, print, signal } = options;
  const address = options.address ?? defaultAddress;
  const namespace = options.namespace ?? 'default';
  const jobs = createJobClient({ client, jobs: options.jobs, taskQueue: options.taskQueue });
  const run = randomUUID().slice(0, 6);

  print(`Demo: submitting ${scenarios.length} example jobs (ids demo-${run}-*); dead-lettering takes a few seconds of backoff...`);
  const submitted = await Promise.all(
    scenarios.map(async (s) => ({ s, handle: await jobs.submit(s.type, s.payload, { jobId: `demo-${run}-${s.name}` }) })),
  );
  const width = Math.max(...submitted.map(({ handle }) => handle.jobId.length));
  const settle = submitted.map(async ({ s, handle }) => {
    const record = await handle.settled();
    const attempts = `${record.attempts} attempt${record.attempts === 1 ? '' : 's'}`;
    print(`  ${record.status.padEnd(12)} ${handle.jobId.padEnd(width)}  after ${attempts.padEnd(10)} (${s.scenario})`);
    return record;
  });
  const records = await Promise.race([Promise.all(settle), aborted(signal)]);

  const demoJobs: DemoJob[] = submitted.map(({ s, handle }, i) => {
    const r = records[i];
    return {
      jobId: handle.jobId,
      workflowId: handle.workflowId,
      type: s.type,
      scenario: s.scenario,
      status: r.status,
      attempts: r.attempts,
      errorType: r.errorType,
      message: r.message,
    };
  });
  print('');
  print(
    options.renderTable(
      ['Job id', 'Type', 'Status', 'Attempts', 'Last error'],
      demoJobs.map((j, i) => [j.jobId, j.type, j.status, j.attempts, cut(lastError(records[i]), 40)]),
    ),
  );

  const dead = demoJobs.filter((j) => j.status === JobStatus.DeadLettered);
  const flags = [address !== defaultAddress ? `--address ${address}` : '', namespace !== 'default' ? `--namespace ${namespace}` : '']
    .filter(Boolean)
    .join(' ');
  const withFlags = (command: string) => (flags ? `${command} ${flags}` : command);
  const workflowsUrl = options.uiUrl ? `${options.uiUrl}/namespaces/${encodeURIComponent(namespace)}/workflows` : undefined;

  if (dead.length > 0) {
    const example = dead[0];
    print('');
    print(`${dead.length} job(s) dead-lettered. A dead job stays parked, with its payload and every attempt's error,`);
    print('until an operator retries or cancels it (or its retention runs out). Try:');
    const rebound = options.command ?? 'rebound';
    print(`  ${withFlags(`${rebound} status ${example.jobId}`)}`);
    print(`  ${withFlags(`${rebound} dlq list`)}`);
    print(`  ${withFlags(`${rebound} dlq retry ${example.jobId} --payload '{}' --jobs ${exampleJobModule}`)}`);
    print("or with Temporal's own CLI, retrying it with a corrected payload:");
    print(`  ${withFlags(`temporal workflow signal --workflow-id ${example.workflowId} --name retry --input '{"payload":{}}'`)}`);
  }
  if (workflowsUrl) {
    print('');
    print(`Web UI: ${workflowsUrl}`);
    print(`  dead jobs only: ${workflowsUrl}?query=${encodeURIComponent(`JobStatus="${JobStatus.DeadLettered}"`)}`);
  }

  return {
    jobs: demoJobs,
    succeeded: demoJobs.filter((j) => j.status === JobStatus.Succeeded).length,
    deadLettered: dead.length,
    workflowsUrl,
  };
}
