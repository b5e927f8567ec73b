/**
 * `rebound jobs ...`: jobs in any status, not only dead ones. A command group: each subcommand is
 * one `add...Command(jobs, ctx)` below, registered in {@link registerJobsCommands}.
 */
import type { Command } from 'commander';
import type { JobFilter } from '../admin';
import type { JobStatus } from '../contract';
import type { JobTags } from '../jobs';
import type { CliContext } from './context';
import { withAdmin } from './dlq';
import { cell, formatTags, formatTime, formatTimeAgo } from './format';
import { parseIntegerInRange, parseStatusOption, parseTagOption, parseTimeOption } from './options';

/** The filter options of `jobs list`. */
interface JobFilterOpts {
  type?: string;
  status?: JobStatus[];
  error?: string;
  since?: Date;
  until?: Date;
  tag?: JobTags;
}

/** Adds `jobs` and its subcommands to the program; returns the group, for more subcommands. */
export function registerJobsCommands(program: Command, ctx: CliContext): Command {
  const jobs = program
    .command('jobs')
    .description('Jobs in any status: scheduled, running, retrying, succeeded, dead, cancelled, expired')
    .addHelpText('after', '\nEvery command here reads the jobs of the configured task queue; dead jobs alone: `rebound dlq`.');
  addListCommand(jobs, ctx);
  return jobs;
}

/** The filter options of a command that selects jobs in any status. */
export function jobFilterOptions(cmd: Command): Command {
  return cmd
    .option('--type <type>', 'only jobs of this type')
    .option('--status <status>', 'only jobs in this status (repeat, or comma-separate, for several): Scheduled, Running, Retrying, Succeeded, DeadLettered, Cancelled, Expired', parseStatusOption)
    .option('--error <errorType>', 'only jobs whose last failure has this error type (dead or expired jobs), e.g. TimeoutError')
    .option('--since <time>', 'submitted at or after: how long ago (30m, 2h, 7d) or an ISO time', parseTimeOption)
    .option('--until <time>', 'submitted at or before: how long ago (30m, 2h, 7d) or an ISO time', parseTimeOption)
    .option('--tag <key=value>', 'only jobs with this tag (repeat for several: each must match)', parseTagOption);
}

/** The library's filter from the options. */
export function jobFilterOf(opts: JobFilterOpts): JobFilter {
  return { type: opts.type, status: opts.status, errorType: opts.error, since: opts.since, until: opts.until, tags: opts.tag };
}

function addListCommand(jobs: Command, ctx: CliContext): void {
  jobFilterOptions(jobs.command('list').description('List jobs in any status, pages as the server returns them'))
    .option('--limit <n>', 'jobs per page, 1 to 1000', parseIntegerInRange(1, 1_000), 50)
    .option('--page-token <token>', 'the next page, as the previous page printed it')
    .option('--json', 'print { items: [{ jobId, workflowId, type, status, attempts, errorType, submittedAt, closedAt, runAt, deadLetteredAt, tags }], nextPageToken }')
    .action(async (opts: JobFilterOpts & { limit: number; pageToken?: string; json?: boolean }, cmd: Command) => {
      const page = await withAdmin(ctx, cmd, (admin) => admin.listJobs(jobFilterOf(opts), { limit: opts.limit, pageToken: opts.pageToken }));
      if (opts.json) {
        ctx.printJson(page);
        return;
      }
      if (page.items.length === 0) {
        ctx.print(opts.pageToken ? 'No more jobs.' : 'No jobs match.');
        return;
      }
      ctx.printTable(
        ['Job', 'Type', 'Status', 'Attempts', 'Error type', 'Submitted', 'Tags'],
        page.items.map((i) => [i.jobId, i.type, i.runAt ? `${i.status} (runs at ${formatTime(i.runAt)})` : i.status, i.attempts, i.errorType, formatTimeAgo(i.submittedAt ?? undefined), cell(formatTags(i.tags), 40)]),
      );
      if (page.nextPageToken) ctx.print(`More: rebound jobs list --page-token ${page.nextPageToken} (with the same filters)`);
    });
}
