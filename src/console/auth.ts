/**
 * Who may use the console: a bearer token (scripts), or a session opened by typing the token into
 * the login form (people). Sessions live in this process's memory; their cookie is HttpOnly and
 * SameSite=Strict, and every change made through one also needs the session's CSRF token.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, Hono, MiddlewareHandler } from 'hono';
import { deleteCookie, getCookie, setCookie } from 'hono/cookie';
import { problemBody } from './http-problem';
import { renderLoginPage } from './page-login';

/** A logged-in browser. */
export interface Session {
  id: string;
  /** Sent back with every change made through the session (header `X-CSRF-Token` or form field `_csrf`). */
  csrf: string;
  expiresAt: number;
}

/** What the routes of a console app know about the request. */
export type ConsoleEnv = { Variables: { via: 'bearer' | 'session' | 'open'; session?: Session } };

/** What {@link createAuth} needs. */
export interface AuthOptions {
  token?: string;
  basePath: string;
  sessionTtlMs: number;
}

const cookieName = 'rebound_console_session';
/** Beyond this, the oldest sessions are dropped: a flood of logins cannot grow memory without bound. */
const maxSessions = 10_000;

/** True when `given` is `expected`, in time that does not depend on where they differ (both are hashed to one length first). */
export function sameSecret(given: string, expected: string): boolean {
  const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();
  return timingSafeEqual(digest(given), digest(expected));
}

/** Paths anyone may fetch: the login form and the static assets (which hold no data). */
const isPublic = (path: string) => path === '/login' || path.startsWith('/assets/');

const isSafeMethod = (method: string) => method === 'GET' || method === 'HEAD';

/** A `next` that stays on this site: a path, never `//host` or `/\host`. */
const safeNext = (next: string | undefined, basePath: string) =>
  next && next.startsWith('/') && !next.startsWith('//') && !next.includes('\\') ? next : `${basePath}/`;

/** The console's authentication: a middleware for every route, and the login and logout routes. */
export function createAuth(options: AuthOptions) {
  const { token, basePath } = options;
  const sessions = new Map<string, Session>();

  function openSession(): Session {
    const now = Date.now();
    for (const [id, s] of sessions) if (s.expiresAt <= now || sessions.size >= maxSessions) sessions.delete(id);
    const session = { id: randomBytes(32).toString('base64url'), csrf: randomBytes(32).toString('base64url'), expiresAt: now + options.sessionTtlMs };
    sessions.set(session.id, session);
    return session;
  }

  function sessionOf(c: Context): Session | undefined {
    const id = getCookie(c, cookieName);
    const session = id === undefined ? undefined : sessions.get(id);
    if (session && session.expiresAt <= Date.now()) {
      sessions.delete(session.id);
      return undefined;
    }
    return session;
  }

  const unauthorized = (c: Context, message: string) => {
    c.header('WWW-Authenticate', 'Bearer realm="rebound console"');
    return c.json(problemBody({ name: 'Unauthorized', message }), 401);
  };

  /** Lets a request through with a valid bearer token or session; pages without one go to the login form. */
  const middleware: MiddlewareHandler<ConsoleEnv> = async (c, next) => {
    if (token === undefined) {
      c.set('via', 'open');
      return next();
    }
    const header = c.req.header('authorization');
    if (header !== undefined) {
      const given = /^Bearer\s+(.+)$/i.exec(header)?.[1]?.trim();
      if (given === undefined || !sameSecret(given, token)) return unauthorized(c, 'the bearer token is not this console\'s token (REBOUND_CONSOLE_TOKEN)');
      c.set('via', 'bearer');
      return next();
    }
    if (isPublic(c.req.path)) return next();
    const session = sessionOf(c);
    if (!session) {
      if (c.req.path.startsWith('/api/') || !isSafeMethod(c.req.method)) {
        return unauthorized(c, `this console needs its token: send "Authorization: Bearer <REBOUND_CONSOLE_TOKEN>", or log in at ${basePath}/login`);
      }
      const url = new URL(c.req.url);
      return c.redirect(`${basePath}/login?next=${encodeURIComponent(`${basePath}${c.req.path}${url.search}`)}`, 303);
    }
    // A cookie rides along with any request the browser makes; the CSRF token proves the page sent it.
    if (!isSafeMethod(c.req.method)) {
      let given = c.req.header('x-csrf-token');
      if (given === undefined && (c.req.header('content-type') ?? '').includes('application/x-www-form-urlencoded')) {
        const form = await c.req.parseBody();
        given = typeof form._csrf === 'string' ? form._csrf : undefined;
      }
      if (given === undefined || !sameSecret(given, session.csrf)) {
        return c.json(problemBody({ name: 'Forbidden', message: 'missing or wrong CSRF token: reload the page and try again' }), 403);
      }
    }
    c.set('via', 'session');
    c.set('session', session);
    return next();
  };

  /** `GET /login`, `POST /login` (the token, from the form) and `POST /logout`. */
  function routes(app: Hono<ConsoleEnv>): void {
    app.get('/login', (c) => {
      if (token === undefined) return c.redirect(`${basePath}/`, 303);
      return c.html(renderLoginPage({ basePath, next: c.req.query('next') }));
    });
    app.post('/login', async (c) => {
      if (token === undefined) return c.redirect(`${basePath}/`, 303);
      const form = await c.req.parseBody();
      const next = typeof form.next === 'string' ? form.next : undefined;
      if (typeof form.token !== 'string' || !sameSecret(form.token.trim(), token)) {
        return c.html(renderLoginPage({ basePath, next, error: 'That is not the console\'s token. It is the value of REBOUND_CONSOLE_TOKEN where the console runs.' }), 401);
      }
      const session = openSession();
      setCookie(c, cookieName, session.id, {
        path: basePath || '/',
        httpOnly: true,
        sameSite: 'Strict',
        secure: new URL(c.req.url).protocol === 'https:',
        maxAge: Math.floor(options.sessionTtlMs / 1000),
      });
      return c.redirect(safeNext(next, basePath), 303);
    });
    app.post('/logout', (c) => {
      const session = c.get('session');
      if (session) sessions.delete(session.id);
      deleteCookie(c, cookieName, { path: basePath || '/' });
      return c.redirect(`${basePath}/login`, 303);
    });
  }

  return { middleware, routes };
}
