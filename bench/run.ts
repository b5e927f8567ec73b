/**
 * `npm run bench`: starts its own servers (a Temporal dev server on a fresh SQLite file for each
 * scenario, and two Redis servers), runs the scenarios with the systems interleaved run by run,
 * prints the tables, writes bench/results/<date>.json and updates BENCHMARKS.md.
 */
import { spawn } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { DefaultLogger, bundleWorkflowCode } from '@temporalio/worker';
import type { BenchOptions, ScenarioContext, ScenarioId, ScenarioReport } from './context';
import { machineInfo } from './machine';
import { markdownSection, textTable, updateMarkdown, type RunRecord } from './markdown';
import { machineBusyMs, treeCpuMs } from './processes';
import { parseOptions, usage } from './options';
import { crashScenario } from './scenarios/crash';
import { deadLetterScenario } from './scenarios/dead-letter';
import { embeddedServerScenario } from './scenarios/embedded-server';
import { failureMixScenario } from './scenarios/failure-mix';
import { retryTimingScenario } from './scenarios/retry-timing';
import { stormScenario } from './scenarios/storm';
import { successScenario } from './scenarios/success';
import { workersScenario } from './scenarios/workers';
import { defaultSqlitePragmas } from '../src/dev';
import { redisServerBinary, startRedis, startTemporal, temporalBinary, type RedisServer } from './servers';

/** The project: where results and BENCHMARKS.md go (the snapshot runs elsewhere, see {@link fromSnapshot}). */
const root = process.env.BENCH_ROOT ?? path.join(__dirname, '..', '..');

const scenarios: Record<ScenarioId, (ctx: ScenarioContext) => Promise<ScenarioReport>> = {
  success: successScenario,
  'failure-mix': failureMixScenario,
  'retry-timing': retryTimingScenario,
  'dead-letter': deadLetterScenario,
  crash: crashScenario,
  storm: stormScenario,
  workers: workersScenario,
  'embedded-server': embeddedServerScenario,
};

/** Scenarios that compare with raw Temporal, and with BullMQ. */
const needsRaw: ScenarioId[] = ['success', 'failure-mix', 'retry-timing', 'embedded-server'];
const needsRedis: ScenarioId[] = ['failure-mix', 'retry-timing', 'crash'];

/** Redis as it ships, and Redis with an append-only file synced every second. */
const redisModes = { plain: [] as string[], aof: ['--appendonly', 'yes', '--appendfsync', 'everysec'] };

/** The dev server's settings: its defaults, but for the Web UI (off). */
const dynamicConfig: Record<string, unknown> = {};

function stamp(d: Date): string {
  return d.toISOString().replace(/\.\d+Z$/, '').replace(/:/g, '-');
}

/**
 * Runs the harness from a copy of dist/ taken now, in a work folder: others rebuild dist/ while a
 * long run goes on, and every worker process of one run must load the same code. Resolves with the
 * copy's exit code.
 */
function fromSnapshot(argv: string[]): Promise<number> {
  const tmp = mkdtempSync(path.join(os.tmpdir(), 'rebound-bench-'));
  const snapshot = path.join(tmp, 'snapshot');
  cpSync(path.join(root, 'dist'), path.join(snapshot, 'dist'), { recursive: true });
  copyFileSync(path.join(root, 'package.json'), path.join(snapshot, 'package.json'));
  symlinkSync(path.join(root, 'node_modules'), path.join(snapshot, 'node_modules'));
  const child = spawn(process.execPath, [path.join(snapshot, 'dist', 'bench', 'run.js'), ...argv], {
    stdio: 'inherit',
    env: { ...process.env, BENCH_ROOT: root, BENCH_WORK_DIR: tmp },
  });
  for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
  return new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      // The work folder stays when the run failed: its logs tell why.
      if (code === 0) rmSync(tmp, { recursive: true, force: true });
      resolve(code ?? (signal ? 1 : 0));
    });
  });
}

/** Stops what the run started, when it is interrupted. */
const cleanups = new Set<() => Promise<void>>();

