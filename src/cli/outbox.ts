/**
 * `rebound outbox status` and `rebound outbox flush`: what a job client's outbox holds (read from
 * disk, no server needed), and forwarding it by hand.
 */
import type { Command } from 'commander';
import { forwardOutbox, openOutboxStore, readOutboxStatus, type OutboxStatus } from '../client';
import { UsageError } from '../errors';
import { ExitCode, type CliContext } from './context';
import { formatDuration, formatTimeAgo, renderFacts } from './format';

interface DirOpts {
  dir?: string;
  json?: boolean;
}

/** The environment variable of the outbox directory. */
const dirEnvVar = 'REBOUND_OUTBOX_DIR';

function dirOf(opts: DirOpts): string {
  const dir = opts.dir ?? (process.env[dirEnvVar]?.trim() || undefined);
  if (!dir) throw new UsageError(`give the outbox directory with --dir <dir> or ${dirEnvVar}=<dir>`);
  return dir;
}

function printStatus(ctx: CliContext, status: OutboxStatus): void {
  ctx.print(
    renderFacts([
      ['Outbox', status.dir],
      ['Waiting', String(status.pending)],
      ['Oldest', status.oldestQueuedAt ? `${formatTimeAgo(status.oldestQueuedAt)}, waiting ${formatDuration(status.oldestAgeMs)}` : undefined],
      ['Failed', String(status.failed.length)],
    ]),
  );
  if (status.failed.length === 0) return;
  ctx.print('');
  ctx.print('Failed entries (the server refused them for good; each file holds the start request and the error):');
  for (const f of status.failed) {
    ctx.print(`  ${f.jobId}  ${f.type}  failed ${formatTimeAgo(f.failedAt) ?? '-'}`);
    ctx.print(`    ${f.error.name}: ${f.error.message}`);
    ctx.print(`    ${f.file}`);
  }
}

/** Adds `outbox` and its subcommands to the program. */
export function registerOutboxCommands(program: Command, ctx: CliContext): void {
  const outbox = program
    .command('outbox')
    .description("A job client's outbox: starts queued while the server was unreachable")
    .addHelpText('after', `\nThe directory is the one given to createJobClient({ outbox: { dir } }) (--dir, or ${dirEnvVar}).`);

  outbox
    .command('status', { isDefault: true })
    .description('Show the entries waiting, the oldest one\'s age and the failed entries with their errors (reads the directory; no server needed)')
    .option('--dir <dir>', `the outbox directory (env ${dirEnvVar})`)
    .option('--json', 'print { dir, pending, oldestQueuedAt, oldestAgeMs, failed: [{ jobId, type, file, queuedAt, failedAt, error: { name, message } }] }')
    .action(async (opts: DirOpts) => {
      const status = await readOutboxStatus(dirOf(opts));
      if (opts.json) ctx.printJson({ oldestQueuedAt: null, oldestAgeMs: null, ...status });
      else printStatus(ctx, status);
    });

  outbox
    .command('flush')
    .description('Forward the waiting entries to the server now, oldest first; exit 1 when some still wait or failed')
    .option('--dir <dir>', `the outbox directory (env ${dirEnvVar})`)
    .option('--json', 'print { forwarded, failed, pending, waiting, locked }')
    .action(async (opts: DirOpts, cmd: Command) => {
      const store = openOutboxStore(dirOf(opts));
      const result = await ctx.withClient(cmd, (client) => forwardOutbox(client, store, { startTimeoutMs: 10_000 }));
      if (result.pending > 0 || result.failed > 0) ctx.exitCode = ExitCode.Failed;
      if (opts.json) {
        ctx.printJson({ waiting: null, locked: false, ...result });
        return;
      }
      ctx.print(`Forwarded ${result.forwarded}, failed ${result.failed}, still waiting ${result.pending}.`);
      if (result.locked) ctx.warn('Another process is forwarding this outbox now; nothing was forwarded here.');
      else if (result.waiting) ctx.warn(`Forwarding stopped: ${result.waiting}`);
      if (result.failed > 0) ctx.warn(`See them with: rebound outbox status --dir ${store.dir}`);
    });
}
