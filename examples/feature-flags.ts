/**
 * Scheduled feature-flag changes, rebuilt on rebound.
 *
 * The system it replaces applies flag changes scheduled for a time. A change that fails is
 * retried after 2^(n+1) minutes plus 0-30 s of random jitter (n: the retry's number, so 4, 8, 16
 * minutes...), up to a number of retries from 0 to 10 read from an environment variable (N
 * retries are N + 1 attempts). A flag deleted in the meantime is a permanent error; the flag
 * service answering 503 is a transient one.
 *
 * On rebound: one job per change, submitted with `runAt` (or `delay`) for its time; the policy
 * starts at 4 minutes and doubles, with `jitter: { max: '30s' }` added to each delay, and
 * `maximumAttempts` is the variable's retries plus one; `FlagNotFoundError` is among the
 * `nonRetryableErrorTypes`. Each change is tagged with its flag's key, so that the changes of one
 * flag (the failed ones, say) are found by it. Time is scaled down: a minute here is 50 ms (30 s
 * is 25 ms).
 *
 *   FLAG_CHANGE_MAX_RETRIES=3 npx tsx examples/feature-flags.ts      (against `rebound dev`, or TEMPORAL_ADDRESS)
 */
import { z } from 'zod';
import { JobStatus, defineJob, type JobRecord, type RetryOptions } from '../src';
import { delaysOf, describeJob, runAsProgram, runExample, waitFor, type ExampleOptions, type ExampleResult } from './support';

/** One minute of the real system, in this example's time. */
const minute = 50;

/** The environment variable with the number of retries. */
export const maxRetriesVariable = 'FLAG_CHANGE_MAX_RETRIES';
/** Retries when the variable is not set. */
export const defaultMaxRetries = 3;

/** The retries the environment asks for: a whole number from 0 to 10; {@link defaultMaxRetries} when unset. */
export function maxRetriesFromEnv(env: NodeJS.ProcessEnv = process.env): number {
  const text = env[maxRetriesVariable]?.trim();
  if (text === undefined || text === '') return defaultMaxRetries;
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 10) throw new RangeError(`${maxRetriesVariable} must be a whole number from 0 to 10, got ${JSON.stringify(env[maxRetriesVariable])}`);
  return n;
}

/** Retry after 2^(n+1) minutes plus 0-30 s, `maxRetries` times. */
export function flagChangeRetry(maxRetries: number): RetryOptions {
  return {
    initialInterval: 4 * minute,
    backoffCoefficient: 2,
    // The 10th retry waits 2^11 minutes: no cap below that.
    maximumInterval: 2 ** 11 * minute,
    maximumAttempts: maxRetries + 1,
    jitter: { max: minute / 2 },
    nonRetryableErrorTypes: ['FlagNotFoundError'],
  };
}

/** The flag was deleted: the change can never apply. */
export class FlagNotFoundError extends Error {
  override name = 'FlagNotFoundError';
}
/** The flag service answered 503: retried. */
export class FlagServiceUnavailableError extends Error {
  override name = 'FlagServiceUnavailableError';
}

/** The flaky dependency: the flag service. */
class FlagService {
  readonly flags = new Map<string, unknown>([['dark-mode', false], ['new-checkout', 0], ['search-v2', false]]);
  /** Writes that fail before one works, per flag. */
  readonly failuresLeft = new Map<string, number>();
  /** Flags whose writes fail for as long as the example runs. */
  readonly unavailable = new Set<string>();
  /** When each flag was written. */
  readonly writtenAt = new Map<string, number>();

  async set(flag: string, value: unknown): Promise<void> {
    if (!this.flags.has(flag)) throw new FlagNotFoundError(`flag ${flag} does not exist (deleted?)`);
    const left = this.failuresLeft.get(flag) ?? 0;
    if (left > 0 || this.unavailable.has(flag)) {
      this.failuresLeft.set(flag, left - 1);
      throw new FlagServiceUnavailableError(`flag service answered 503 for ${flag}`);
    }
    this.flags.set(flag, value);
    this.writtenAt.set(flag, Date.now());
  }
}

/** True when every delay is 2^(n+1) minutes plus at most 30 s, n counting from 1. */
function delaysFollowPolicy(delays: number[]): boolean {
  return delays.every((ms, i) => ms >= 2 ** (i + 2) * minute && ms <= 2 ** (i + 2) * minute + minute / 2);
}

/** Options of the feature-flags example. */
export interface FeatureFlagOptions extends ExampleOptions {
  /** Retries of a failing change, 0 to 10. @defaultValue `FLAG_CHANGE_MAX_RETRIES`, else 3 */
  maxRetries?: number;
}

