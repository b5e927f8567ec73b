/**
 * `rebound dlq ...`: operate the dead-letter queue from a shell. A thin shell over the admin API
 * (src/admin): parse, call one admin function, print (a table for people, `--json` for scripts).
 */
import { open } from 'node:fs/promises';
import { InvalidArgumentError, type Command } from 'commander';
import { createAdmin, type BulkOperation, type BulkSelection, type DeadJobFilter, type DeadLetterAdmin, type JobOperationResult } from '../admin';
import type { ReboundConfig } from '../config';
import type { JobTags } from '../jobs';
import type { BulkProgress, DeadLetterCounters } from '../contract';
import { UsageError } from '../errors';
import { ExitCode, type CliContext } from './context';
import { cell, deadJobsUiLink, formatJsonLine, formatTimeAgo, jobDocument, jobUiLink, printJob, renderFacts, webUiUrl } from './format';
import { parseAttemptsOption, parseIntegerInRange, parseTagOption, parseTimeOption } from './options';
import { actorOption } from './job-actions';
import { payloadGiven, payloadOptions, readPayload, type PayloadOpts } from './payload';

/** A link to a job's page in the Web UI, when the UI's address is known. */
export function uiLinkOf(ctx: CliContext, cmd: Command, workflowId: string): string | undefined {
  const config = ctx.config(cmd);
  const ui = webUiUrl(config);
  return ui && jobUiLink(ui, config.namespace, workflowId);
}

/** The filter options every selecting command takes. */
interface FilterOpts {
  type?: string;
  error?: string;
  group?: string;
  since?: Date;
  until?: Date;
  tag?: JobTags;
}

/** Adds `dlq` and its subcommands to the program. */
export function registerDlqCommands(program: Command, ctx: CliContext): void {
  const dlq = program
    .command('dlq')
    .description('Operate the dead-letter queue: list, show, retry, cancel, delete, stats, groups, export, audit')
    .addHelpText('after', '\nDead jobs are parked workflows; every command here reads or signals them on the configured task queue.');
  addListCommand(dlq, ctx);
  addShowCommand(dlq, ctx);
  addRetryCommand(dlq, ctx);
  addCancelCommand(dlq, ctx);
  addDeleteCommand(dlq, ctx);
  addOperationCommand(dlq, ctx);
  addStatsCommand(dlq, ctx);
  addGroupsCommand(dlq, ctx);
  addExportCommand(dlq, ctx);
  addAuditCommand(dlq, ctx);
}

/**
 * Connects, makes the admin API (with the job module's types, when given, to validate corrected
 * payloads, and acting as `--as` when the command takes it), runs `fn`, closes.
 */
export async function withAdmin<T>(ctx: CliContext, cmd: Command, fn: (admin: DeadLetterAdmin, config: ReboundConfig) => Promise<T>): Promise<T> {
  const module = await ctx.jobs(cmd);
  const actor = cmd.opts<{ as?: string }>().as;
  return ctx.withClient(cmd, (client, config) => fn(createAdmin({ client, taskQueue: config.taskQueue, jobs: module?.jobs, actor }), config));
}

function filterOptions(cmd: Command): Command {
  return cmd
    .option('--type <type>', 'only jobs of this type')
    .option('--error <errorType>', 'only jobs whose last failure has this error type, e.g. TimeoutError')
    .option('--group <id>', 'only jobs of this failure group (see `rebound dlq groups`)')
    .option('--since <time>', 'dead-lettered at or after: how long ago (30m, 2h, 7d) or an ISO time', parseTimeOption)
    .option('--until <time>', 'dead-lettered at or before: how long ago (30m, 2h, 7d) or an ISO time', parseTimeOption)
    .option('--tag <key=value>', 'only jobs with this tag (repeat for several: each must match)', parseTagOption);
}

function filterOf(opts: FilterOpts): DeadJobFilter {
  return { type: opts.type, errorType: opts.error, group: opts.group, since: opts.since, until: opts.until, tags: opts.tag };
}

const hasFilter = (opts: FilterOpts) => Object.values(filterOf(opts)).some((v) => v !== undefined);

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;

