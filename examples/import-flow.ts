/**
 * An import flow, rebuilt on rebound.
 *
 * The system it replaces imports a batch of items and queues one image job per item to a queue
 * that has a dead-letter queue beside it: an image job that keeps failing ends there. When the
 * queue itself cannot be reached, the import saves the job as `queue_failed` in a table, for the
 * scheduled function of the image job table to queue again later.
 *
 * On rebound: the import is a job too. Its handler submits one image job per item, with a job id
 * made of the import's and the item's ids. When the queue (the Temporal server) cannot be reached,
 * the submit throws `ServerUnreachableError` and the import's attempt fails: rebound retries the
 * import with backoff, and the items queued before the failure are not queued twice, because an
 * id that exists starts nothing. An image that cannot be processed (a corrupt file) fails with a
 * non-retryable error and is dead-lettered at once; one that meets a timeout is retried.
 * Time is scaled down: a second here is 20 ms.
 *
 *   npx tsx examples/import-flow.ts      (against `rebound dev`, or TEMPORAL_ADDRESS)
 */
import { z } from 'zod';
import { JobStatus, PermanentError, ServerUnreachableError, defineJob, type JobClient } from '../src';
import { describeJob, runAsProgram, runExample, waitFor, type ExampleOptions, type ExampleResult } from './support';

/** One second of the real system, in this example's time. */
const second = 20;

/** A timeout of the image service: retried. */
export class ImageTimeoutError extends Error {
  override name = 'ImageTimeoutError';
}

const itemSchema = z.object({ id: z.string(), url: z.string() });

/**
 * The link between the importer and the queue. During an outage, submits fail the way rebound's
 * client fails when the server cannot be reached; an outage starts after `okBeforeOutage` submits.
 */
class QueueLink {
  okBeforeOutage = Number.POSITIVE_INFINITY;
  submits = 0;
  constructor(
    private readonly address: string,
    private readonly images: () => JobClient,
  ) {}

  async queueImage(importId: string, item: z.infer<typeof itemSchema>) {
    if (this.submits >= this.okBeforeOutage) {
      this.okBeforeOutage = Number.POSITIVE_INFINITY; // the outage is over for the next attempt
      throw new ServerUnreachableError(this.address, new Error('connect ECONNREFUSED'));
    }
    this.submits += 1;
    // Same import, same item, same job id: a job queued by an earlier attempt is not queued again.
    return this.images().submit('import.image', { importId, ...item }, { jobId: `${importId}-${item.id}` });
  }
}

/** The image service: each item's file says how it goes (`corrupt`, `slow` on its first try, else fine). */
class ImageService {
  readonly runs = new Map<string, number>();

  async process(jobId: string, url: string, attempt: number): Promise<{ thumbnail: string }> {
    this.runs.set(jobId, (this.runs.get(jobId) ?? 0) + 1);
    if (url.includes('corrupt')) throw new PermanentError(`cannot decode ${url}`, { type: 'CorruptImage' });
    if (url.includes('slow') && attempt === 1) throw new ImageTimeoutError(`image service took longer than ${30 * second} ms for ${url}`);
    return { thumbnail: url.replace(/\.\w+$/, '.thumb.webp') };
  }
}

