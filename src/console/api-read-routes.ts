/**
 * The API's reads, under `/api`: list, show, stats, groups, overview, the audit log, a bulk
 * operation's progress, and export as JSON Lines. Each calls one admin function, as the CLI does.
 */
import type { Hono } from 'hono';
import type { JobRecord } from '../client';
import { jobDocument, statsDocument } from './api-documents';
import type { ConsoleEnv } from './auth';
import type { ConsoleContext } from './console-context';
import { loadOverview } from './overview';
import { auditFilterFrom, filterFrom, filterQuery, pagingFrom } from './request-input';

const jsonLine = (record: JobRecord) => `${JSON.stringify(jobDocument(record), (_k, v: unknown) => (v === undefined ? null : v))}\n`;

/** Adds the read routes of the API. */
export function addApiReadRoutes(app: Hono<ConsoleEnv>, ctx: ConsoleContext): void {
  const { admin } = ctx;

  app.get('/api/jobs', async (c) => {
    const query = c.req.query();
    const filter = filterFrom(query, c.req.queries('tag'));
    const page = await admin.list(filter, pagingFrom(query));
    return c.json({ ...page, filter: { ...filterQuery(filter), ...(filter.tags ? { tags: filter.tags } : {}) } });
  });

  app.get('/api/jobs/:jobId', async (c) => c.json(jobDocument(await admin.get(c.req.param('jobId')))));

  app.get('/api/stats', async (c) => c.json(statsDocument(await admin.stats())));

  app.get('/api/groups', async (c) => c.json({ groups: await admin.groups() }));

  app.get('/api/audit', async (c) => c.json({ entries: await admin.audit(auditFilterFrom(c.req.query())) }));

  app.get('/api/overview', async (c) => {
    const { stats, ...rest } = await loadOverview(admin);
    return c.json({ ...statsDocument(stats), ...rest });
  });

  app.get('/api/bulk/:operationId', async (c) => {
    const operation = admin.operation(c.req.param('operationId'));
    return c.json({ ...(await operation.progress()), workflowId: operation.workflowId });
  });

  app.get('/api/export', async (c) => {
    const filter = filterFrom(c.req.query(), c.req.queries('tag'));
    const records = admin.export(filter);
    // The first record is read before answering, so that a bad filter is a 400, not a broken stream.
    const first = await records.next();
    const encoder = new TextEncoder();
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        if (first.done) controller.close();
        else controller.enqueue(encoder.encode(jsonLine(first.value)));
      },
      async pull(controller) {
        const next = await records.next();
        if (next.done) controller.close();
        else controller.enqueue(encoder.encode(jsonLine(next.value)));
      },
      async cancel() {
        await records.return(undefined);
      },
    });
    return c.body(stream, 200, {
      'Content-Type': 'application/x-ndjson; charset=utf-8',
      'Content-Disposition': 'attachment; filename="rebound-dead-jobs.jsonl"',
    });
  });
}
