/**
 * The job module of the cluster suite, as a team writes one: plain JavaScript that requires
 * `rebound` and `zod` by name, written into the project (so that `require('rebound')` finds this
 * package by its own name, as it finds the installed package in a team's project) and named
 * with `--jobs`.
 *
 * - `cluster.succeed`: returns at once (after `sleepMs`).
 * - `cluster.flaky`: fails its first two attempts (`FlakyError`), then succeeds.
 * - `cluster.dead-letter`: fails every attempt (`FlakyError`) and dead-letters after 3; with
 *   `permanent`, fails with a `PermanentError` of type `InvalidInput` and dead-letters at once.
 *   With `fixed` it succeeds; with `untilRetried`, it succeeds once an operator retried it.
 * - `cluster.refuse`: like `cluster.dead-letter` with `permanent`, under another type and error
 *   type (`Refused`), so that filters by type and by error type can be told apart.
 * - `cluster.expiring`: dead-letters at once, and its retention is 3 seconds.
 *
 * Every type retries within milliseconds, and misses a heartbeat after 2 seconds: a killed
 * worker's attempt runs again elsewhere soon.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { projectRoot } from './temporal-build';

export const jobTypes = {
  succeed: 'cluster.succeed',
  flaky: 'cluster.flaky',
  deadLetter: 'cluster.dead-letter',
  refuse: 'cluster.refuse',
  expiring: 'cluster.expiring',
} as const;

const source = `
const { z } = require('zod');
const { PermanentError, defineJob } = require('rebound');

class FlakyError extends Error {
  constructor(message) {
    super(message);
    this.name = 'FlakyError';
  }
}

const fast = { initialInterval: 20, backoffCoefficient: 2, maximumInterval: 200, maximumAttempts: 10 };
const payload = z.object({
  sleepMs: z.number().int().min(0).optional(),
  permanent: z.boolean().optional(),
  fixed: z.boolean().optional(),
  untilRetried: z.boolean().optional(),
});

function failing(errorType) {
  return async (p, ctx) => {
    await ctx.sleep(p.sleepMs ?? 0);
    if (p.fixed || (p.untilRetried && ctx.round > 1)) return { round: ctx.round, attempt: ctx.attempt };
    if (p.permanent) throw new PermanentError('the payload cannot work', { type: errorType });
    throw new FlakyError('attempt ' + ctx.attempt + ' failed, as every attempt of this job does');
  };
}

exports.succeed = defineJob({
  type: 'cluster.succeed',
  schema: payload,
  retry: fast,
  heartbeatTimeout: '2s',
  async handler(p, ctx) {
    await ctx.sleep(p.sleepMs ?? 0);
    return { attempt: ctx.attempt };
  },
});

exports.flaky = defineJob({
  type: 'cluster.flaky',
  schema: payload,
  retry: fast,
  heartbeatTimeout: '2s',
  async handler(p, ctx) {
    await ctx.sleep(p.sleepMs ?? 0);
    if (ctx.attempt <= 2) throw new FlakyError('attempt ' + ctx.attempt + ' failed, as the first two do');
    return { attempt: ctx.attempt };
  },
});

exports.deadLetter = defineJob({
  type: 'cluster.dead-letter',
  schema: payload,
  retry: { ...fast, maximumAttempts: 3 },
  heartbeatTimeout: '2s',
  handler: failing('InvalidInput'),
});

exports.refuse = defineJob({
  type: 'cluster.refuse',
  schema: payload,
  retry: fast,
  heartbeatTimeout: '2s',
  handler: (p, ctx) => failing('Refused')({ permanent: true, ...p }, ctx),
});

exports.expiring = defineJob({
  type: 'cluster.expiring',
  schema: payload,
  retry: fast,
  heartbeatTimeout: '2s',
  retention: '3s',
  expiryWarning: '1s',
  handler: (p, ctx) => failing('InvalidInput')({ permanent: true, ...p }, ctx),
});
`;

/** Writes the module into `.rebound/` of the project; `remove()` deletes it again. */
export function writeJobModule(): { file: string; remove(): void } {
  mkdirSync(path.join(projectRoot, '.rebound'), { recursive: true });
  const dir = mkdtempSync(path.join(projectRoot, '.rebound', 'cluster-jobs-'));
  const file = path.join(dir, 'jobs.js');
  writeFileSync(file, source);
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