function addListCommand(dlq: Command, ctx: CliContext): void {
  filterOptions(dlq.command('list').description('List dead jobs, newest pages first as the server returns them'))
    .option('--limit <n>', 'jobs per page, 1 to 1000', parseIntegerInRange(1, 1_000), 50)
    .option('--page-token <token>', 'the next page, as the previous page printed it')
    .option('--json', 'print { items: [{ jobId, workflowId, type, errorType, message, attempts, deadLetteredAt, ... }], nextPageToken }')
    .action(async (opts: FilterOpts & { limit: number; pageToken?: string; json?: boolean }, cmd: Command) => {
      const page = await withAdmin(ctx, cmd, (admin) => admin.list(filterOf(opts), { limit: opts.limit, pageToken: opts.pageToken }));
      if (opts.json) {
        ctx.printJson(page);
        return;
      }
      if (page.items.length === 0) {
        ctx.print(opts.pageToken ? 'No more dead jobs.' : 'No dead jobs match.');
        return;
      }
      ctx.printTable(
        ['Job', 'Type', 'Error type', 'Message', 'Attempts', 'Dead since'],
        page.items.map((i) => [i.jobId, i.type, i.errorType, cell(i.message, 50), i.attempts, formatTimeAgo(i.deadLetteredAt)]),
      );
      if (page.nextPageToken) ctx.print(`More: rebound dlq list --page-token ${page.nextPageToken} (with the same filters)`);
      const config = ctx.config(cmd);
      const ui = webUiUrl(config);
      if (ui) ctx.print(`In the Web UI: ${deadJobsUiLink(ui, config.namespace, config.taskQueue)}`);
    });
}

function addShowCommand(dlq: Command, ctx: CliContext): void {
  dlq
    .command('show')
    .description('Show a dead job: payload, every attempt with its error, and the last stack')
    .argument('<jobId>', 'the job id')
    .option('--json', 'print the job as one JSON document (as `rebound status --json`)')
    .action(async (jobId: string, opts: { json?: boolean }, cmd: Command) => {
      const record = await withAdmin(ctx, cmd, (admin) => admin.get(jobId));
      if (opts.json) ctx.printJson(jobDocument(record));
      else printJob(ctx, record, { stack: true, uiLink: uiLinkOf(ctx, cmd, record.workflowId) });
    });
}

interface SelectOpts extends FilterOpts {
  all?: boolean;
  rate?: number;
  dryRun?: boolean;
  reason?: string;
  json?: boolean;
}

/** Ids or `--all` with filters, never both, never neither; options of the other form are refused. */
function checkSelection(verb: string, jobIds: string[], opts: SelectOpts & PayloadOpts): void {
  if (opts.all && jobIds.length > 0) throw new UsageError(`give job ids or --all, not both (dlq ${verb})`);
  if (!opts.all && jobIds.length === 0) throw new UsageError(`give one or more job ids, or --all (dlq ${verb})`);
  if (opts.all && payloadGiven(opts)) throw new UsageError('--payload and --payload-file apply to jobs given by id, not to --all');
  if (!opts.all) {
    const bulkOnly = [hasFilter(opts) && 'filters (--type, --error, --group, --since, --until, --tag)', opts.rate !== undefined && '--rate', opts.dryRun && '--dry-run'].filter(Boolean);
    if (bulkOnly.length > 0) throw new UsageError(`${bulkOnly.join(', ')} apply only with --all`);
  }
}

function parseRateOption(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && n <= 1_000)) throw new InvalidArgumentError('Expected jobs per second: more than 0, at most 1000.');
  return n;
}

function selectOptions(cmd: Command, verb: string): Command {
  const selecting = filterOptions(
    cmd
      .argument('[jobIds...]', `the jobs to ${verb}`)
      .option('--all', `${verb} every dead job matching the filters, as one durable operation`),
  )
    .option('--rate <n>', 'with --all: jobs per second (default 10)', parseRateOption)
    .option('--dry-run', 'with --all: list what matches and change nothing')
    .option('--reason <text>', `why; kept in the job's record and the audit log`);
  return actorOption(selecting);
}

