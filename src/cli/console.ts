/**
 * `rebound console`: the operator console (web pages and a JSON API) on a local port, until Ctrl-C.
 */
import type { Command } from 'commander';
import { serveConsole } from '../console';
import { UsageError } from '../errors';
import { createLogger } from '../logger';
import type { CliContext } from './context';
import { parseIntegerInRange } from './options';
import { untilSignal } from './signals';

/** Adds `rebound console`. */
export function addConsoleCommand(program: Command, ctx: CliContext): void {
  program
    .command('console')
    .description('Serve the operator console on 127.0.0.1: dead jobs, retries, bulk operations, as web pages and a JSON API under /api')
    .option('--port <n>', 'port on 127.0.0.1 (0 picks a free one)', parseIntegerInRange(0, 65_535), 8234)
    .option('--read-only', 'serve no action: no retry, cancel or bulk route, and no buttons')
    .option('--ui-url <url>', 'base URL of the Temporal Web UI, for links to each job', 'http://127.0.0.1:8233')
    .option('--token-name <name>', "who changes made through the console are recorded as, in the jobs' timelines and the audit log (env REBOUND_CONSOLE_TOKEN_NAME, default \"console\")")
    .addHelpText(
      'after',
      '\nREBOUND_CONSOLE_TOKEN is the secret every request needs (Authorization: Bearer <token>, or the login form);' +
        '\nwithout it the console refuses to start, unless --read-only. Give --jobs to edit payloads (checked against their schemas).',
    )
    .action(async (opts: { port: number; readOnly?: boolean; uiUrl: string; tokenName?: string }, cmd: Command) => {
      const tokenName = opts.tokenName ?? (process.env.REBOUND_CONSOLE_TOKEN_NAME?.trim() || undefined);
      const token = process.env.REBOUND_CONSOLE_TOKEN?.trim() || undefined;
      if (token === undefined && !opts.readOnly) {
        throw new UsageError(
          'rebound console needs REBOUND_CONSOLE_TOKEN, the secret that every request must carry: ' +
            'export REBOUND_CONSOLE_TOKEN="$(openssl rand -hex 32)" and start it again, or add --read-only to serve no action',
        );
      }
      const module = await ctx.jobs(cmd);
      const signals = untilSignal(ctx);
      try {
        await ctx.withClient(cmd, async (client, config) => {
          const server = await serveConsole({ client, taskQueue: config.taskQueue, jobs: module?.jobs, token, tokenName, readOnly: opts.readOnly, uiUrl: opts.uiUrl, port: opts.port, logger: createLogger() });
          try {
            ctx.print(`rebound console on ${server.url} (task queue "${config.taskQueue}", namespace "${config.namespace}"${opts.readOnly ? ', read-only' : ''})`);
            if (!module && !opts.readOnly) ctx.warn('Without --jobs (or REBOUND_JOBS), payloads cannot be edited: they are checked against the job types\' schemas.');
            ctx.warn('Ctrl-C to stop.');
            await signals.received;
          } finally {
            await server.close();
          }
        });
      } finally {
        signals.dispose();
      }
    });
}
