/**
 * A team's own job types through the CLI: a job module written here (two types that are not the
 * examples), run by `rebound worker --jobs`, submitted with `rebound submit`, a dead job retried
 * with `rebound dlq retry --payload` checked against its schema.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { json, rebound, reboundWithEnv, requireBuiltCli, startRebound, type Started } from '../fixtures/rebound-cli';
import { address, unique } from '../helpers';

const root = path.join(__dirname, '..', '..');

// Inside the project, so that `require('rebound')` finds this package by its own name, as it
// would find the installed package in a team's project.
const jobModuleSource = `
const { z } = require('zod');
const { PermanentError, defineJob } = require('rebound');

exports.charge = defineJob({
  type: 'billing.charge',
  schema: z.object({ amount: z.number().positive('amount must be positive'), card: z.string().optional() }),
  retry: { maximumAttempts: 2, initialInterval: 10, maximumInterval: 50 },
  async handler(payload) {
    if (!payload.card) throw new PermanentError('no card on file', { type: 'NoCard' });
    return { charged: payload.amount };
  },
});

exports.render = defineJob({
  type: 'report.render',
  schema: z.object({ pages: z.number().int() }),
  async handler(payload, ctx) {
    return { pages: payload.pages, attempt: ctx.attempt };
  },
});
`;

describe('a job module given with --jobs', () => {
  let dir: string;
  let moduleFile: string;
  let worker: Started | undefined;
  const taskQueue = unique('tq-jobs');
  const flags = () => ['--address', address(), '--task-queue', taskQueue];

  beforeAll(() => {
    requireBuiltCli();
    mkdirSync(path.join(root, '.rebound'), { recursive: true });
    dir = mkdtempSync(path.join(root, '.rebound', 'job-module-'));
    moduleFile = path.join(dir, 'jobs.js');
    writeFileSync(moduleFile, jobModuleSource);
  });
  afterAll(async () => {
    if (worker && worker.exitCode === null) {
      worker.kill('SIGTERM');
      await worker.exited;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs its job types with rebound worker, submitted and retried through the CLI', async () => {
    worker = startRebound(['worker', '--jobs', moduleFile, ...flags()]);

    const rendered = await rebound('submit', 'report.render', '--jobs', moduleFile, '--payload', '{"pages":3}', '--wait', '--json', ...flags());
    expect(rendered.code, rendered.stderr).toBe(0);
    expect(json(rendered)).toMatchObject({ status: 'Succeeded', result: { pages: 3, attempt: 1 } });

    // REBOUND_JOBS names the module as well as --jobs does.
    const charged = await reboundWithEnv({ REBOUND_JOBS: moduleFile }, 'submit', 'billing.charge', '--payload', '{"amount":12}', '--wait', '--json', ...flags());
    expect(charged.code, charged.stderr).toBe(0);
    const dead = json(charged);
    expect(dead).toMatchObject({ status: 'DeadLettered', attempts: 1, error: { type: 'NoCard' } });

    const refused = await rebound('dlq', 'retry', dead.jobId, '--jobs', moduleFile, '--payload', '{"amount":-5,"card":"visa"}', ...flags());
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain('amount must be positive');
    const stillDead = json(await rebound('status', dead.jobId, '--json', ...flags()));
    expect(stillDead).toMatchObject({ status: 'DeadLettered', round: 1, payload: { amount: 12 } });

    const retried = await rebound('dlq', 'retry', dead.jobId, '--jobs', moduleFile, '--payload', '{"amount":12,"card":"visa"}', '--json', ...flags());
    expect(retried.code, retried.stderr).toBe(0);
    // Submitting an id that exists starts nothing and waits for the job that has it.
    const settled = await rebound('submit', 'billing.charge', '--jobs', moduleFile, '--id', dead.jobId, '--payload', '{"amount":1}', '--wait', '--json', ...flags());
    expect(json(settled)).toMatchObject({ created: false, status: 'Succeeded', result: { charged: 12 } });
  });

  it('submit refuses a payload its schema refuses, with the schema message, and starts nothing', async () => {
    const jobId = unique('bad');
    const run = await rebound('submit', 'billing.charge', '--jobs', moduleFile, '--id', jobId, '--payload', '{"amount":0}', ...flags());
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('amount must be positive');
    expect((await rebound('status', jobId, ...flags())).code).toBe(1);
  });

  it('submit of a type the module does not define names the types it does', async () => {
    const run = await rebound('submit', 'example.send-email', '--jobs', moduleFile, ...flags());
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('billing.charge, report.render');
  });

  it('rebound worker without --jobs refuses, saying how to give job types', async () => {
    const run = await rebound('worker', ...flags());
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--jobs <module>');
    expect(run.stderr).toContain('REBOUND_JOBS');
    expect(run.stderr).toContain('rebound/examples');
  });

  it('rebound submit and dlq retry --payload without a job module refuse the same way', async () => {
    const submit = await rebound('submit', 'report.render', '--payload', '{"pages":1}', ...flags());
    expect(submit.code).toBe(2);
    expect(submit.stderr).toContain('--jobs <module>');
    const retry = await rebound('dlq', 'retry', 'any-job', '--payload', '{}', ...flags());
    expect(retry.code).toBe(2);
    expect(retry.stderr).toContain('--jobs <module>');
  });

  it('a module that cannot be found, or exports no job type, is named in the error', async () => {
    const missing = await rebound('worker', '--jobs', './no/such/jobs.js', ...flags());
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/job module "\.\/no\/such\/jobs\.js": not found/);
    const empty = path.join(dir, 'empty.js');
    writeFileSync(empty, 'exports.answer = 42;\n');
    const none = await rebound('worker', '--jobs', empty, ...flags());
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('exports no job type');
  });
});
