/**
 * An image-processing job table, rebuilt on rebound.
 *
 * The system it replaces keeps a row per image job. Jobs whose processing failed are picked up
 * again every 5 minutes by a scheduled function (`SELECT ... FOR UPDATE SKIP LOCKED`, so that two
 * runs of it never process one job twice), at most 3 times; then the row is marked
 * `permanently_failed`. An admin endpoint retries every failed job at once.
 *
 * On rebound: one job per image, retried every 5 minutes (no backoff growth, no jitter) for at
 * most 3 retries, that is 4 attempts; `permanently_failed` is `DeadLettered`; the admin endpoint is
 * `admin.retryAll` over the jobs of this run (found by their `run` tag); and a job id runs at most
 * once, so submitting the same image job twice (two schedulers racing) processes it once.
 *
 * When the whole store is down, the old system burns the 3 retries of every image job and marks
 * them all `permanently_failed`, for an operator to retry by hand. Here the job type has a circuit
 * breaker: once most of its recent attempts failed (10 at least), it opens, and the jobs' next
 * attempts wait instead of running, keeping their attempts; after a cooldown a probe runs, and
 * when it succeeds the breaker closes and every waiting job goes on. Time is scaled down: a minute
 * here is 250 ms (workers read a breaker's state up to a second late, so a minute much shorter
 * would let the jobs spend their retries before the breaker holds them back).
 *
 *   npx tsx examples/image-processing.ts      (against `rebound dev`, or TEMPORAL_ADDRESS)
 */
import { z } from 'zod';
import { JobStatus, defineJob, type RetryOptions } from '../src';
import { delaysOf, describeJob, runAsProgram, runExample, waitFor, type ExampleOptions, type ExampleResult } from './support';

/** One minute of the real system, in this example's time. */
const minute = 250;

/** Every 5 minutes, at most 3 retries. */
export const imageRetry: RetryOptions = {
  initialInterval: 5 * minute,
  backoffCoefficient: 1,
  maximumInterval: 5 * minute,
  maximumAttempts: 4,
  jitter: { ratio: 0 },
};

/** What the image store answers while it is down: retried. */
export class StorageUnavailableError extends Error {
  override name = 'StorageUnavailableError';
}

/**
 * The flaky dependency: the store the processed images go to. Some images meet a few failures;
 * while `outage` lasts, every upload of an image in it fails; while `down`, every upload fails.
 */
class ImageStore {
  /** Uploads that fail before one works, per image. */
  readonly failuresLeft = new Map<string, number>();
  /** Images whose uploads fail until the outage is over. */
  readonly outage = new Set<string>();
  down = false;
  /** Processing runs per job: one per attempt, however many times the job was submitted. */
  readonly runs = new Map<string, number>();

  async upload(jobId: string, image: string): Promise<string> {
    this.runs.set(jobId, (this.runs.get(jobId) ?? 0) + 1);
    const left = this.failuresLeft.get(image) ?? 0;
    if (left > 0) {
      this.failuresLeft.set(image, left - 1);
      throw new StorageUnavailableError(`store answered 503 for ${image}`);
    }
    if (this.down || this.outage.has(image)) throw new StorageUnavailableError(`store unreachable for ${image}`);
    return `https://images.example/${image.replace(/\.\w+$/, '')}-640.webp`;
  }
}

function imageJob(store: ImageStore) {
  return defineJob({
    type: 'image.process',
    schema: z.object({ image: z.string(), width: z.number().int().positive() }),
    retry: imageRetry,
    // Opens when 80% of the attempts of the last 30 minutes failed, 10 at least; a probe after 5 minutes.
    circuitBreaker: { failureRate: 0.8, minAttempts: 10, window: 30 * minute, cooldown: 5 * minute, probes: 1 },
    heartbeatTimeout: '10s',
    async handler({ image }, ctx) {
      return { url: await store.upload(ctx.jobId, image) };
    },
  });
}

