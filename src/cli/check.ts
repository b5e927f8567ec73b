/**
 * `rebound check`: the reconciliation of a task queue's jobs and dead-letter counters
 * (`admin.check()`), printed; exit 1 when a difference remains.
 */
import type { Duration } from '@temporalio/common';
import type { Command } from 'commander';
import ms from 'ms';
import { createAdmin } from '../admin';
import { ExitCode, type CliContext } from './context';
import { renderFacts } from './format';
import { parseDurationOption } from './options';

/** Adds `rebound check`. */
export function addCheckCommand(program: Command, ctx: CliContext): void {
  program
    .command('check')
    .description(
      'Reconcile the task queue: every job submitted is succeeded, dead-lettered, cancelled, expired, running or scheduled, ' +
        "and the dead-letter queue's counters equal the dead jobs listed; exit 1 when something differs",
    )
    .option('--wait <duration>', 'how long to read again while something differs (visibility lags a moment behind)', parseDurationOption, '10s')
    .option('--json', 'print the report as one JSON document: { ok, jobs, counted, listed, differences, ... }')
    .action(async (opts: { wait: Duration; json?: boolean }, cmd: Command) => {
      const waitMs = typeof opts.wait === 'number' ? opts.wait : ms(opts.wait);
      const report = await ctx.withClient(cmd, (client, config) => createAdmin({ client, taskQueue: config.taskQueue }).check({ waitMs }));
      if (!report.ok) ctx.exitCode = ExitCode.Failed;
      if (opts.json) {
        ctx.printJson(report);
        return;
      }
      const { jobs, counted, listed } = report;
      ctx.print(
        renderFacts([
          ['Task queue', report.taskQueue],
          [
            'Jobs',
            `${jobs.submitted} submitted = ${jobs.succeeded} succeeded + ${jobs.deadLettered} dead-lettered + ${jobs.cancelled} cancelled + ` +
              `${jobs.expired} expired + ${jobs.running} running${jobs.scheduled ? ` + ${jobs.scheduled} scheduled` : ''}` +
              `${jobs.unaccounted ? ` + ${jobs.unaccounted} in no status` : ''}`,
          ],
          ['Dead now', `${counted.total} counted by the dead-letter queue, ${listed.total} listed by visibility`],
          ['Checked at', `${report.checkedAt} (${report.reads} read${report.reads === 1 ? '' : 's'})`],
        ]),
      );
      if (report.ok) {
        ctx.print('OK: every job is in one status, and every dead job is counted once.');
        return;
      }
      ctx.print(`Differences that remained after ${opts.wait}:`);
      for (const d of report.differences) ctx.print(`  - ${d.message}${d.jobIds?.length ? ` (jobs: ${d.jobIds.join(', ')})` : ''}`);
      ctx.warn(`error: ${report.differences.length} difference(s) in task queue "${report.taskQueue}"`);
    });
}
