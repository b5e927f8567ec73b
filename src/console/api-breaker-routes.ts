/**
 * The API's circuit breakers, under `/api/breakers`: list them, read one, and (unless the
 * console is read-only) override one. Each calls one admin function, as the CLI does.
 */
import type { Hono } from 'hono';
import type { BreakerMode } from '../contract';
import { jsonBody } from './api-action-routes';
import type { ConsoleEnv } from './auth';
import type { ConsoleContext } from './console-context';
import { badInput } from './http-problem';
import { objectBody } from './request-input';

const overrideKeys = ['mode', 'reason', 'by'];

/** Adds the breaker routes; the override only to a console that may change things. */
export function addApiBreakerRoutes(app: Hono<ConsoleEnv>, ctx: ConsoleContext): void {
  const { admin } = ctx;

  app.get('/api/breakers', async (c) => c.json({ items: await admin.breakers() }));

  app.get('/api/breakers/:type', async (c) => c.json(await admin.breaker(c.req.param('type'))));

  if (ctx.readOnly) return;
  app.post('/api/breakers/:type', async (c) => {
    const body = objectBody(await jsonBody(c));
    const unknown = Object.keys(body).filter((k) => !overrideKeys.includes(k));
    if (unknown.length > 0) throw badInput(`body: unknown field(s) ${unknown.map((k) => `"${k}"`).join(', ')}; known: ${overrideKeys.join(', ')}`);
    const { mode, reason, by } = body;
    if (typeof mode !== 'string') throw badInput(`mode: one of auto, open, closed is needed, got ${JSON.stringify(mode)}`);
    // The console knows how a request signed in, not who sent it: a caller may say who.
    const who = by === undefined ? `console (${c.get('via')})` : by;
    return c.json(await admin.setBreaker(c.req.param('type'), mode as BreakerMode, { reason: reason as string | undefined, by: who as string }));
  });
}
