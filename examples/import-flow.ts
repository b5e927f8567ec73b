/**
 * An import flow, rebuilt on rebound.
 *
 * The system it replaces imports a batch of items and queues one image job per item to a queue
 * that has a dead-letter queue beside it: an image job that keeps failing ends there. When the
 * queue itself cannot be reached, the import saves the job as `queue_failed` in a table, for a
 * scheduled function to queue again later.
 *
 * On rebound: the importer submits one image job per item, with a job id made of the import's and
 * the item's ids and the tag `importId`, through a job client with an outbox. The `queue_failed`
 * table is the outbox: a submit that cannot reach the Temporal server before its deadline is kept
 * on disk and started once the server answers, by this process or the next one given the same
 * directory. Here the importer runs once while the server is reachable, then again while it is not
 * (its client points at an address nothing listens on, as a process started during an outage
 * would): it cannot tell which items were queued, so it submits them all again. Once a process on
 * the reachable server opens the same outbox, it forwards every entry; an id that exists starts
 * nothing, so every item runs once. An image that cannot be processed (a corrupt file) fails with
 * a non-retryable error and is dead-lettered at once; one that meets a timeout is retried. The
 * dead letters of the import are found by its tag. Time is scaled down: a second here is 20 ms.
 *
 *   npx tsx examples/import-flow.ts      (against `rebound dev`, or TEMPORAL_ADDRESS)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { z } from 'zod';
import { JobStatus, PermanentError, createJobClient, defineJob, type JobClient, type JobHandle } from '../src';
import { freePort } from '../src/dev';
import { describeJob, runAsProgram, runExample, waitFor, type ExampleOptions, type ExampleResult } from './support';

/** One second of the real system, in this example's time. */
const second = 20;

/** A timeout of the image service: retried. */
export class ImageTimeoutError extends Error {
  override name = 'ImageTimeoutError';
}

interface Item {
  id: string;
  url: string;
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

/** The importer: one image job per item, its id made of the import's and the item's, tagged with the import. */
function importItems(jobs: JobClient, importId: string, items: Item[]): Promise<JobHandle[]> {
  return Promise.all(items.map((item) => jobs.submit('import.image', { importId, ...item }, { jobId: `${importId}-${item.id}`, tags: { importId } })));
}

/** Runs the example; see the file's documentation. */
export async function main(options: ExampleOptions = {}): Promise<ExampleResult> {
  const service = new ImageService();
  const imageJob = defineJob({
    type: 'import.image',
    schema: z.object({ importId: z.string(), id: z.string(), url: z.string() }),
    retry: { initialInterval: 5 * second, backoffCoefficient: 2, maximumInterval: 60 * second, maximumAttempts: 3 },
    async handler({ url }, ctx) {
      return service.process(ctx.jobId, url, ctx.attempt);
    },
  });
  const outboxDir = mkdtempSync(path.join(os.tmpdir(), 'rebound-import-outbox-'));

  try {
    return await runExample(
      {
        name: 'import-flow',
        title: 'An import queues one image job per item; the queue goes away mid-import; the outbox keeps what could not be queued; nothing is lost or run twice',
        jobs: [imageJob],
        async story({ client, admin, taskQueue, run, print, check }) {
          const importId = `import-${run}`;
          const items: Item[] = ['a.jpg', 'b-slow.jpg', 'c-corrupt.jpg', 'd.jpg', 'e.jpg'].map((file, i) => ({ id: `item${i + 1}`, url: `https://cdn.example/${file}` }));
          const itemIds = Object.fromEntries(items.map((item) => [item.id, `${importId}-${item.id}`]));

          // The importer while the server answers: the first two items are queued at once.
          const online = createJobClient({ client, jobs: [imageJob], taskQueue, outbox: { dir: outboxDir } });
          const first = await importItems(online, importId, items.slice(0, 2));
          await online.close();
          print(`Import ${importId}: ${items.length} items; two queued, then the queue becomes unreachable.`);
          check(first.every((h) => h.created && !h.queued), 'the first two items were queued on the server');

          // The importer during the outage: a process whose client cannot reach the server, same outbox.
          const unreachable = Connection.lazy({ address: `127.0.0.1:${await freePort()}` });
          let queued: JobHandle[];
          const offline = createJobClient({ client: new Client({ connection: unreachable }), jobs: [imageJob], taskQueue, submitDeadline: '1s', outbox: { dir: outboxDir } });
          try {
            queued = await importItems(offline, importId, items);
            const backlog = await offline.outboxStatus();
            print(`  outage: the importer submitted all ${items.length} items again; ${backlog.pending} wait in the outbox (${outboxDir})`);
            check(queued.every((h) => h.queued) && backlog.pending === items.length, 'every submit made during the outage was kept in the outbox');
          } finally {
            await offline.close();
            await unreachable.close();
          }

          // The server answers again: a process on it opens the same outbox and forwards what waits.
          const recovered = createJobClient({ client, jobs: [imageJob], taskQueue, outbox: { dir: outboxDir } });
          try {
            const flushed = await waitFor(async () => {
              const pass = await recovered.flushOutbox();
              return pass.pending === 0 && pass;
            }, 'the outbox to be forwarded');
            print(`  the server is back: the outbox forwarded ${flushed.forwarded} start(s), ${flushed.failed} refused`);
            check(flushed.failed === 0 && (await recovered.outboxStatus()).pending === 0, 'the outbox forwarded every entry, none refused');
          } finally {
            await recovered.close();
          }

          const records = await Promise.all(items.map(async (item) => ({ item, record: await recovered.getHandle(itemIds[item.id]).settled() })));
          for (const { item, record } of records) print(describeJob(`${item.id} ${item.url.split('/').pop()}`, record));
          const byUrl = (part: string) => records.find(({ item }) => item.url.includes(part))!.record;
          check(['a.jpg', 'd.jpg', 'e.jpg'].every((f) => byUrl(f).status === JobStatus.Succeeded && byUrl(f).attempts === 1), 'the good images succeeded at once');
          check(byUrl('slow').status === JobStatus.Succeeded && byUrl('slow').attempts === 2, 'the slow image succeeded once retried');
          check(byUrl('corrupt').status === JobStatus.DeadLettered && byUrl('corrupt').attempts === 1 && byUrl('corrupt').errorType === 'CorruptImage', 'the corrupt image went to the dead-letter queue at once, unretried');
          check(records.every(({ record }) => record.round === 1 && service.runs.get(record.jobId) === record.attempts), 'every image was processed once per attempt, none started twice');

          const listed = await waitFor(async () => {
            const page = await admin.listJobs({ tags: { importId } });
            return page.items.length >= items.length && page.items;
          }, 'the import\'s jobs to be listed');
          check(listed.length === items.length && new Set(listed.map((j) => j.jobId)).size === items.length, `the import has ${items.length} image jobs, each once`);

          const dead = await waitFor(async () => {
            const page = await admin.list({ tags: { importId } });
            return page.items.length > 0 && page.items;
          }, 'the corrupt image to be listed as dead');
          print(`\nDead-letter queue of ${importId}: ${dead.map((j) => `${j.jobId} (${j.errorType}: ${j.message})`).join(', ')}`);
          check(dead.length === 1 && dead[0].jobId === itemIds.item3 && dead[0].tags.importId === importId, 'the dead letters of the import are the corrupt image alone');
          return { import: importId, ...itemIds };
        },
      },
      options,
    );
  } finally {
    rmSync(outboxDir, { recursive: true, force: true });
  }
}

if (require.main === module) runAsProgram(main);
