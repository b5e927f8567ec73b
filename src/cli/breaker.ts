/**
 * `rebound breaker`: the circuit breakers of the task queue's job types. List them, show one,
 * force one open or closed, or give it back to its failure rate; overrides record who (the OS
 * user, or `--as`), when and why.
 */
import type { Command } from 'commander';
import { createAdmin, type DeadLetterAdmin } from '../admin';
import type { BreakerMode, BreakerRecord } from '../contract';
import type { CliContext } from './context';
import { formatDuration, formatTime, renderFacts } from './format';

const stateName = (state: string) => (state === 'halfOpen' ? 'half-open' : state);

async function withAdmin<T>(ctx: CliContext, cmd: Command, fn: (admin: DeadLetterAdmin) => Promise<T>): Promise<T> {
  const module = await ctx.jobs(cmd);
  return ctx.withClient(cmd, (client, config) => fn(createAdmin({ client, taskQueue: config.taskQueue, jobs: module?.jobs })));
}

function printBreaker(ctx: CliContext, b: BreakerRecord): void {
  const p = b.policy;
  ctx.print(
    renderFacts([
      ['Job type', b.type],
      ['State', `${stateName(b.state)}${b.mode === 'auto' ? '' : ` (forced ${b.mode})`}`],
      ['Opened', b.state === 'closed' ? undefined : formatTime(b.openedAt)],
      ['Probes from', formatTime(b.halfOpenAt)],
      ['Window', `${b.window.failures} of ${b.window.attempts} attempts failed`],
      [
        'Policy',
        p && `opens at ${p.failureRate * 100}% failed over ${formatDuration(p.windowMs)} (${p.minAttempts} attempts at least); cooldown ${formatDuration(p.cooldownMs)}; ${p.probes} probe(s)`,
      ],
      ['Refused', `${b.refused} attempt(s); ${b.waiting} job(s) waiting`],
      ['Override', b.override && `${b.override.mode} by ${b.override.by} at ${formatTime(b.override.at)}${b.override.reason ? `: ${b.override.reason}` : ''}`],
    ]),
  );
  if (b.transitions.length > 0) {
    ctx.print('');
    ctx.printTable(['At', 'From', 'To', 'Why'], b.transitions.map((t) => [formatTime(t.at), stateName(t.from), stateName(t.to), t.why]));
  }
}

function addOverride(breaker: Command, ctx: CliContext, name: string, mode: BreakerMode, description: string): void {
  breaker
    .command(`${name} <type>`)
    .description(description)
    .option('--reason <text>', "why; kept in the breaker's record")
    .option('--as <name>', 'who sets it (default: the OS user)')
    .option('--json', "print the breaker's record as one JSON document")
    .action(async (type: string, opts: { reason?: string; as?: string; json?: boolean }, cmd: Command) => {
      const record = await withAdmin(ctx, cmd, (admin) => admin.setBreaker(type, mode, { reason: opts.reason, by: opts.as }));
      if (opts.json) return ctx.printJson(record);
      ctx.print(`Breaker of ${type}: ${stateName(record.state)}${mode === 'auto' ? ' (following its failure rate)' : ` (forced ${mode})`}, by ${record.override?.by}.`);
    });
}

/** Adds `rebound breaker list|show|open|close|auto`. */
export function registerBreakerCommands(program: Command, ctx: CliContext): void {
  const breaker = program.command('breaker').description("Job types' circuit breakers: list, show, force open or closed, back to auto");
  breaker
    .command('list')
    .description('The breakers of the task queue (with --jobs, also those configured that never opened)')
    .option('--json', 'print { items: [{ type, state, mode, openedAt, halfOpenAt }] }')
    .action(async (opts: { json?: boolean }, cmd: Command) => {
      const items = await withAdmin(ctx, cmd, (admin) => admin.breakers());
      if (opts.json) return ctx.printJson({ items });
      if (items.length === 0) return ctx.print('No circuit breakers on this task queue (give --jobs to list those configured).');
      ctx.printTable(
        ['Job type', 'State', 'Mode', 'Opened', 'Probes from'],
        items.map((b) => [b.type, stateName(b.state), b.mode, formatTime(b.openedAt), formatTime(b.halfOpenAt)]),
      );
    });
  breaker
    .command('show <type>')
    .description("A breaker's state, window, policy, override and transitions")
    .option('--json', "print the breaker's record as one JSON document")
    .action(async (type: string, opts: { json?: boolean }, cmd: Command) => {
      const record = await withAdmin(ctx, cmd, (admin) => admin.breaker(type));
      if (opts.json) return ctx.printJson(record);
      printBreaker(ctx, record);
    });
  addOverride(breaker, ctx, 'open', 'open', 'Force a breaker open: attempts of the type wait (keeping their attempts) until it is closed or set back to auto');
  addOverride(breaker, ctx, 'close', 'closed', 'Force a breaker closed: attempts run whatever fails, and waiting jobs go on');
  addOverride(breaker, ctx, 'auto', 'auto', 'Give a breaker back to its failure rate (an open one probes first)');
}
