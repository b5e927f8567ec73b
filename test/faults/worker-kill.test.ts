/**
 * Workers SIGKILLed while jobs run (succeeding, failing twice then succeeding, dead-lettering):
 * every job still ends as it should, exactly once, and every dead job is counted once by the
 * dead-letter queue, whose reports the killed workers may have sent twice. Real `rebound worker`
 * processes; `REBOUND_FAULTS_FULL=1` for the full sizes.
 */
import { afterAll, describe, it } from 'vitest';
import { requireBuiltCli, type Started } from '../fixtures/rebound-cli';
import { expectAllAccounted, fullSize, reportFigures, settledCount, startWorkerProcess, stopProcess, submitMixed, untilSettled, type Expected } from '../fixtures/fault-harness';
import { eventually, testEnv, type TestEnv } from '../helpers';

const size = fullSize ? { jobs: 200, kills: 10, twoWorkerKills: 5 } : { jobs: 36, kills: 2, twoWorkerKills: 1 };
const timeout = fullSize ? 1_800_000 : 600_000;

/**
 * Submits the jobs in `waves` waves; in each but the last, once about a third of the wave has
 * settled (the rest running or waiting), calls `fault`. Then waits for every job.
 */
async function inWaves(env: TestEnv, expected: Expected, waves: number, fault: () => Promise<void>): Promise<void> {
  const perWave = Math.ceil(size.jobs / waves);
  for (let wave = 0; wave < waves; wave++) {
    const before = await settledCount(env.client, env.config.taskQueue);
    const n = Math.min(perWave, size.jobs - expected.size);
    await submitMixed(env, n, expected);
    if (wave === waves - 1) break;
    await eventually(async () => (await settledCount(env.client, env.config.taskQueue)) >= before + Math.ceil(n / 3), 'a third of the wave to settle', 180_000);
    await fault();
  }
  await untilSettled(env.client, env.config.taskQueue, size.jobs, timeout);
}

describe('the fault suite: workers killed', () => {
  const envs: TestEnv[] = [];
  const workers: Started[] = [];
  const start = async (env: TestEnv) => {
    const worker = await startWorkerProcess(env.config.address, env.config.taskQueue);
    workers.push(worker);
    return worker;
  };
  afterAll(async () => {
    await Promise.all(workers.map((w) => stopProcess(w)));
    await Promise.all(envs.map((e) => e.close()));
  });

  it(`one worker SIGKILLed ${size.kills} times during ${size.jobs} mixed jobs loses none and counts each dead job once`, async () => {
    requireBuiltCli();
    const env = await testEnv();
    envs.push(env);
    const expected: Expected = new Map();
    const started = Date.now();
    let worker = await start(env);
    await inWaves(env, expected, size.kills + 1, async () => {
      await stopProcess(worker, 'SIGKILL');
      worker = await start(env);
    });
    await expectAllAccounted(env, expected);
    await reportFigures(env, 'one worker killed', expected, { kills: size.kills, ms: Date.now() - started });
  }, timeout);

  it(`of two workers, one SIGKILLed ${size.twoWorkerKills} time(s): the other carries on, none lost, none counted twice`, async () => {
    requireBuiltCli();
    const env = await testEnv();
    envs.push(env);
    const expected: Expected = new Map();
    const started = Date.now();
    await start(env);
    let victim = await start(env);
    await inWaves(env, expected, size.twoWorkerKills + 1, async () => {
      await stopProcess(victim, 'SIGKILL');
      victim = await start(env);
    });
    await expectAllAccounted(env, expected);
    await reportFigures(env, 'two workers, one killed', expected, { kills: size.twoWorkerKills, ms: Date.now() - started });
  }, timeout);
});
