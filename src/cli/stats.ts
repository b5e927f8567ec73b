/**
 * `rebound stats`: jobs per type and status over a window, with success and retry rates, from
 * visibility's counts (no worker needed).
 */
import type { Command } from 'commander';
import type { JobStatusCounts } from '../admin';
import type { JobTags } from '../jobs';
import type { CliContext } from './context';
import { withAdmin } from './dlq';
import { parseTagOption, parseTimeOption } from './options';

interface StatsOpts {
  type?: string;
  since?: Date;
  until?: Date;
  tag?: JobTags;
  json?: boolean;
}

const percent = (rate: number | null) => (rate === null ? '-' : `${(rate * 100).toFixed(1)}%`);

const row = (c: JobStatusCounts) => [c.scheduled, c.running, c.retrying, c.succeeded, c.deadLettered, c.cancelled, c.expired, c.total, percent(c.successRate), percent(c.retryRate)];

/** Adds `rebound stats`. */
export function addStatsCommand(program: Command, ctx: CliContext): void {
  program
    .command('stats')
    .description('Jobs per type and status (scheduled, running, retrying, succeeded, dead, cancelled, expired), with success and retry rates')
    .option('--type <type>', 'only jobs of this type')
    .option('--since <time>', 'jobs submitted at or after: how long ago (30m, 2h, 7d) or an ISO time (default: every job)', parseTimeOption)
    .option('--until <time>', 'jobs submitted at or before: how long ago or an ISO time', parseTimeOption)
    .option('--tag <key=value>', 'only jobs with this tag (repeat for several: each must match)', parseTagOption)
    .option('--json', 'print { taskQueue, since, until, total: { total, scheduled, running, retrying, succeeded, deadLettered, cancelled, expired, settled, retried, successRate, retryRate }, byType: { T: {...} } }')
    .addHelpText(
      'after',
      '\nSuccess rate: succeeded / settled (settled = succeeded + dead + cancelled + expired).\n' +
        'Retry rate: settled jobs that took more than one attempt (over every round) / settled.',
    )
    .action(async (opts: StatsOpts, cmd: Command) => {
      const stats = await withAdmin(ctx, cmd, (admin) => admin.jobStats({ type: opts.type, since: opts.since, until: opts.until, tags: opts.tag }));
      if (opts.json) {
        ctx.printJson(stats);
        return;
      }
      const window = stats.since || stats.until ? ` submitted ${[stats.since && `since ${stats.since}`, stats.until && `until ${stats.until}`].filter(Boolean).join(' ')}` : '';
      ctx.print(`Task queue "${stats.taskQueue}": ${stats.total.total} job(s)${window}.`);
      if (stats.total.total === 0) return;
      ctx.printTable(
        ['Job type', 'Scheduled', 'Running', 'Retrying', 'Succeeded', 'Dead', 'Cancelled', 'Expired', 'Total', 'Success rate', 'Retry rate'],
        [...Object.entries(stats.byType).sort(([a], [b]) => a.localeCompare(b)).map(([type, c]) => [type, ...row(c)]), ['(all)', ...row(stats.total)]],
      );
    });
}