function onInterrupt(signal: NodeJS.Signals): void {
  process.stderr.write(`bench: ${signal}: stopping the servers it started\n`);
  const timeout = new Promise((resolve) => setTimeout(resolve, 15_000).unref());
  void Promise.race([Promise.allSettled([...cleanups].map((c) => c())), timeout]).then(() => process.exit(130));
}

async function main(options: BenchOptions): Promise<number> {
  process.on('SIGINT', onInterrupt);
  process.on('SIGTERM', onInterrupt);
  const started = new Date();
  const t0 = performance.now();
  const tmp = process.env.BENCH_WORK_DIR ?? mkdtempSync(path.join(os.tmpdir(), 'rebound-bench-'));
  const logDir = path.join(tmp, 'logs');
  mkdirSync(logDir, { recursive: true });
  const log = (message: string) => process.stderr.write(`[bench ${((performance.now() - t0) / 1_000).toFixed(0).padStart(5)}s] ${message}\n`);
  log(`${options.quick ? 'quick' : 'full'} run of ${options.only.join(', ')}; ${options.reps} repetition(s); work files in ${tmp}`);

  const binary = temporalBinary();
  const wantRedis = options.only.some((id) => needsRedis.includes(id));
  const redisBinary = wantRedis ? redisServerBinary() : undefined;
  let redis: { plain: RedisServer; aof: RedisServer } | undefined;
  let rawBundlePath = '';
  const reports: ScenarioReport[] = [];
  let failed = false;
  // Now, while the code in the snapshot is what the work tree holds: others commit while a run goes on.
  const machine = machineInfo(binary, redisBinary);
  const fileName = `${stamp(started)}${options.quick ? '-quick' : ''}.json`;
  // A quick run is a smoke check: its figures are not kept.
  const resultsFile = options.quick ? path.join(os.tmpdir(), `rebound-bench-${fileName}`) : path.join(root, 'bench', 'results', fileName);
  /** Writes what the run has so far: after each scenario, so that a run stopped halfway keeps its figures. */
  const writeOut = (complete: boolean) => {
    const record: RunRecord = {
      startedAt: started.toISOString(),
      finishedAt: new Date().toISOString(),
      durationMs: performance.now() - t0,
      complete,
      options,
      command: ['npm run bench', ...(options.argv.length ? ['--', ...options.argv] : [])].join(' '),
      machine,
      servers: {
        temporal: `temporal server start-dev, a fresh SQLite file per scenario, rebound dev's SQLite settings (${defaultSqlitePragmas.join(', ')})${Object.keys(dynamicConfig).length ? ` and ${JSON.stringify(dynamicConfig)}` : ''}, no Web UI`,
        redis: redis ? `redis-server defaults (RDB snapshots, no AOF) for "BullMQ"; --appendonly yes --appendfsync everysec for "BullMQ + AOF"` : 'not available',
      },
      scenarios: reports,
    };
    mkdirSync(path.dirname(resultsFile), { recursive: true });
    writeFileSync(resultsFile, `${JSON.stringify(record, null, 2)}\n`);
    if (options.updateMarkdown) updateMarkdown(path.join(root, 'BENCHMARKS.md'), options.label, markdownSection(record, path.relative(root, resultsFile)));
  };
  try {
    if (redisBinary) {
      redis = {
        plain: await startRedis(redisBinary, path.join(tmp, 'redis-plain'), redisModes.plain),
        aof: await startRedis(redisBinary, path.join(tmp, 'redis-aof'), redisModes.aof),
      };
      cleanups.add(redis.plain.stop);
      cleanups.add(redis.aof.stop);
      log(`redis: as shipped on port ${redis.plain.port}, with appendonly everysec on port ${redis.aof.port}`);
    } else if (wantRedis) {
      log('redis-server could not be had: the BullMQ rows are left out');
    }
    if (options.only.some((id) => needsRaw.includes(id))) {
      const { code } = await bundleWorkflowCode({ workflowsPath: require.resolve('./raw/workflows'), logger: new DefaultLogger('WARN') });
      rawBundlePath = path.join(tmp, 'raw-workflows-bundle.js');
      writeFileSync(rawBundlePath, code);
    }

    for (const id of options.only) {
      const dir = path.join(tmp, id);
      mkdirSync(dir, { recursive: true });
      log(`scenario ${id}: starting a dev server on a fresh SQLite file`);
      const temporal = await startTemporal(binary, path.join(dir, 'temporal'), dynamicConfig);
      cleanups.add(temporal.stop);
      const ctx: ScenarioContext = {
        options,
        temporal,
        redis,
        dir,
        logDir,
        rawBundlePath,
        logLevel: options.logLevel,
        size: (key, full, quick) => (options.set[`${id}.${key}`] !== undefined ? Number(options.set[`${id}.${key}`]) : options.quick ? quick : full),
        sizes: (key, full, quick) => {
          const v = options.set[`${id}.${key}`];
          return v !== undefined ? v.split(',').map(Number) : options.quick ? quick : full;
        },
        log: (message) => log(`${id}: ${message}`),
      };
      const s0 = performance.now();
      const busy0 = machineBusyMs();
      const ours0 = treeCpuMs();
      let report: ScenarioReport;
      try {
        report = await scenarios[id](ctx);
      } catch (err) {
        failed = true;
        log(`${id} failed: ${err instanceof Error ? err.stack : String(err)}`);
        report = { id, title: id, params: {}, tables: [], targets: [], notes: [], data: {}, error: err instanceof Error ? err.message : String(err) };
      } finally {
        await temporal.stop().catch((err: unknown) => log(`could not stop the dev server: ${String(err)}`));
        cleanups.delete(temporal.stop);
        // The SQLite file of a large scenario is big: nothing reads it afterwards.
        rmSync(path.join(dir, 'temporal'), { recursive: true, force: true });
      }
      report.durationMs = performance.now() - s0;
      // Others may work on this machine meanwhile: say how much CPU went to processes not ours.
      const otherMs = machineBusyMs() - busy0 - (treeCpuMs() - ours0);
      const share = otherMs / (report.durationMs * os.cpus().length);
      report.data.otherProcessesCpu = { ms: otherMs, shareOfMachine: share };
      report.notes.push(`Processes other than the benchmark's used ${(Math.max(0, share) * 100).toFixed(1)}% of the machine's CPU while this scenario ran.`);
      reports.push(report);
      writeOut(false);
      process.stdout.write(`\n== ${report.title} (${(report.durationMs / 1_000).toFixed(0)} s)\n`);
      if (report.error) process.stdout.write(`did not finish: ${report.error}\n`);
      for (const t of report.tables) process.stdout.write(`\n${textTable(t)}\n`);
    }
  } finally {
    await redis?.plain.stop();
    await redis?.aof.stop();
  }

  process.stdout.write('\n== Targets\n');
  for (const t of reports.flatMap((r) => r.targets)) {
    process.stdout.write(`${t.met === undefined ? '-' : t.met ? 'met   ' : 'missed'}  ${t.target}: ${t.measured}\n`);
  }

  writeOut(true);
  log(`results: ${resultsFile}`);
  if (options.updateMarkdown) log(`BENCHMARKS.md: section "${options.label}" updated`);
  log(`done in ${((performance.now() - t0) / 1_000).toFixed(0)} s`);
  if (failed) log(`worker logs kept in ${logDir}`);
  return failed ? 1 : 0;
}

let options: ReturnType<typeof parseOptions>;
try {
  options = parseOptions(process.argv.slice(2));
} catch (err) {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(2);
}
if (options === 'help') {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
if (typeof options === 'object' && 'render' in options) {
  const file = path.resolve(options.render);
  const record = JSON.parse(readFileSync(file, 'utf8')) as RunRecord;
  updateMarkdown(path.join(root, 'BENCHMARKS.md'), options.label, markdownSection({ ...record, options: { ...record.options, label: options.label }, complete: record.complete ?? true }, path.relative(root, file)));
  process.stdout.write(`BENCHMARKS.md: section "${options.label}" written from ${file}\n`);
  process.exit(0);
}
const run = options;
(process.env.BENCH_WORK_DIR ? main(run) : fromSnapshot(process.argv.slice(2))).then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