function addRetryCommand(dlq: Command, ctx: CliContext): void {
  const retry = selectOptions(dlq.command('retry').description('Retry dead jobs in a new round of attempts: by id (optionally with a corrected payload), or --all matching filters'), 'retry');
  payloadOptions(retry, "with ids: the corrected payload, checked against the job type's schema", "default the job's own")
    .option('--max-attempts <n>', 'attempts in the new round, the first included, or unlimited', parseAttemptsOption)
    .option('--json', 'print one JSON document: per-id results, or { matched, done, ... } once --all has finished')
    .action(async (jobIds: string[], opts: SelectOpts & PayloadOpts & { maxAttempts?: number | 'unlimited' }, cmd: Command) => {
      checkSelection('retry', jobIds, opts);
      const retryPolicy = opts.maxAttempts === undefined ? undefined : { maximumAttempts: opts.maxAttempts };
      if (opts.all) {
        await runBulk(ctx, cmd, 'retry', opts, (admin) => admin.retryAll(filterOf(opts), { rate: opts.rate, dryRun: opts.dryRun, retryPolicy, reason: opts.reason }));
        return;
      }
      const payload = await readPayload(opts, ctx.io.stdin ?? process.stdin, "without a payload option, the job keeps its own");
      // A corrected payload is checked against its type's schema before it is sent.
      if (payload.given) await ctx.requireJobs(cmd, 'dlq retry --payload');
      const results = await withAdmin(ctx, cmd, (admin) => admin.retry(jobIds, { payload: payload.given ? payload.value : undefined, retryPolicy, reason: opts.reason }));
      printResults(ctx, 'Retried', results, opts.json);
    });
}

function addCancelCommand(dlq: Command, ctx: CliContext): void {
  selectOptions(dlq.command('cancel').description('Cancel dead jobs for good (they end Cancelled): by id, or --all matching filters'), 'cancel')
    .option('--json', 'print one JSON document: per-id results, or { matched, done, ... } once --all has finished')
    .action(async (jobIds: string[], opts: SelectOpts, cmd: Command) => {
      checkSelection('cancel', jobIds, opts);
      if (opts.all) {
        await runBulk(ctx, cmd, 'cancel', opts, (admin) => admin.cancelAll(filterOf(opts), { rate: opts.rate, dryRun: opts.dryRun, reason: opts.reason }));
        return;
      }
      const results = await withAdmin(ctx, cmd, (admin) => admin.cancel(jobIds, { reason: opts.reason }));
      printResults(ctx, 'Cancelled', results, opts.json);
    });
}

function addDeleteCommand(dlq: Command, ctx: CliContext): void {
  selectOptions(
    dlq
      .command('delete')
      .description('Delete dead jobs for good, workflow and history: by id, or --all matching filters; the audit log keeps who, when and why')
      .addHelpText('after', '\nDeleting cannot be undone: it needs --yes (a dry run does not). Cancel instead to keep the job\'s history.'),
    'delete',
  )
    .option('--yes', 'confirm the deletion')
    .option('--json', 'print one JSON document: per-id results, or { matched, done, failed, ids } with --all')
    .action(async (jobIds: string[], opts: SelectOpts & { yes?: boolean; as?: string }, cmd: Command) => {
      checkSelection('delete', jobIds, opts);
      if (opts.rate !== undefined) throw new UsageError('--rate does not apply to dlq delete: jobs are deleted a few at a time');
      if (!opts.yes && !opts.dryRun) {
        throw new UsageError(`deleting removes the job${opts.all || jobIds.length > 1 ? 's' : ''} and ${opts.all || jobIds.length > 1 ? 'their' : 'its'} history for good: add --yes to confirm${opts.all ? ', or --dry-run to see what matches' : ''}`);
      }
      if (!opts.all) {
        const results = await withAdmin(ctx, cmd, (admin) => admin.delete(jobIds, { reason: opts.reason }));
        printResults(ctx, 'Deleted', results, opts.json);
        return;
      }
      const selection = await withAdmin(ctx, cmd, (admin) => admin.deleteAll(filterOf(opts), { dryRun: opts.dryRun, reason: opts.reason }));
      if (selection.failed.length > 0) ctx.exitCode = ExitCode.Failed;
      if (opts.json) ctx.printJson({ kind: 'delete', dryRun: Boolean(opts.dryRun), ...selection });
      for (const r of selection.failed) ctx.warn(`error: job ${r.jobId}: ${r.error?.message ?? 'failed'}`);
      if (opts.json) return;
      if (selection.matched === 0) ctx.print('No dead jobs match; nothing to do.');
      else if (opts.dryRun) {
        ctx.print(`Would delete ${plural(selection.matched, 'dead job')} (dry run, nothing changed):`);
        for (const id of selection.ids) ctx.print(`  ${id}`);
        ctx.print(`To delete these and none dead-lettered since, run it again with --yes instead of --dry-run, adding --until ${selection.until}`);
      } else ctx.print(`Deleted ${plural(selection.done, 'dead job')} of ${selection.matched} matched${selection.failed.length ? `; ${selection.failed.length} failed` : ''}.`);
    });
}

