/**
 * `rebound worker --metrics-address`: the built CLI serves rebound's and the SDK's metrics on one
 * endpoint, and stops serving when it stops.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/dev';
import { address, eventually, unique } from '../helpers';
import { json, rebound, requireBuiltCli, startRebound, type Started } from '../fixtures/rebound-cli';
import { scrape, valueOf } from './scrape';

describe('rebound worker --metrics-address', () => {
  const taskQueue = unique('cli-metrics');
  const connection = ['--address', address(), '--task-queue', taskQueue, '--jobs', 'rebound/examples'];
  let worker: Started;
  let url: string;

  beforeAll(async () => {
    requireBuiltCli();
    const metricsAddress = `127.0.0.1:${await freePort()}`;
    url = `http://${metricsAddress}/metrics`;
    worker = startRebound(['worker', ...connection, '--metrics-address', metricsAddress]);
    await eventually(async () => {
      if (worker.exitCode !== null) throw new Error(`rebound worker exited:\n${worker.output().stderr}`);
      return (await fetch(url)).ok;
    }, 'the metrics endpoint', 60_000);
  });
  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await worker.exited;
    }
  });

  it('counts the jobs it ran, beside the SDK’s metrics of its task queue', async () => {
    const ok = await rebound('submit', 'example.send-email', '--wait', '--json', ...connection);
    expect(json(ok)).toMatchObject({ status: 'Succeeded' });
    const flaky = await rebound('submit', 'example.resize-image', '--payload', '{"failTimes":1}', '--wait', '--json', ...connection);
    expect(json(flaky)).toMatchObject({ status: 'Succeeded', attempts: 2 });

    const { samples } = await scrape(url);
    const labels = (jobType: string) => ({ task_queue: taskQueue, job_type: jobType });
    expect(valueOf(samples, 'rebound_jobs_succeeded_total', labels('example.send-email'))).toBe(1);
    expect(valueOf(samples, 'rebound_jobs_succeeded_total', labels('example.resize-image'))).toBe(1);
    expect(valueOf(samples, 'rebound_attempts_total', labels('example.resize-image'))).toBe(2);
    expect(valueOf(samples, 'rebound_attempt_failures_total', labels('example.resize-image'))).toBe(1);
    expect(samples.some((s) => s.name === 'temporal_worker_task_slots_available' && s.labels.task_queue === taskQueue)).toBe(true);
  });

  it('stops serving once the worker stopped', async () => {
    worker.kill('SIGTERM');
    expect((await worker.exited).code).toBe(0);
    await expect(fetch(url)).rejects.toThrow();
  });

  it('refuses an address that is not host:port', async () => {
    const run = await rebound('worker', ...connection, '--metrics-address', '9464');
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--metrics-address');
  });
});
