/**
 * {@link serveConsole}: the console on its own HTTP server, as `rebound console` runs it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createConsoleHandler } from './create-console';
import type { ConsoleServer, ServeConsoleOptions } from './types';

/** Serves the console on `hostname:port` (127.0.0.1:8234 unless told otherwise); resolves once it listens. */
export async function serveConsole(options: ServeConsoleOptions): Promise<ConsoleServer> {
  const { port = 8234, hostname = '127.0.0.1', ...consoleOptions } = options;
  const handler = createConsoleHandler(consoleOptions);
  const server = http.createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, hostname, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  const host = hostname.includes(':') ? `[${hostname}]` : hostname;
  const basePath = (consoleOptions.basePath ?? '').replace(/\/+$/, '');
  return {
    url: `http://${host}:${actual}${basePath}/`,
    port: actual,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        // Browsers keep connections open; without this, close waits for them to time out.
        server.closeAllConnections();
      }),
  };
}