function addAuditCommand(dlq: Command, ctx: CliContext): void {
  dlq
    .command('audit')
    .description("Operator actions on this task queue's jobs, oldest first: retries, edits, cancels, deletions, bulk operations, retry-now, pause, resume")
    .option('--job <jobId>', "only this job's")
    .option('--since <time>', 'only since: how long ago (30m, 2h, 7d) or an ISO time', parseTimeOption)
    .option('--json', 'print { entries: [{ at, actor, action, jobId, type, errorType, reason, changes, filter, matched, operationId }] }')
    .action(async (opts: { job?: string; since?: Date; json?: boolean }, cmd: Command) => {
      const entries = await withAdmin(ctx, cmd, (admin) => admin.audit({ jobId: opts.job, since: opts.since }));
      if (opts.json) {
        ctx.printJson({ entries });
        return;
      }
      if (entries.length === 0) {
        ctx.print('No operator actions recorded.');
        return;
      }
      ctx.printTable(
        ['Time', 'Actor', 'Action', 'Job', 'Type', 'Reason', 'Details'],
        entries.map((e) => [formatTimeAgo(e.at), e.actor, e.action, e.jobId, e.type, cell(e.reason, 40), cell(auditDetails(e), 60)]),
      );
    });
}

/** What else an audit entry says, in a few words: changed paths, a bulk action's filter and size. */
function auditDetails(e: { changes?: { path: string; kind: string }[]; filter?: Record<string, string>; matched?: number; operationId?: string; errorType?: string; detail?: Record<string, string> }): string {
  return [
    e.changes?.length ? `changed ${e.changes.map((c) => c.path).join(', ')}` : '',
    e.filter ? `filter ${JSON.stringify(e.filter)}` : '',
    e.matched !== undefined ? `${e.matched} matched` : '',
    e.operationId ? `operation ${e.operationId}` : '',
    e.errorType ? `error ${e.errorType}` : '',
    ...Object.entries(e.detail ?? {}).map(([key, value]) => `${key} ${value}`),
  ]
    .filter(Boolean)
    .join('; ');
}

/** Per-id results: one line each (failures on stderr, naming the job); exit 1 when any failed. */
function printResults(ctx: CliContext, done: string, results: JobOperationResult[], json?: boolean): void {
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) ctx.exitCode = ExitCode.Failed;
  if (json) ctx.printJson({ results, ok: results.length - failed.length, failed: failed.length });
  for (const r of results) {
    if (!r.ok) ctx.warn(`error: job ${r.jobId}: ${r.error?.message ?? 'failed'}`);
    else if (!json) ctx.print(`${done} job ${r.jobId}; it is ${r.status} now.`);
  }
}

/** How long a bulk operation may show no progress before the CLI suggests that no worker runs. */
const stallHintMs = 10_000;

/** Starts a bulk operation, follows it to its end (showing progress on a terminal), prints the outcome. */
async function runBulk(ctx: CliContext, cmd: Command, kind: 'retry' | 'cancel', opts: SelectOpts, start: (admin: DeadLetterAdmin) => Promise<BulkSelection>): Promise<void> {
  await withAdmin(ctx, cmd, async (admin) => {
    const started = await start(admin);
    const { matched, ids, until, operation } = started;
    if (opts.dryRun || !operation) {
      if (opts.json) {
        ctx.printJson({ kind, dryRun: Boolean(opts.dryRun), matched, done: 0, ids, until });
      } else if (matched === 0) {
        ctx.print('No dead jobs match; nothing to do.');
      } else {
        ctx.print(`Would ${kind} ${plural(matched, 'dead job')} (dry run, nothing changed):`);
        for (const id of ids) ctx.print(`  ${id}`);
        ctx.print(`To ${kind} these and none dead-lettered since, run it again without --dry-run, adding --until ${until}`);
      }
      return;
    }
    ctx.warn(`${kind === 'retry' ? 'Retrying' : 'Cancelling'} ${plural(matched, 'dead job')}: operation ${operation.operationId}`);
    ctx.warn(`Follow or control it: rebound dlq operation ${operation.operationId} [--pause|--resume|--abort]`);
    const live = !opts.json && ctx.io.stderr.isTTY === true;
    if (live) ctx.warn('(Ctrl-C stops watching; the operation goes on.)');
    // Progress comes from the operation's workflow, so only while a worker runs it: say so when none answers.
    const { taskQueue } = ctx.config(cmd);
    const stalled = setTimeout(
      () => ctx.warn(`No progress yet: is a rebound worker running on task queue "${taskQueue}"? The operation goes on once one runs.`),
      stallHintMs,
    );
    const progress = await operation
      .result({
        onProgress: (p) => {
          clearTimeout(stalled);
          if (live) ctx.io.stderr.write(`\r${progressLine(p)}   `);
        },
      })
      .finally(() => clearTimeout(stalled));
    if (live) ctx.io.stderr.write('\n');
    reportBulk(ctx, operation, progress, opts.json);
  });
}