/** Runs the example; see the file's documentation. */
export async function main(options: ExampleOptions = {}): Promise<ExampleResult> {
  const service = new ImageService();
  let images: JobClient | undefined;
  const link = new QueueLink(options.address ?? process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233', () => images!);
  const outcomes: { created: boolean; jobId: string }[][] = [];

  const imageJob = defineJob({
    type: 'import.image',
    schema: z.object({ importId: z.string(), id: z.string(), url: z.string() }),
    retry: { initialInterval: 5 * second, backoffCoefficient: 2, maximumInterval: 60 * second, maximumAttempts: 3 },
    async handler({ url }, ctx) {
      return service.process(ctx.jobId, url, ctx.attempt);
    },
  });
  const importJob = defineJob({
    type: 'import.run',
    schema: z.object({ importId: z.string(), items: z.array(itemSchema) }),
    retry: { initialInterval: 10 * second, backoffCoefficient: 2, maximumInterval: 5 * 60 * second, maximumAttempts: 5 },
    async handler({ importId, items }, ctx) {
      const queued: { created: boolean; jobId: string }[] = [];
      outcomes.push(queued);
      for (const item of items) {
        const handle = await link.queueImage(importId, item);
        queued.push({ created: handle.created, jobId: handle.jobId });
      }
      ctx.logger.info({ queued: queued.length }, 'import queued its items');
      return { items: items.length, queuedNow: queued.filter((q) => q.created).length };
    },
  });

  return runExample(
    {
      name: 'import-flow',
      title: 'An import queues one image job per item; the queue goes away mid-import; nothing is lost or queued twice',
      jobs: [importJob, imageJob],
      async story({ jobs, admin, run, print, check }) {
        images = jobs;
        const importId = `import-${run}`;
        const items = ['a.jpg', 'b-slow.jpg', 'c-corrupt.jpg', 'd.jpg', 'e.jpg'].map((file, i) => ({ id: `item${i + 1}`, url: `https://cdn.example/${file}` }));
        const itemIds = Object.fromEntries(items.map((item) => [item.id, `${importId}-${item.id}`]));
        link.okBeforeOutage = 2;
        const startedAt = new Date();

        const handle = await jobs.submit('import.run', { importId, items }, { jobId: importId });
        print(`Import ${importId}: ${items.length} items; the queue becomes unreachable after the second one.`);
        const done = await handle.settled();
        print(describeJob('import', done));
        const records = await Promise.all(items.map(async (item) => ({ item, record: await jobs.getHandle(itemIds[item.id]).settled() })));
        for (const { item, record } of records) print(describeJob(`${item.id} ${item.url.split('/').pop()}`, record));

        check(done.status === JobStatus.Succeeded && done.attempts === 2, 'the import succeeded at its second attempt');
        check(done.attemptHistory[0]?.errorType === 'ServerUnreachableError', 'its first attempt failed because the queue was unreachable');
        const [firstTry, secondTry] = outcomes;
        check(firstTry?.length === 2 && firstTry.every((q) => q.created), 'the first attempt queued two items before the outage');
        check(
          secondTry?.length === items.length && secondTry.filter((q) => !q.created).length === 2 && secondTry.filter((q) => q.created).length === items.length - 2,
          'the second attempt queued the other three and found the first two queued already',
        );
        const byUrl = (part: string) => records.find(({ item }) => item.url.includes(part))!.record;
        check(['a.jpg', 'd.jpg', 'e.jpg'].every((f) => byUrl(f).status === JobStatus.Succeeded && byUrl(f).attempts === 1), 'the good images succeeded at once');
        check(byUrl('slow').status === JobStatus.Succeeded && byUrl('slow').attempts === 2, 'the slow image succeeded once retried');
        check(byUrl('corrupt').status === JobStatus.DeadLettered && byUrl('corrupt').attempts === 1 && byUrl('corrupt').errorType === 'CorruptImage', 'the corrupt image went to the dead-letter queue at once, unretried');
        check(records.every(({ record }) => service.runs.get(record.jobId) === record.attempts), 'every image was processed once per attempt, none twice');

        const dead = await waitFor(async () => {
          const page = await admin.list({ type: 'import.image', since: startedAt });
          return page.items.length > 0 && page.items;
        }, 'the corrupt image to be listed as dead');
        print(`\nDead-letter queue: ${dead.map((j) => `${j.jobId} (${j.errorType}: ${j.message})`).join(', ')}`);
        check(dead.length === 1 && dead[0].jobId === itemIds.item3, 'the dead-letter queue holds the corrupt image alone');
        return { import: importId, ...itemIds };
      },
    },
    options,
  );
}

if (require.main === module) runAsProgram(main);
