/**
 * The pages: overview, dead jobs, failure groups, and one job. Each reads through the admin API,
 * as the JSON API does, and renders HTML on the server.
 */
import type { Context, Hono } from 'hono';
import type { ConsoleEnv } from './auth';
import type { ConsoleContext } from './console-context';
import { loadOverview } from './overview';
import { renderDeadJobsPage, renderGroupsPage } from './page-dead-jobs';
import { renderJobPage } from './page-job';
import type { PageContext } from './page-layout';
import { renderOverviewPage } from './page-overview';
import { filterFrom, filterParams, pagingFrom } from './request-input';
import { roundPayloads } from './round-payloads';

/** What pages know of this request: the console's setup and the session, if any. */
export function pageContext(ctx: ConsoleContext, c: Context<ConsoleEnv>): PageContext {
  const session = c.get('session');
  return {
    basePath: ctx.basePath,
    taskQueue: ctx.taskQueue,
    namespace: ctx.namespace,
    readOnly: ctx.readOnly,
    canEditPayload: ctx.canEditPayload,
    uiUrl: ctx.uiUrl,
    csrf: session?.csrf,
    loggedIn: session !== undefined,
  };
}

/** Adds the page routes. */
export function addPageRoutes(app: Hono<ConsoleEnv>, ctx: ConsoleContext): void {
  const { admin } = ctx;

  app.get('/', async (c) => c.html(renderOverviewPage(pageContext(ctx, c), await loadOverview(admin)).text));

  app.get('/jobs', async (c) => {
    const query = c.req.query();
    const filter = filterFrom(query);
    const { limit, pageToken } = pagingFrom(query);
    const given = Object.fromEntries(filterParams.filter((k) => query[k]?.trim()).map((k) => [k, query[k].trim()]));
    const [page, stats, groups] = await Promise.all([admin.list(filter, { limit, pageToken }), admin.stats(), admin.groups()]);
    return c.html(renderDeadJobsPage(pageContext(ctx, c), { filter, given, page, pageToken, limit, stats, groups }).text);
  });

  app.get('/groups', async (c) => c.html(renderGroupsPage(pageContext(ctx, c), await admin.groups()).text));

  app.get('/jobs/:jobId', async (c) => {
    const record = await admin.get(c.req.param('jobId'));
    const rounds = record.round > 1 ? await roundPayloads(ctx.client, record.workflowId) : new Map<number, unknown>();
    return c.html(renderJobPage({ ...pageContext(ctx, c), namespace: ctx.namespace, uiUrl: ctx.uiUrl }, record, rounds).text);
  });
}
