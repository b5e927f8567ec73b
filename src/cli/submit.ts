/**
 * `rebound submit` and `rebound status`: submit a job of a team's job types, and read a job.
 */
import type { Duration } from '@temporalio/common';
import type { Command } from 'commander';
import { createJobClient, readJob, type JobRecord } from '../client';
import { JobStatus } from '../contract';
import type { CliContext } from './context';
import { uiLinkOf } from './dlq';
import { formatTime, jobDocument, printDeadHints, printJob } from './format';
import { toMs, type JobTags } from '../jobs';
import { parseAttemptsOption, parseDurationOption, parseIntegerInRange, parseIsoTimeOption, parseNumberOption, parseTagOption } from './options';
import { payloadOptions, readPayload, type PayloadOpts } from './payload';

interface SubmitOpts extends PayloadOpts {
  id?: string;
  maxAttempts?: number | 'unlimited';
  initialInterval?: Duration;
  backoffCoefficient?: number;
  maxInterval?: Duration;
  wait?: boolean;
  json?: boolean;
  tag?: JobTags;
  delay?: Duration;
  runAt?: Date;
  priority?: number;
}

/** Adds `rebound submit`. */
export function addSubmitCommand(program: Command, ctx: CliContext): void {
  const submit = program
    .command('submit')
    .description('Submit a job; with --wait, wait until it succeeded, dead-lettered, was cancelled or expired')
    .argument('<type>', 'job type, one of the job module\'s (--jobs)');
  payloadOptions(submit, 'the payload', 'default {}')
    .option('--id <id>', 'your id for the job; one id runs at most once (default a random UUID)')
    .option('--max-attempts <n>', "attempts per round, the first included, or unlimited (default the type's)", parseAttemptsOption)
    .option('--initial-interval <duration>', 'delay before the first retry, e.g. 500ms, 2s', parseDurationOption)
    .option('--backoff-coefficient <x>', 'each delay is the previous one times this', parseNumberOption)
    .option('--max-interval <duration>', 'no delay is longer than this, e.g. 30s, 5m', parseDurationOption)
    .option('--tag <key=value>', 'a tag to find the job by, such as userId=u1 (repeat for several; not encrypted: no personal data)', parseTagOption)
    .option('--delay <duration>', 'start it this long from now, e.g. 10m, 2h (Scheduled until then; no worker slot held)', parseDurationOption)
    .option('--run-at <time>', 'start it at this ISO time, e.g. 2026-12-01T09:00:00Z (Scheduled until then)', parseIsoTimeOption)
    .option('--priority <n>', "1 (taken first) to 5 (the server's default is 3)", parseIntegerInRange(1, 5))
    .option('--wait', 'wait until the job settles; exit 0 whichever way it ended (the output says which)')
    .option('--json', 'print one JSON document: { jobId, workflowId, runId, created } (with --wait also status, attempts, result | error)')
    .action(async (type: string, opts: SubmitOpts, cmd: Command) => {
      const payload = await readPayload(opts, ctx.io.stdin ?? process.stdin, 'without a payload option, the payload is {}');
      const module = await ctx.requireJobs(cmd, 'rebound submit');
      await ctx.withClient(cmd, async (client, config) => {
        const jobs = createJobClient({ client, jobs: module.jobs, taskQueue: config.taskQueue });
        const handle = await jobs.submit(type, payload.given ? payload.value : {}, {
          jobId: opts.id,
          retry: {
            maximumAttempts: opts.maxAttempts,
            initialInterval: opts.initialInterval,
            backoffCoefficient: opts.backoffCoefficient,
            maximumInterval: opts.maxInterval,
          },
          ...(opts.tag ? { tags: opts.tag } : {}),
          ...(opts.delay !== undefined ? { delay: opts.delay } : {}),
          ...(opts.runAt !== undefined ? { runAt: opts.runAt } : {}),
          ...(opts.priority !== undefined ? { priority: opts.priority } : {}),
        });
        const submitted = { jobId: handle.jobId, workflowId: handle.workflowId, runId: handle.runId ?? null, created: handle.created };
        if (!opts.json) {
          const startAt = opts.runAt ?? (opts.delay !== undefined ? new Date(Date.now() + toMs(opts.delay, 'delay')) : undefined);
          ctx.print(
            handle.created
              ? `Submitted ${type} job ${handle.jobId} (workflow ${handle.workflowId}) on task queue "${config.taskQueue}"${startAt && startAt.getTime() > Date.now() ? `, Scheduled to run at ${formatTime(startAt.toISOString())}` : ''}.`
              : `Job ${handle.jobId} exists already; nothing new was started.`,
          );
        }
        if (!opts.wait) {
          if (opts.json) ctx.printJson(submitted);
          return;
        }
        if (!opts.json) ctx.warn(`Waiting for it to settle (a worker must run on task queue "${config.taskQueue}")...`);
        const record = await handle.settled();
        const ended = record.status === JobStatus.Succeeded ? { result: record.result ?? null } : { error: errorOf(record) };
        if (opts.json) {
          ctx.printJson({ ...submitted, status: record.status, attempts: record.attempts, ...ended });
          return;
        }
        const attempts = `after ${record.attempts} attempt${record.attempts === 1 ? '' : 's'}`;
        if (record.status === JobStatus.Succeeded) {
          ctx.print(`Job ${record.jobId} Succeeded ${attempts}. Result: ${JSON.stringify(record.result ?? null)}`);
        } else {
          ctx.print(`Job ${record.jobId} ${record.status} ${attempts}: ${ended.error?.type}: ${ended.error?.message}`);
          if (record.status === JobStatus.DeadLettered) printDeadHints(ctx, record.jobId);
        }
      });
    });
}

/** The `error` of a job that did not succeed: its last failure, or why it ended. */
function errorOf(record: JobRecord): { type: string; message: string } {
  return {
    type: record.errorType ?? record.status,
    message: record.message ?? record.reason ?? `job ${record.status.toLowerCase()}`,
  };
}

/** Adds `rebound status`. */
export function addStatusCommand(program: Command, ctx: CliContext): void {
  program
    .command('status')
    .description("Show a job: status, payload, attempts and each attempt's error")
    .argument('<jobId>', 'the job id (its workflow id is job-<jobId>)')
    .option('--json', 'print the job as one JSON document')
    .action(async (jobId: string, opts: { json?: boolean }, cmd: Command) => {
      const record = await ctx.withClient(cmd, (client) => readJob(client, jobId));
      if (opts.json) {
        ctx.printJson(jobDocument(record));
        return;
      }
      printJob(ctx, record, { uiLink: uiLinkOf(ctx, cmd, record.workflowId) });
    });
}
