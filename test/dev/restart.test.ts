/**
 * `rebound dev` keeps every job in its SQLite file: stopped with Ctrl-C while a job runs and
 * started again on the same file, it still knows the finished jobs and finishes the running one.
 * Runs the built CLI (`npm run build` first) with its own server on free ports.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/dev';
import { eventually, unique } from '../helpers';
import { json, requireBuiltCli, startRebound as start, type Run, type Started } from '../fixtures/rebound-cli';

describe('rebound dev', () => {
  let dir: string;
  let port: number;
  let uiPort: number;
  let dev: Started | undefined;
  const cli = (...args: string[]) => start([...args, '--jobs', 'rebound/examples', '--address', `127.0.0.1:${port}`]).exited;

  /** Starts `rebound dev` on the test's file and ports; resolves once it says it is ready. */
  async function startDev(): Promise<Started> {
    const child = start(['dev', '--port', String(port), '--ui-port', String(uiPort), '--db', path.join(dir, 'rebound.sqlite')]);
    dev = child;
    await eventually(
      async () => {
        const { code, stdout, stderr } = child.output();
        if (code !== null) throw new Error(`rebound dev exited with ${code} before it was ready:\n${stdout}\n${stderr}`);
        return stdout.includes('Press Ctrl-C to stop');
      },
      'rebound dev to be ready',
      180_000,
    ).catch((err: Error) => {
      child.kill('SIGKILL');
      throw err;
    });
    return child;
  }

  /** Stops `rebound dev` the way Ctrl-C does; resolves to how it exited. */
  async function stopDev(child: Started): Promise<Run> {
    child.kill('SIGINT');
    return child.exited;
  }

  beforeAll(async () => {
    requireBuiltCli();
    dir = mkdtempSync(path.join(os.tmpdir(), 'rebound-dev-'));
    port = await freePort();
    uiPort = await freePort();
  });

  afterAll(async () => {
    if (dev && dev.exitCode === null && dev.signalCode === null) await stopDev(dev);
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps finished jobs across a restart on the same SQLite file, and finishes the job that was running', async () => {
    const ok = unique('dev-ok');
    const dead = unique('dev-dead');
    const inFlight = unique('dev-running');

    const first = await startDev();
    const succeeded = await cli('submit', 'example.send-email', '--id', ok, '--wait', '--json');
    expect(json(succeeded)).toMatchObject({ status: 'Succeeded', attempts: 1 });
    const deadLettered = await cli('submit', 'example.resize-image', '--id', dead, '--payload', '{"permanent":true}', '--wait', '--json');
    expect(json(deadLettered)).toMatchObject({ status: 'DeadLettered', attempts: 1 });
    const running = await cli('submit', 'example.send-email', '--id', inFlight, '--payload', '{"sleepMs":8000}', '--json');
    expect(json(running)).toMatchObject({ jobId: inFlight, created: true });
    // Give the worker a moment to pick the attempt up, so it is stopped mid-attempt.
    await new Promise((r) => setTimeout(r, 1_500));
    expect(json(await cli('status', inFlight, '--json'))).toMatchObject({ status: 'Running' });

    const stopped = await stopDev(first);
    expect(stopped.code, stopped.stderr).toBe(0);

    await startDev();
    expect(json(await cli('status', ok, '--json'))).toMatchObject({ jobId: ok, status: 'Succeeded', attempts: 1 });
    expect(json(await cli('status', dead, '--json'))).toMatchObject({
      jobId: dead,
      status: 'DeadLettered',
      attempts: 1,
      errorType: 'ValidationError',
    });
    const finished = await eventually(
      async () => {
        const doc = json(await cli('status', inFlight, '--json'));
        return doc.status === 'Succeeded' && doc;
      },
      `job ${inFlight} to succeed after the restart`,
      90_000,
    );
    expect(finished).toMatchObject({ jobId: inFlight, status: 'Succeeded', result: { ok: true } });
  }, 600_000);
});
