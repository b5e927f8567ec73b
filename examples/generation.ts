/**
 * A generation queue, rebuilt on rebound.
 *
 * The system it replaces runs text generations against a model provider. A failed generation is
 * retried after 5 s, doubling, with +-10% jitter, capped at 1 h, once (2 attempts in all);
 * authentication and validation errors are not retried. A generation that still fails goes to a
 * dead-letter table with its input, error, stack and retry history, kept 7 days, which operators
 * list page by page, open, retry and delete.
 *
 * On rebound: that policy is the job type's retry policy, with `AuthenticationError` and
 * `ValidationError` among its `nonRetryableErrorTypes`; the dead-letter entry is the dead job's
 * record (payload, every attempt's error and stack, the delays chosen), kept for the type's
 * 7-day retention; list, get, retry and delete are the admin API's, a retry with a corrected
 * payload included, a delete removing the job's workflow and history from the server. Each
 * generation is tagged with the run that submitted it, and the dead letters are listed by that
 * tag. Who retried or deleted what, and why, is in the audit log (never the payload). Delays are
 * scaled down (a second here is 50 ms: 5 s is 250 ms, 1 h is 3 min); the retention is a deadline,
 * not a wait, and keeps its real length.
 *
 *   npx tsx examples/generation.ts      (against `rebound dev`, or TEMPORAL_ADDRESS)
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { JobStatus, defineJob, type JobRecord, type RetryOptions } from '../src';
import { delaysOf, describeJob, runAsProgram, runExample, waitFor, type ExampleOptions, type ExampleResult } from './support';

/** One second of the real system, in this example's time. */
const second = 50;

/** 5 s, x2, +-10% jitter, 1 h cap, 1 retry; authentication and validation errors are final. */
export const generationRetry: RetryOptions = {
  initialInterval: 5 * second,
  backoffCoefficient: 2,
  maximumInterval: 3_600 * second,
  maximumAttempts: 2,
  jitter: { ratio: 0.1 },
  nonRetryableErrorTypes: ['AuthenticationError', 'ValidationError'],
};

/** How long a dead generation is kept. */
export const generationRetention = '7d';

/** The provider refused the API key: retrying cannot help. */
export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
}
/** The provider refused the request as it is: retrying cannot help, a corrected input can. */
export class ValidationError extends Error {
  override name = 'ValidationError';
}
/** The provider is overloaded or down: retried. */
export class ProviderUnavailableError extends Error {
  override name = 'ProviderUnavailableError';
}

const inputSchema = z.object({ prompt: z.string(), model: z.string(), maxTokens: z.number().int().positive(), apiKeyId: z.string() });
type GenerationInput = z.infer<typeof inputSchema>;

/** The flaky dependency: the model provider. */
class ModelProvider {
  /** Prompts the provider answers 503 once before it works. */
  readonly overloadedOnce = new Set<string>();
  /** Models that are down. */
  readonly down = new Set<string>();
  readonly revokedKeys = new Set<string>(['key-revoked']);
  readonly maxTokens = 4_096;

  async generate({ prompt, model, maxTokens, apiKeyId }: GenerationInput): Promise<string> {
    if (this.revokedKeys.has(apiKeyId)) throw new AuthenticationError(`provider answered 401: API key ${apiKeyId} is revoked`);
    if (maxTokens > this.maxTokens) throw new ValidationError(`provider answered 400: maxTokens ${maxTokens} is over the model's ${this.maxTokens}`);
    if (this.overloadedOnce.delete(prompt)) throw new ProviderUnavailableError('provider answered 503: overloaded');
    if (this.down.has(model)) throw new ProviderUnavailableError(`provider answered 503: model ${model} is unavailable`);
    return `${model}: ${prompt.split(' ').reverse().join(' ')}`;
  }
}

/** Every dead generation of this run, read page after page. */
async function listAllPages(list: (pageToken: string | null) => Promise<{ items: { jobId: string }[]; nextPageToken: string | null }>) {
  const pages: string[][] = [];
  let pageToken: string | null = null;
  do {
    const page = await list(pageToken);
    pages.push(page.items.map((j) => j.jobId));
    pageToken = page.nextPageToken;
  } while (pageToken);
  return pages;
}

