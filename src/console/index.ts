/**
 * The operator console: a web UI and a JSON API over the admin API, served on its own
 * (`serveConsole`, what `rebound console` runs) or mounted in your server (`createConsoleHandler`).
 */
export { createConsoleHandler } from './create-console';
export { serveConsole } from './serve';
export type { ConsoleHandler, ConsoleOptions, ConsoleServer, ServeConsoleOptions } from './types';