/** Runs the example; see the file's documentation. */
export async function main(options: FeatureFlagOptions = {}): Promise<ExampleResult> {
  const maxRetries = options.maxRetries ?? maxRetriesFromEnv();
  if (!(Number.isInteger(maxRetries) && maxRetries >= 0 && maxRetries <= 10)) throw new RangeError(`maxRetries must be a whole number from 0 to 10, got ${maxRetries}`);
  const service = new FlagService();
  const flagChange = defineJob({
    type: 'flag.change',
    schema: z.object({ flag: z.string(), value: z.unknown() }),
    retry: flagChangeRetry(maxRetries),
    async handler({ flag, value }) {
      await service.set(flag, value);
      return { flag, value };
    },
  });

  return runExample(
    {
      name: 'feature-flags',
      title: `Scheduled flag changes: retried after 2^(n+1) minutes (here x 50 ms) plus 0-30 s (here 25 ms), ${maxRetries} retries (${maxRetriesVariable})`,
      jobs: [flagChange],
      async story({ jobs, admin, run, print, check }) {
        const ids = { darkMode: `flag-${run}-dark-mode`, checkout: `flag-${run}-new-checkout`, banner: `flag-${run}-legacy-banner`, search: `flag-${run}-search-v2` };
        service.failuresLeft.set('new-checkout', 2);
        service.unavailable.add('search-v2');
        const runAt = new Date(Date.now() + 30 * minute);

        const darkMode = await jobs.submit('flag.change', { flag: 'dark-mode', value: true }, { jobId: ids.darkMode, runAt, tags: { flag: 'dark-mode', run } });
        const waiting = await darkMode.status();
        const [checkout, banner, search] = await Promise.all([
          jobs.submit('flag.change', { flag: 'new-checkout', value: 50 }, { jobId: ids.checkout, delay: 2 * minute, tags: { flag: 'new-checkout', run } }),
          jobs.submit('flag.change', { flag: 'legacy-banner', value: false }, { jobId: ids.banner, tags: { flag: 'legacy-banner', run } }),
          jobs.submit('flag.change', { flag: 'search-v2', value: true }, { jobId: ids.search, tags: { flag: 'search-v2', run } }),
        ]);
        print(`Scheduled dark-mode=true for ${runAt.toISOString()} (30 minutes away: ${waiting.status} now), new-checkout=50 in 2 minutes (the service fails it twice),`);
        print('legacy-banner=false (the flag was deleted) and search-v2=true (the service is down for it).');
        const [darkDone, checkoutDone, bannerDone, searchDone] = await Promise.all([darkMode, checkout, banner, search].map((h) => h.settled()));
        const rows: [string, JobRecord][] = [['dark-mode', darkDone], ['new-checkout', checkoutDone], ['legacy-banner', bannerDone], ['search-v2', searchDone]];
        for (const [name, record] of rows) print(describeJob(name, record));

        check(waiting.status === JobStatus.Scheduled, 'the change scheduled for later waited as Scheduled');
        check(darkDone.status === JobStatus.Succeeded && (service.writtenAt.get('dark-mode') ?? 0) >= runAt.getTime(), 'dark-mode was set at its time, not before');
        const checkoutAttempts = Math.min(3, maxRetries + 1);
        check(
          checkoutDone.attempts === checkoutAttempts && checkoutDone.status === (maxRetries >= 2 ? JobStatus.Succeeded : JobStatus.DeadLettered),
          maxRetries >= 2 ? 'new-checkout was set at its third attempt' : `new-checkout gave up after ${checkoutAttempts} attempt(s)`,
        );
        check(bannerDone.status === JobStatus.DeadLettered && bannerDone.attempts === 1 && bannerDone.errorType === 'FlagNotFoundError', 'the change to a deleted flag was not retried');
        check(searchDone.status === JobStatus.DeadLettered && searchDone.attempts === maxRetries + 1, `search-v2 gave up after ${maxRetries} retries, ${maxRetries + 1} attempts`);
        const delays = [...delaysOf(checkoutDone), ...delaysOf(searchDone)];
        check(delaysFollowPolicy(delaysOf(checkoutDone)) && delaysFollowPolicy(delaysOf(searchDone)), `each retry waited 2^(n+1) minutes plus 0-30 s (${delays.join(', ') || 'no retries'} ms)`);
        const failed = await waitFor(async () => {
          const page = await admin.list({ tags: { flag: 'search-v2', run } });
          return page.items.length > 0 && page.items;
        }, 'the failed change of search-v2 to be listed');
        print(`\nFailed changes of search-v2: ${failed.map((j) => `${j.jobId} (${j.errorType}, ${j.attempts} attempts)`).join(', ')}`);
        check(failed.length === 1 && failed[0].jobId === ids.search, 'the failed change of search-v2 is found by its flag');
        print(`Flags now: ${[...service.flags].map(([k, v]) => `${k}=${JSON.stringify(v)}`).join(', ')}`);
        return ids;
      },
    },
    options,
  );
}

if (require.main === module) runAsProgram(main);