function progressLine(p: BulkProgress): string {
  const rate = p.rate === undefined || p.achievedRate === undefined ? '' : `, ${p.achievedRate}/s of ${p.rate}/s asked${p.rateOutOfReach ? ' (out of reach here)' : ''}`;
  return `${p.state}: ${p.done}/${p.matched} done, ${p.skipped} skipped, ${p.failed} failed, ${p.remaining} remaining${rate}`;
}

/** A finished (or followed) operation: JSON or one line; exit 1 when jobs failed or it was aborted. */
function reportBulk(ctx: CliContext, operation: Pick<BulkOperation, 'operationId' | 'workflowId'>, p: BulkProgress, json?: boolean): void {
  const unfinished = p.state === 'Aborted' || p.failed > 0;
  if (json) ctx.printJson({ ...p, workflowId: operation.workflowId, dryRun: false });
  else ctx.print(`${p.kind === 'retry' ? 'Retry' : 'Cancel'} operation ${p.operationId}: ${progressLine(p)}.`);
  if (p.state !== 'Completed' && p.state !== 'Aborted') return;
  if (unfinished) ctx.exitCode = ExitCode.Failed;
  if (p.state === 'Aborted') ctx.warn(`error: operation ${p.operationId} was aborted with ${p.remaining} job(s) not handled`);
  for (const e of p.errors) ctx.warn(`error: job ${e.jobId}: ${e.message}`);
}

function addOperationCommand(dlq: Command, ctx: CliContext): void {
  actorOption(
    dlq
      .command('operation')
      .description('Show a bulk retry or cancel, or pause, resume or abort it')
      .argument('<operationId>', 'as `dlq retry --all` or `dlq cancel --all` printed it')
      .option('--pause', 'stop after the current batch until resumed')
      .option('--resume', 'go on after a pause')
      .option('--abort', 'stop for good after the current batch')
      .option('--reason <text>', 'why you pause, resume or abort it; kept in the audit log')
      .option('--json', 'print its progress as one JSON document'),
  ).action(async (operationId: string, opts: { pause?: boolean; resume?: boolean; abort?: boolean; reason?: string; json?: boolean }, cmd: Command) => {
    const actions = (['pause', 'resume', 'abort'] as const).filter((a) => opts[a]);
    if (actions.length > 1) throw new UsageError(`give at most one of --pause, --resume, --abort`);
    if (opts.reason !== undefined && !actions[0]) throw new UsageError('--reason goes with --pause, --resume or --abort');
    const { operation, progress } = await withAdmin(ctx, cmd, async (admin) => {
      const op = admin.operation(operationId);
      if (actions[0]) {
        await op[actions[0]]({ reason: opts.reason });
        // Said before the progress is read: it needs a worker, the signal did not.
        ctx.warn(`Sent ${actions[0]} to operation ${operationId}.`);
      }
      return { operation: op, progress: await op.progress() };
    });
    if (opts.json) {
      ctx.printJson({ ...progress, workflowId: operation.workflowId });
      return;
    }
    ctx.print(
      renderFacts([
        ['Operation', progress.operationId],
        ['Kind', progress.kind],
        ['State', progress.state],
        ['Progress', `${progress.done}/${progress.matched} done, ${progress.skipped} skipped, ${progress.failed} failed, ${progress.remaining} remaining`],
        ['Workflow', operation.workflowId],
      ]),
    );
    if (progress.errors.length > 0) ctx.printTable(['Job', 'Error'], progress.errors.map((e) => [e.jobId, cell(e.message, 80)]));
  });
}

