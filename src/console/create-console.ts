/**
 * {@link createConsoleHandler}: the operator console as a request handler, over the admin API.
 */
import { getRequestListener } from '@hono/node-server';
import { createAdmin } from '../admin';
import { defaultTaskQueue } from '../contract';
import { InvalidOptionsError } from '../errors';
import { checkOptionKeys } from '../jobs';
import { buildConsoleApp } from './app';
import type { ConsoleContext } from './console-context';
import type { ConsoleHandler, ConsoleOptions } from './types';

const optionKeys: readonly (keyof ConsoleOptions)[] = ['client', 'taskQueue', 'jobs', 'token', 'tokenName', 'readOnly', 'uiUrl', 'basePath', 'sessionTtlMs', 'logger'];

/** Shorter tokens can be guessed; 16 characters of `openssl rand -hex 32` are already 64 bits. */
const minTokenLength = 16;

function checkedBasePath(basePath: string | undefined): string {
  const value = (basePath ?? '').replace(/\/+$/, '');
  if (value !== '' && !/^(\/[A-Za-z0-9._~-]+)+$/.test(value)) throw new InvalidOptionsError(`basePath must be a path such as "/admin/rebound", got "${basePath}"`);
  return value;
}

function checkedUiUrl(uiUrl: string | undefined): string {
  const value = (uiUrl ?? 'http://127.0.0.1:8233').replace(/\/+$/, '');
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new InvalidOptionsError(`uiUrl must be an http(s) URL such as http://127.0.0.1:8233, got "${uiUrl}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidOptionsError(`uiUrl must be an http(s) URL, got "${uiUrl}"`);
  return value;
}

/**
 * The operator console (pages and JSON API) as a Node `(req, res)` handler with a web-standard
 * `fetch` beside it, to serve on its own (see `serveConsole`) or mount in your server. Throws
 * `InvalidOptionsError` for unknown or bad options, and when neither `token` nor `readOnly` is given.
 */
export function createConsoleHandler(options: ConsoleOptions): ConsoleHandler {
  checkOptionKeys(options, optionKeys, 'console');
  const readOnly = options.readOnly ?? false;
  const token = options.token?.trim() || undefined;
  if (token === undefined && !readOnly) {
    throw new InvalidOptionsError('the console changes jobs, so it needs a token (REBOUND_CONSOLE_TOKEN) that requests must carry; give token, or readOnly: true to serve no action');
  }
  if (token !== undefined && token.length < minTokenLength) {
    throw new InvalidOptionsError(`token must be at least ${minTokenLength} characters (make one with: openssl rand -hex 32)`);
  }
  const sessionTtlMs = options.sessionTtlMs ?? 12 * 60 * 60 * 1000;
  if (!(Number.isFinite(sessionTtlMs) && sessionTtlMs > 0)) throw new InvalidOptionsError(`sessionTtlMs must be a positive number of milliseconds, got ${sessionTtlMs}`);
  const taskQueue = options.taskQueue ?? defaultTaskQueue;
  const ctx: ConsoleContext = {
    admin: createAdmin({ client: options.client, taskQueue, jobs: options.jobs, actor: options.tokenName?.trim() || 'console' }),
    client: options.client,
    taskQueue,
    namespace: options.client.options.namespace,
    readOnly,
    canEditPayload: options.jobs !== undefined,
    uiUrl: checkedUiUrl(options.uiUrl),
    basePath: checkedBasePath(options.basePath),
  };
  const app = buildConsoleApp(ctx, { token, sessionTtlMs, logger: options.logger });
  // Leave the embedding process's global Request and Response as they are.
  const listener = getRequestListener(app.fetch, { overrideGlobalObjects: false });
  const handler = ((req, res) => listener(req, res)) as ConsoleHandler;
  handler.fetch = async (request) => app.fetch(request);
  return handler;
}