const firstLine = (text?: string) => text?.split('\n').find((line) => line.trim().startsWith('at '))?.trim() ?? '-';

function printEntry(print: (line: string) => void, record: JobRecord): void {
  print(`  input:    ${JSON.stringify(record.payload)}`);
  print(`  error:    ${record.errorType}: ${record.message}`);
  for (const a of record.attemptHistory) {
    print(`  attempt ${a.attempt}: ${a.errorType} at ${a.endedAt}${a.nextDelayMs === undefined ? '' : `, retried after ${a.nextDelayMs} ms`}; ${firstLine(a.stack)}`);
  }
  print(`  kept until ${record.expiresAt}`);
}

/** Runs the example; see the file's documentation. */
export async function main(options: ExampleOptions = {}): Promise<ExampleResult> {
  const provider = new ModelProvider();
  const generation = defineJob({
    type: 'generation.run',
    schema: inputSchema,
    retry: generationRetry,
    retention: generationRetention,
    async handler(input) {
      return { text: await provider.generate(input) };
    },
  });

  return runExample(
    {
      name: 'generation',
      title: 'Generations: 5 s (here 250 ms), x2, +-10% jitter, 1 h cap, 1 retry; auth and validation errors final; a dead-letter queue kept 7 days',
      jobs: [generation],
      async story({ client, jobs, admin, run, print, check }) {
        const ids = { poem: `gen-${run}-poem`, story: `gen-${run}-story`, essay: `gen-${run}-essay`, summary: `gen-${run}-summary`, translation: `gen-${run}-translation` };
        const base = { model: 'small', maxTokens: 500, apiKeyId: 'key-1' };
        const inputs: Record<keyof typeof ids, GenerationInput> = {
          poem: { ...base, prompt: 'a poem about retries' },
          story: { ...base, prompt: 'a story about a queue' },
          essay: { ...base, prompt: 'an essay on backoff', model: 'large' },
          summary: { ...base, prompt: 'a summary of the logs', apiKeyId: 'key-revoked' },
          translation: { ...base, prompt: 'a translation of the docs', maxTokens: 100_000 },
        };
        provider.overloadedOnce.add(inputs.story.prompt);
        provider.down.add('large');
        const tags = { run };

        const handles = await Promise.all(Object.entries(inputs).map(([name, input]) => jobs.submit('generation.run', input, { jobId: ids[name as keyof typeof ids], tags })));
        print('Submitted 5 generations: one fine, one the provider is overloaded for once, one on a model that is down, one with a revoked key, one asking too many tokens.');
        const settled = await Promise.all(handles.map((h) => h.settled()));
        const byName = Object.fromEntries(Object.keys(inputs).map((name, i) => [name, settled[i]])) as Record<keyof typeof ids, JobRecord>;
        for (const [name, record] of Object.entries(byName)) print(describeJob(name, record));

        check(byName.poem.status === JobStatus.Succeeded && byName.poem.attempts === 1, 'the poem succeeded at once');
        const [storyDelay] = delaysOf(byName.story);
        check(byName.story.status === JobStatus.Succeeded && byName.story.attempts === 2, 'the story succeeded at its one retry');
        check(storyDelay >= 0.9 * 5 * second && storyDelay <= 1.1 * 5 * second, `its retry waited 5 s +-10% (${storyDelay} ms of 225-275)`);
        check(byName.essay.status === JobStatus.DeadLettered && byName.essay.attempts === 2, 'the essay was dead-lettered after 2 attempts');
        check(byName.summary.status === JobStatus.DeadLettered && byName.summary.attempts === 1 && byName.summary.errorType === 'AuthenticationError', 'the revoked key was not retried');
        check(byName.translation.status === JobStatus.DeadLettered && byName.translation.attempts === 1 && byName.translation.errorType === 'ValidationError', 'the invalid request was not retried');

        print('\nThe dead-letter queue, two a page:');
        const pages = await waitFor(async () => {
          const all = await listAllPages((pageToken) => admin.list({ type: 'generation.run', tags }, { limit: 2, pageToken }));
          return all.flat().length === 3 && all;
        }, 'the three dead generations to be listed');
        pages.forEach((page, i) => print(`  page ${i + 1}: ${page.join(', ')}`));
        const listed = pages.flat().sort();
        check(pages.every((p) => p.length <= 2) && JSON.stringify(listed) === JSON.stringify([ids.essay, ids.summary, ids.translation].sort()), 'the pages list the three dead generations, each once');

        print(`\nOne entry, ${ids.essay}:`);
        const entry = await admin.get(ids.essay);
        printEntry(print, entry);
        const keptMs = Date.parse(entry.expiresAt ?? '') - Date.parse(entry.deadLetteredAt ?? '');
        check(
          JSON.stringify(entry.payload) === JSON.stringify(inputs.essay) && entry.attemptHistory.length === 2 && entry.attemptHistory.every((a) => a.errorType && a.stack),
          'the entry has the input, and each attempt its error and stack',
        );
        check(keptMs === 7 * 24 * 3_600_000, 'the entry is kept 7 days');

        print('\nThe large model is back: retry the essay; correct the translation and retry it; delete the summary.');
        provider.down.delete('large');
        const [retried] = await admin.retry([ids.essay], { actor: 'ada', reason: 'model is back' });
        const [corrected] = await admin.retry([ids.translation], { payload: { ...inputs.translation, maxTokens: 4_000 }, actor: 'ada', reason: 'maxTokens within the limit' });
        const [deleted] = await admin.delete([ids.summary], { actor: 'bob', reason: 'key revoked for good' });
        const [essay, translation] = await Promise.all([ids.essay, ids.translation].map((id) => jobs.getHandle(id).settled()));
        print(describeJob('essay', essay));
        print(describeJob('translation', translation));
        check(retried.ok && essay.status === JobStatus.Succeeded && essay.round === 2, 'the essay succeeded once retried');
        check(corrected.ok && translation.status === JobStatus.Succeeded && (translation.payload as GenerationInput).maxTokens === 4_000, 'the translation succeeded with its corrected input');
        // The server removes a closed workflow in the background, some seconds after the delete.
        const gone = await waitFor(
          async () => {
            try {
              await client.workflow.getHandle(jobs.getHandle(ids.summary).workflowId).describe();
              return false;
            } catch (err) {
              if (err instanceof WorkflowNotFoundError) return true;
              throw err;
            }
          },
          'the deleted generation to be removed from the server',
          120_000,
        );
        print(`  summary              deleted: ${deleted.status}; its workflow and history are gone from the server`);
        check(deleted.ok && gone, 'the summary was deleted from the dead-letter queue and the server');

        print('\nThe audit log (who, why; never the input):');
        const audit = await waitFor(async () => {
          const entries = (await Promise.all([ids.essay, ids.translation, ids.summary].map((jobId) => admin.audit({ jobId })))).flat();
          return entries.length >= 3 && entries;
        }, 'the retries and the delete in the audit log');
        for (const e of audit) print(`  ${e.at}  ${e.actor.padEnd(4)} ${e.action.padEnd(13)} ${e.jobId}  ${e.reason ?? ''}${e.changes?.length ? `  changed ${e.changes.map((c) => c.path).join(', ')}` : ''}`);
        const entryOf = (jobId: string) => audit.find((e) => e.jobId === jobId);
        check(entryOf(ids.essay)?.action === 'retry' && entryOf(ids.essay)?.actor === 'ada', 'the log has ada\'s retry of the essay');
        check(entryOf(ids.translation)?.action === 'editAndRetry' && entryOf(ids.translation)?.changes?.some((c) => c.path === '$.maxTokens') === true, 'the log has the corrected translation, by the path it changed');
        const deletion = entryOf(ids.summary);
        check(
          deletion?.action === 'delete' && deletion.actor === 'bob' && deletion.reason === 'key revoked for good' && deletion.errorType === 'AuthenticationError' && !JSON.stringify(deletion).includes(inputs.summary.prompt),
          'the log has bob\'s delete of the summary, with its error type and without its input',
        );
        return ids;
      },
    },
    options,
  );
}

if (require.main === module) runAsProgram(main);
