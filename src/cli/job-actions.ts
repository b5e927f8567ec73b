/**
 * `rebound jobs retry-now|pause|resume|cancel <jobId...>`: act on jobs that have not settled. A
 * thin shell over the admin API: parse, call one admin function per job, print.
 */
import type { Command } from 'commander';
import { createAdmin, type DeadLetterAdmin, type JobActionResult } from '../admin';
import { ExitCode, type CliContext } from './context';

/** The option every acting command takes: who acts, for the timeline and the audit log. */
export function actorOption(cmd: Command): Command {
  return cmd.option('--as <name>', "who is acting, kept in the job's timeline and the audit log (default: your OS user name)");
}

type Verb = 'retry-now' | 'pause' | 'resume' | 'cancel';

const verbs: { verb: Verb; method: 'retryNow' | 'pause' | 'resume' | 'cancelJob'; description: string; done: string }[] = [
  {
    verb: 'retry-now',
    method: 'retryNow',
    description: 'Run the next attempt of jobs waiting between attempts now; the attempt keeps its number, none is used up',
    done: 'Retrying now',
  },
  { verb: 'pause', method: 'pause', description: 'Pause jobs waiting between attempts: their next attempt waits until resumed', done: 'Paused' },
  { verb: 'resume', method: 'resume', description: 'Resume paused jobs: their next attempt runs at once', done: 'Resumed' },
  {
    verb: 'cancel',
    method: 'cancelJob',
    description: 'Cancel jobs that have not settled: a scheduled one never runs, a running one has its attempt cancelled (dead jobs: rebound dlq cancel)',
    done: 'Cancelled',
  },
];

/** One job's outcome: what was done, or why not. */
type Outcome = ({ ok: true } & JobActionResult) | { jobId: string; ok: false; error: { name: string; message: string } };

/** Adds `retry-now`, `pause`, `resume` and `cancel` to a `jobs` command group. */
export function addJobActionCommands(jobs: Command, ctx: CliContext): void {
  for (const { verb, method, description, done } of verbs) {
    actorOption(jobs.command(verb).description(description).argument('<jobIds...>', 'the jobs').option('--reason <text>', "why; kept in the job's timeline and the audit log"))
      .option('--json', 'print { results: [{ jobId, ok, action, at, actor, paused } | { jobId, ok: false, error }], ok, failed }')
      .action(async (jobIds: string[], opts: { reason?: string; as?: string; json?: boolean }, cmd: Command) => {
        const outcomes = await ctx.withClient(cmd, async (client, config) => {
          const admin: DeadLetterAdmin = createAdmin({ client, taskQueue: config.taskQueue, actor: opts.as });
          const results: Outcome[] = [];
          for (const jobId of jobIds) {
            try {
              results.push({ ok: true, ...(await admin[method](jobId, { reason: opts.reason })) });
            } catch (err) {
              const e = err as Error;
              results.push({ jobId, ok: false, error: { name: e.name, message: e.message } });
            }
          }
          return results;
        });
        const failed = outcomes.filter((o) => !o.ok);
        if (failed.length > 0) ctx.exitCode = ExitCode.Failed;
        if (opts.json) ctx.printJson({ results: outcomes, ok: outcomes.length - failed.length, failed: failed.length });
        for (const o of outcomes) {
          if (!o.ok) ctx.warn(`error: job ${o.jobId}: ${o.error.message}`);
          else if (!opts.json) ctx.print(`${done} job ${o.jobId} (as ${o.actor}).`);
        }
      });
  }
}

/** Adds the `jobs` command group with its actions, or the actions to the group when another part of the CLI made it. */
export function registerJobActionCommands(program: Command, ctx: CliContext): void {
  const jobs = program.commands.find((c) => c.name() === 'jobs') ?? program.command('jobs').description('Act on jobs that have not settled: retry now, pause, resume, cancel');
  addJobActionCommands(jobs, ctx);
}
