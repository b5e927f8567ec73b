/**
 * Upgrades that do not break running jobs: every checked-in history (recorded by `record.ts` and `record-resilience.ts`)
 * replays on today's workflow code. A change that breaks one needs `patched()` for the runs
 * already going, then a new recording.
 */
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { temporal } from '@temporalio/proto';
import { DefaultLogger, Runtime, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { describe, expect, it } from 'vitest';
import { workflowBundle } from '../../src/worker';

const dir = __dirname;
const histories = readdirSync(dir)
  .filter((f) => f.endsWith('.json'))
  .map((f) => {
    const { workflowId, history } = JSON.parse(readFileSync(path.join(dir, f), 'utf8')) as { workflowId: string; history: object };
    // Recorded as protobuf.js writes a History to JSON; read back the same way.
    return { name: f.replace(/\.json$/, ''), workflowId, history: temporal.api.history.v1.History.fromObject(history) };
  });

describe('checked-in histories', () => {
  it('are there for each kind of run', () => {
    expect(histories.map((h) => h.name).sort()).toEqual([
      'auto-redrive',
      'breaker',
      'breaker-wait',
      'bulk-operation',
      'bulk-overlapping',
      'continued-as-new',
      'dead',
      'dead-letter-queue',
      'dead-then-retried',
      'flaky',
      'redrive-gate',
      'success',
    ]);
  });

  it.each(histories.map((h) => [h.name, h] as const))('replays %s on the workflow code as it is', async (_name, { workflowId, history }) => {
    await Worker.runReplayHistory({ workflowBundle: await workflowBundle() }, history, workflowId);
  });

  it('fail to replay on workflow code that issues other commands', async () => {
    if (!Runtime.instance) Runtime.install({ logger: new DefaultLogger('WARN') });
    const changed = await bundleWorkflowCode({ workflowsPath: path.join(dir, 'fixtures', 'changed-workflows.ts'), logger: new DefaultLogger('WARN') });
    const success = histories.find((h) => h.name === 'success')!;
    await expect(Worker.runReplayHistory({ workflowBundle: changed }, success.history, success.workflowId)).rejects.toThrow(/[Nn]ondetermin/);
  });
});
