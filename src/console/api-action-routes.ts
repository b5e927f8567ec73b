/**
 * The API's changes, under `/api`: retry, cancel and delete one job, retry now, pause or resume a
 * job waiting between attempts, delete dead jobs by filter, start a bulk retry or cancel, and
 * pause, resume or abort one. Not added at all to a read-only console. Every change is made as the
 * console's token name (see `tokenName`), for the jobs' timelines and the audit log.
 */
import type { Context, Hono } from 'hono';
import type { JobOperationResult } from '../admin';
import { JobSettledError } from '../errors';
import { bulkDocument } from './api-documents';
import type { ConsoleEnv } from './auth';
import type { ConsoleContext } from './console-context';
import { badInput, problemBody, problemOfResult } from './http-problem';
import { bulkRequestFrom, cancelRequestFrom, deleteAllRequestFrom, deleteRequestFrom, filterQuery, jobActionRequestFrom, objectBody, retryRequestFrom } from './request-input';

/** The JSON body of a request; an empty body is `undefined`. */
export async function jsonBody(c: Context): Promise<unknown> {
  const text = await c.req.text();
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text);
  } catch (err) {
    throw badInput(`body: not valid JSON (${(err as Error).message})`);
  }
}

/** One job's result: 200 when it worked, else the status its error class maps to, naming the job. */
function resultResponse(c: Context, result: JobOperationResult) {
  if (result.ok) return c.json({ jobId: result.jobId, ok: true, status: result.status ?? null });
  const problem = problemOfResult(result.error ?? { name: 'Error', message: 'failed' });
  return c.json({ jobId: result.jobId, ok: false, ...problemBody(problem) }, problem.status);
}

/** Adds the routes that change state. */
export function addApiActionRoutes(app: Hono<ConsoleEnv>, ctx: ConsoleContext): void {
  const { admin } = ctx;

  app.post('/api/jobs/:jobId/retry', async (c) => {
    const request = retryRequestFrom(objectBody(await jsonBody(c)));
    if (request.payload !== undefined && !ctx.canEditPayload) {
      throw badInput('payload: this console was started without your job types, so it cannot check an edited payload against its schema; start it with --jobs <module> (or REBOUND_JOBS)');
    }
    const [result] = await admin.retry([c.req.param('jobId')], request);
    return resultResponse(c, result);
  });

  // A dead job is cancelled as such; one that has not settled (scheduled, running, retrying) has
  // its workflow cancelled (`cancelJob`); a settled one is refused as not dead.
  app.post('/api/jobs/:jobId/cancel', async (c) => {
    const request = cancelRequestFrom(objectBody(await jsonBody(c)));
    const jobId = c.req.param('jobId');
    const [result] = await admin.cancel([jobId], request);
    if (result.ok || result.error?.name !== 'JobNotDeadError') return resultResponse(c, result);
    try {
      // Ended at once when scheduled; a running attempt is cancelled, and the job ends a moment later.
      const { paused: _paused, ...done } = await admin.cancelJob(jobId, request);
      return c.json({ ok: true, status: null, ...done });
    } catch (err) {
      if (err instanceof JobSettledError) return resultResponse(c, result);
      throw err;
    }
  });

  app.post('/api/jobs/:jobId/delete', async (c) => {
    const request = deleteRequestFrom(objectBody(await jsonBody(c)));
    const [result] = await admin.delete([c.req.param('jobId')], request);
    return resultResponse(c, result);
  });

  // Errors (not waiting, paused already...) are thrown: the app maps each class to its status.
  const attemptActions = { 'retry-now': 'retryNow', pause: 'pause', resume: 'resume' } as const;
  app.post('/api/jobs/:jobId/:verb{retry-now|pause|resume}', async (c) => {
    const verb = c.req.param('verb') as keyof typeof attemptActions;
    const request = jobActionRequestFrom(objectBody(await jsonBody(c)), verb);
    return c.json({ ok: true, ...(await admin[attemptActions[verb]](c.req.param('jobId'), request)) });
  });

  app.post('/api/delete', async (c) => {
    const { filter, options } = deleteAllRequestFrom(objectBody(await jsonBody(c)));
    const selection = await admin.deleteAll(filter, options);
    return c.json({ kind: 'delete', dryRun: options.dryRun === true, filter: filterQuery(filter), ...selection });
  });

  app.post('/api/bulk', async (c) => {
    const { action, filter, options } = bulkRequestFrom(objectBody(await jsonBody(c)));
    const selection = action === 'retry' ? await admin.retryAll(filter, options) : await admin.cancelAll(filter, options);
    const doc = bulkDocument(action, selection, options.dryRun === true, filterQuery(filter));
    return c.json(doc, selection.operation ? 202 : 200);
  });

  app.post('/api/bulk/:operationId/:verb{pause|resume|abort}', async (c) => {
    const verb = c.req.param('verb') as 'pause' | 'resume' | 'abort';
    const request = jobActionRequestFrom(objectBody(await jsonBody(c)), verb);
    const operation = admin.operation(c.req.param('operationId'));
    // Reading first makes an unknown id a 404 rather than a signal sent nowhere.
    await operation.progress();
    await operation[verb](request);
    return c.json({ ...(await operation.progress()), workflowId: operation.workflowId });
  });
}
