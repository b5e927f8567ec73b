/**
 * Scenario 8, the embedded server's storage: raw Temporal's success path on a dev server with the
 * server's own SQLite settings (a rollback journal, a sync at every commit), with `rebound dev`'s
 * (`journal_mode=wal`, `synchronous=normal`), and in memory (no file: nothing survives a stop).
 */
import path from 'node:path';
import { defaultSqlitePragmas } from '../../src/dev';
import type { ScenarioContext, ScenarioReport } from '../context';
import { check, med, times } from '../format';
import { temporalBinary, startTemporal, type StorageSettings } from '../servers';
import { spread } from '../stats';
import { startRaw } from '../systems';
import { interleaved, laneRun, pick, ratios, withSystem } from './common';

const settings: Record<string, { label: string; storage: StorageSettings }> = {
  'server defaults': { label: "a file, the server's own SQLite settings", storage: { sqlitePragmas: [] } },
  'rebound dev': { label: `a file, rebound dev's settings (${defaultSqlitePragmas.join(', ')})`, storage: {} },
  'in memory': { label: 'in memory (no file)', storage: { inMemory: true } },
};

export async function embeddedServerScenario(ctx: ScenarioContext): Promise<ScenarioReport> {
  const jobs = ctx.size('jobs', 200, 20);
  const inFlight = ctx.size('inFlight', 50, 10);
  const warmup = ctx.size('warmup', 10, 3);
  const timeoutMs = ctx.size('timeoutMs', 600_000, 120_000);
  const names = Object.keys(settings);
  const binary = temporalBinary();
  let n = 0;
  const runs = await interleaved(ctx, names, async (name) => {
    // A server of its own for each run, on a fresh file.
    const temporal = await startTemporal(binary, path.join(ctx.dir, `server-${n++}`), {}, settings[name].storage);
    try {
      return await withSystem(
        () => startRaw({ ...ctx, temporal }),
        (s) => laneRun(s, { jobs, inFlight, warmup, timeoutMs, payload: (i) => ({ i }) }),
      );
    } finally {
      await temporal.stop();
    }
  });
  const gain = spread(ratios(pick(runs['rebound dev'], 'throughput'), pick(runs['server defaults'], 'throughput')));
  const memory = spread(ratios(pick(runs['in memory'], 'throughput'), pick(runs['server defaults'], 'throughput')));
  return {
    id: 'embedded-server',
    title: "The embedded server's storage",
    params: { jobs, inFlight, warmup, reps: ctx.options.reps, pragmas: defaultSqlitePragmas },
    tables: [
      {
        title: `Raw Temporal's success path (${jobs} jobs, ${inFlight} in flight) on a dev server keeping its data…`,
        columns: ['storage', 'jobs/s', 'p50 ms', 'p99 ms', 'server CPU ms/job', 'throughput / server defaults'],
        rows: names.map((name) => [
          settings[name].label,
          med(spread(pick(runs[name], 'throughput')), 1),
          med(spread(pick(runs[name], 'p50Ms'))),
          med(spread(pick(runs[name], 'p99Ms'))),
          med(spread(pick(runs[name], 'serverMsPerJob')), 2),
          name === 'rebound dev' ? times(gain) : name === 'in memory' ? times(memory) : '1x',
        ]),
      },
    ],
    targets: [check("rebound dev's server: raw throughput ≥ 2x the server's own SQLite settings", gain.median, times(gain), (v) => v >= 2)],
    notes: [
      'With `synchronous=normal` in WAL mode SQLite syncs at checkpoints, not at every commit: a crash of the process loses nothing, a crash of the machine (or its power) may lose the last commits before it, as the README says.',
    ],
    data: { runs },
  };
}