/** `{ T: n }` of the jobs dead now; kinds with none are left out. */
const deadNowOf = (counters: Record<string, DeadLetterCounters>) =>
  Object.fromEntries(Object.entries(counters).filter(([, c]) => c.deadNow > 0).map(([k, c]) => [k, c.deadNow]));

function addStatsCommand(dlq: Command, ctx: CliContext): void {
  dlq
    .command('stats')
    .description("The dead-letter queue's counters: dead now, and dead-lettered, retried, cancelled, expired ever, per type and error type")
    .option('--json', 'print { dead: { total, byType, byErrorType }, counters: { total, byType, byErrorType }, groups, firing }')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const stats = await withAdmin(ctx, cmd, (admin) => admin.stats());
      if (opts.json) {
        const { total, byType, byErrorType, ...rest } = stats;
        ctx.printJson({
          ...rest,
          dead: { total: total.deadNow, byType: deadNowOf(byType), byErrorType: deadNowOf(byErrorType) },
          counters: { total, byType, byErrorType },
        });
        return;
      }
      const head = ['Dead now', 'Dead-lettered', 'Retried', 'Succeeded after retry', 'Cancelled', 'Expired'];
      const row = (c: DeadLetterCounters) => [c.deadNow, c.deadLettered, c.retried, c.succeededAfterRetry, c.cancelled, c.expired];
      ctx.print(`Task queue "${stats.taskQueue}": ${plural(stats.total.deadNow, 'job')} dead now.`);
      ctx.printTable(['Job type', ...head], [...Object.entries(stats.byType).map(([t, c]) => [t, ...row(c)]), ['(all)', ...row(stats.total)]]);
      ctx.printTable(['Error type', ...head], Object.entries(stats.byErrorType).map(([t, c]) => [t, ...row(c)]));
      if (stats.firing.length > 0) ctx.print(`Alerts firing: ${stats.firing.join(', ')}`);
    });
}

function addGroupsCommand(dlq: Command, ctx: CliContext): void {
  dlq
    .command('groups')
    .description('Failure groups with dead jobs now (same error type, message shape and code location), largest first')
    .option('--json', 'print { groups: [{ id, errorType, types, deadNow, firstSeen, lastSeen, example }] }')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const groups = await withAdmin(ctx, cmd, (admin) => admin.groups());
      if (opts.json) {
        ctx.printJson({ groups });
        return;
      }
      if (groups.length === 0) {
        ctx.print('No dead jobs.');
        return;
      }
      ctx.printTable(
        ['Group', 'Error type', 'Job types', 'Dead now', 'First seen', 'Last seen', 'Example'],
        groups.map((g) => [g.id, g.errorType, g.types.join(', '), g.deadNow, formatTimeAgo(g.firstSeen), formatTimeAgo(g.lastSeen), cell(g.example, 50)]),
      );
      ctx.print('List one: rebound dlq list --group <Group>');
    });
}

function addExportCommand(dlq: Command, ctx: CliContext): void {
  filterOptions(dlq.command('export').description('Export dead jobs as JSON Lines, one full record (payload, attempt history, timeline) a line'))
    .option('--out <file>', 'write to this file (default stdout)')
    .action(async (opts: FilterOpts & { out?: string }, cmd: Command) => {
      // Open the file first, so that a bad path fails before anything is read.
      const file = opts.out ? await open(opts.out, 'w') : undefined;
      let count = 0;
      try {
        await withAdmin(ctx, cmd, async (admin) => {
          for await (const record of admin.export(filterOf(opts))) {
            const line = formatJsonLine(jobDocument(record));
            if (file) await file.write(line);
            else ctx.io.stdout.write(line);
            count++;
          }
        });
        if (opts.out) ctx.warn(`Exported ${plural(count, 'dead job')} to ${opts.out}.`);
      } catch (err) {
        // Every line written is a full record; the export as a whole is not: say where it stopped.
        ctx.warn(`Export stopped after ${plural(count, 'full record')}${opts.out ? ` written to ${opts.out}` : ''}: it is incomplete.`);
        throw err;
      } finally {
        await file?.close();
      }
    });
}
