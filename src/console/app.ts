/**
 * The console as a Hono app: security headers, a body limit and authentication on every route,
 * then the assets, login, the JSON API (its changes only when not read-only) and the pages;
 * failures become the status their error class maps to, as JSON under `/api`, as a page elsewhere.
 */
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { HTTPException } from 'hono/http-exception';
import { getPath } from 'hono/utils/url';
import type { Logger } from '../logger';
import { addApiActionRoutes } from './api-action-routes';
import { addApiBreakerRoutes } from './api-breaker-routes';
import { addApiReadRoutes } from './api-read-routes';
import { addAssetRoutes } from './asset-routes';
import { createAuth, type ConsoleEnv } from './auth';
import type { ConsoleContext } from './console-context';
import { problemBody, problemOf } from './http-problem';
import { errorPage } from './page-layout';
import { addPageRoutes, pageContext } from './page-routes';

/** More than Temporal's 2 MB payload limit, so that the admin API is what refuses a large payload, by name. */
const maxBodyBytes = 3 * 1024 * 1024;

// Pages load only their own assets; no inline script or style, no framing.
const contentSecurityPolicy =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const titles: Record<number, string> = { 400: 'Bad request', 404: 'Not found', 409: 'Conflict', 503: 'Unavailable', 500: 'Something went wrong' };

/** Options of {@link buildConsoleApp} beside the console's context. */
export interface AppOptions {
  token?: string;
  sessionTtlMs: number;
  logger?: Logger;
}

/** The console's Hono app. */
export function buildConsoleApp(ctx: ConsoleContext, options: AppOptions): Hono<ConsoleEnv> {
  const { basePath } = ctx;
  const app = new Hono<ConsoleEnv>({
    // Mounted under a path by a server that does not strip it: routes see the path below it.
    getPath: (request) => {
      const p = getPath(request);
      return basePath && (p === basePath || p.startsWith(`${basePath}/`)) ? p.slice(basePath.length) || '/' : p;
    },
  });
  const auth = createAuth({ token: options.token, basePath, sessionTtlMs: options.sessionTtlMs });

  app.use('*', async (c, next) => {
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
    c.header('Content-Security-Policy', contentSecurityPolicy);
    // Dead jobs carry payloads: nothing but the assets is kept in a cache.
    if (!c.res.headers.has('Cache-Control')) c.header('Cache-Control', 'no-store');
  });
  app.use(
    '*',
    bodyLimit({
      maxSize: maxBodyBytes,
      onError: (c) => c.json(problemBody({ name: 'PayloadTooLarge', message: `body: larger than ${maxBodyBytes} bytes` }), 413),
    }),
  );
  app.use('*', auth.middleware);

  addAssetRoutes(app);
  auth.routes(app);
  addApiReadRoutes(app, ctx);
  addApiBreakerRoutes(app, ctx);
  // A read-only console has no action route at all: they answer 404 like any unknown path.
  if (!ctx.readOnly) addApiActionRoutes(app, ctx);
  addPageRoutes(app, ctx);

  app.notFound((c) => {
    const message = `no such ${c.req.path.startsWith('/api/') ? 'route' : 'page'}: ${c.req.method} ${c.req.path}${ctx.readOnly && c.req.method !== 'GET' ? ' (this console is read-only)' : ''}`;
    if (c.req.path.startsWith('/api/') || c.req.method !== 'GET') return c.json(problemBody({ name: 'NotFound', message }), 404);
    return c.html(errorPage(pageContext(ctx, c), 404, titles[404], message).text, 404);
  });

  app.onError((err, c) => {
    if (err instanceof HTTPException) return err.getResponse();
    const problem = problemOf(err);
    if (problem.status === 500) options.logger?.error({ err, method: c.req.method, path: c.req.path }, 'console request failed');
    if (c.req.path.startsWith('/api/') || c.req.method !== 'GET') return c.json(problemBody(problem), problem.status);
    return c.html(errorPage(pageContext(ctx, c), problem.status, titles[problem.status] ?? titles[500], problem.message).text, problem.status);
  });
  return app;
}
