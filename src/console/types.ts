/**
 * The operator console's types, declared by hand: what {@link createConsoleHandler} and
 * {@link serveConsole} take and return.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Client } from '@temporalio/client';
import type { JobDefinition, JobRegistry } from '../jobs';
import type { Logger } from '../logger';

/** Options of {@link createConsoleHandler}. */
export interface ConsoleOptions {
  /** A connected Temporal client (see `connectClient`); the console never closes it. */
  client: Client;
  /** The task queue whose dead jobs the console operates. @defaultValue `rebound` */
  taskQueue?: string;
  /**
   * Job types, to check an edited payload against its type's schema before a retry sends it.
   * @defaultValue none: the console refuses edited payloads (plain retries and cancels still work)
   */
  jobs?: Iterable<JobDefinition<any, any>> | JobRegistry;
  /**
   * The secret every request needs: as `Authorization: Bearer <token>`, or typed once into the
   * login form, which opens a session. Required unless `readOnly`; with `readOnly` and no token,
   * anyone who reaches the console can read it.
   * @defaultValue none
   */
  token?: string;
  /**
   * The name changes made through the console are recorded under, in the jobs' timelines and the
   * audit log (whoever holds the token acts as it). @defaultValue `console`
   */
  tokenName?: string;
  /** Serve no action at all: action routes do not exist and pages show no buttons. @defaultValue false */
  readOnly?: boolean;
  /** Base URL of the Temporal Web UI, for links to each job's workflow. @defaultValue `http://127.0.0.1:8233` */
  uiUrl?: string;
  /**
   * The path your server mounts the console at (`/admin/rebound`): links and the session cookie
   * use it, and it is stripped from request paths that still carry it.
   * @defaultValue `''`, the root
   */
  basePath?: string;
  /** How long a login session lasts. @defaultValue 12 hours */
  sessionTtlMs?: number;
  /** Where requests that fail unexpectedly (HTTP 500) are logged, at `error`. @defaultValue none: not logged */
  logger?: Logger;
}

/**
 * The console as a request handler: call it with Node's `(req, res)` (a `http.createServer`
 * callback, or Express/Connect middleware mounted before any body parser), or use `fetch` with
 * a web-standard `Request` (Hono, Bun, Deno and the like).
 */
export interface ConsoleHandler {
  (req: IncomingMessage, res: ServerResponse): Promise<void>;
  /** The same console as a web-standard fetch handler. */
  fetch(request: Request): Promise<Response>;
}

/** Options of {@link serveConsole}: the console's, and where it listens. */
export interface ServeConsoleOptions extends ConsoleOptions {
  /** Port to listen on; 0 picks a free one. @defaultValue 8234 */
  port?: number;
  /** Address to listen on. @defaultValue `127.0.0.1`: this machine only */
  hostname?: string;
}

/** A console listening on a port. */
export interface ConsoleServer {
  /** Where it listens, ending with `/`: `http://127.0.0.1:8234/`. */
  url: string;
  port: number;
  /** Stops listening and closes open connections. */
  close(): Promise<void>;
}