/** Runs the example; see the file's documentation. */
export async function main(options: ExampleOptions = {}): Promise<ExampleResult> {
  const store = new ImageStore();
  const job = imageJob(store);
  return runExample(
    {
      name: 'image-processing',
      title: 'Image jobs: every 5 minutes (here 1.25 s), at most 3 retries, then permanently failed; retry all now; a circuit breaker for store outages',
      jobs: [job],
      async story({ jobs, admin, run, print, check }) {
        const ids: Record<string, string> = { cat: `image-${run}-cat`, dog: `image-${run}-dog`, bird: `image-${run}-bird` };
        store.failuresLeft.set('dog.jpg', 2);
        store.outage.add('bird.jpg');
        const tags = { run };

        // Two schedulers pick up the cat's job at the same moment: it still runs once.
        const [cat, catAgain, dog, bird] = await Promise.all([
          jobs.submit('image.process', { image: 'cat.jpg', width: 640 }, { jobId: ids.cat, tags }),
          jobs.submit('image.process', { image: 'cat.jpg', width: 640 }, { jobId: ids.cat, tags }),
          jobs.submit('image.process', { image: 'dog.jpg', width: 640 }, { jobId: ids.dog, tags }),
          jobs.submit('image.process', { image: 'bird.jpg', width: 640 }, { jobId: ids.bird, tags }),
        ]);
        print('Submitted cat.jpg (twice, as two schedulers would), dog.jpg (the store fails it twice) and bird.jpg (the store is down for it).');
        const [catDone, dogDone, birdDead] = await Promise.all([cat.settled(), dog.settled(), bird.settled()]);
        print(describeJob('cat.jpg', catDone));
        print(describeJob('dog.jpg', dogDone));
        print(describeJob('bird.jpg', birdDead));
        check([cat, catAgain].filter((h) => h.created).length === 1, 'the cat job submitted twice was started once');
        check(catDone.status === JobStatus.Succeeded && catDone.attempts === 1 && store.runs.get(ids.cat) === 1, 'cat.jpg was processed once, at the first attempt');
        check(dogDone.status === JobStatus.Succeeded && dogDone.attempts === 3, 'dog.jpg succeeded at its third attempt');
        check(delaysOf(dogDone).every((ms) => ms === 5 * minute), `each retry of dog.jpg waited 5 minutes (${5 * minute} ms)`);
        check(birdDead.status === JobStatus.DeadLettered && birdDead.attempts === 4, 'bird.jpg is permanently failed (dead-lettered) after 3 retries, 4 attempts');

        print('\nThe store is back; the admin endpoint retries every failed image job now.');
        store.outage.clear();
        // Lists follow the jobs by a moment: wait until the dead job is listed, then retry what is listed.
        await waitFor(async () => (await admin.list({ type: 'image.process', tags })).items.some((j) => j.jobId === ids.bird), 'bird.jpg to be listed as dead');
        const selection = await admin.retryAll({ type: 'image.process', tags }, { rate: 50, reason: 'image store is back' });
        const progress = await selection.operation!.result();
        print(`  retried ${progress.done} of ${selection.matched} failed job(s)`);
        const birdAgain = await bird.settled();
        print(describeJob('bird.jpg', birdAgain));
        check(selection.matched === 1 && progress.done === 1, 'retry-all touched the one failed job, and only it');
        check(birdAgain.status === JobStatus.Succeeded && birdAgain.round === 2 && birdAgain.totalAttempts === 5, 'bird.jpg succeeded once retried, its 5 attempts on record');
        check(store.runs.get(ids.bird) === 5 && store.runs.get(ids.dog) === 3, 'no job was processed more often than it was attempted');

        print('\nThe whole store goes down while a batch of 10 images is processed.');
        store.down = true;
        const outageAt = new Date().toISOString();
        const batch = await Promise.all(
          Array.from({ length: 10 }, (_, i) => jobs.submit('image.process', { image: `batch-${i + 1}.jpg`, width: 640 }, { jobId: `image-${run}-batch-${i + 1}`, tags: { ...tags, batch: 'outage' } })),
        );
        const open = await waitFor(async () => {
          const breaker = await admin.breaker('image.process');
          return breaker.state === 'open' && breaker;
        }, 'the breaker to open');
        print(`  the breaker opened: ${open.window.failures} of the last ${open.window.attempts} attempts failed; the jobs' next attempts wait`);
        // The worker reads the breaker a moment late: once it holds a job back, the batch waits.
        await waitFor(async () => (await Promise.all(batch.map((h) => h.status()))).some((r) => r.breakerWait !== undefined), 'a job to wait for the breaker');
        print('  the store is back; after the cooldown a probe runs, succeeds, and the breaker closes');
        store.down = false;
        const batchDone = await Promise.all(batch.map((h) => h.settled()));
        const closed = await waitFor(async () => {
          const breaker = await admin.breaker('image.process');
          return breaker.state === 'closed' && breaker;
        }, 'the breaker to close');
        // The breaker lives as long as the task queue: its transitions of this outage are those since it began.
        const transitions: string[] = closed.transitions.filter((t) => t.at >= outageAt).map((t) => t.to);
        const heldBack = batchDone.filter((r) => r.timeline.some((e) => e.event === 'BreakerOpen')).length;
        print(`  breaker: ${transitions.join(' -> ')}; ${heldBack} of ${batch.length} jobs held back`);
        const attempts = batchDone.map((r) => r.attempts);
        print(`  batch: ${batchDone.filter((r) => r.status === JobStatus.Succeeded).length} of ${batch.length} succeeded, after ${Math.min(...attempts) === Math.max(...attempts) ? Math.min(...attempts) : `${Math.min(...attempts)} to ${Math.max(...attempts)}`} attempts each`);
        check(['open', 'halfOpen', 'closed'].every((to) => transitions.includes(to)) && heldBack > 0, 'the breaker opened, held attempts back, probed and closed');
        check(
          batchDone.every((r) => r.status === JobStatus.Succeeded && r.round === 1 && !r.timeline.some((e) => e.event === 'DeadLettered')),
          'no image of the batch was marked permanently failed: each succeeded in its first round',
        );
        check(batchDone.every((r) => r.attempts < 4 && store.runs.get(r.jobId) === r.attempts), 'the held-back attempts used up nothing: each job ran fewer than its 4 attempts');
        batch.forEach((h, i) => (ids[`batch${i + 1}`] = h.jobId));
        return ids;
      },
    },
    options,
  );
}

if (require.main === module) runAsProgram(main);
