/**
 * The metrics endpoint: one HTTP server per address and process, serving rebound's metrics and,
 * appended, the Temporal SDK's own (read from its exporter on an internal loopback port), so
 * that one scrape gets both.
 */
import http from 'node:http';
import net, { type AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { InvalidOptionsError } from '../errors';
import { installRuntimeLogger, installedRuntime, type Logger } from '../logger';
import { registerJobMetrics, type JobMetricSet } from './job-metrics';

/** Options of a worker's metrics endpoint. */
export interface MetricsOptions {
  /**
   * host:port the endpoint listens on, serving `GET /metrics` in Prometheus' text format, e.g.
   * `127.0.0.1:9464` (`0.0.0.0:9464` for a scraper on another machine; port `0` picks a free one).
   * Workers of one process given the same address share one endpoint.
   */
  address: string;
  /** Also Node's process metrics (CPU, memory, event loop lag, GC), as prom-client names them. @defaultValue true */
  processMetrics?: boolean;
}

/** A metrics endpoint held open for one user; see {@link openMetricsEndpoint}. */
export interface MetricsEndpoint {
  /** Where it serves, e.g. `http://127.0.0.1:9464/metrics`. */
  url: string;
  metrics: JobMetricSet;
  /** Lets go of it: the server closes when its last user lets go. Safe to call twice. */
  release(): Promise<void>;
}

interface Shared {
  url: string;
  metrics: JobMetricSet;
  users: number;
  close(): Promise<void>;
}

const endpoints = new Map<string, Promise<Shared>>();

/** host and port of `host:port` (`[::1]:9464` for IPv6); throws `InvalidOptionsError` naming the address. */
export function parseAddress(address: string): { host: string; port: number } {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(address.trim());
  const port = Number(match?.[3]);
  if (!match || port > 65_535) throw new InvalidOptionsError(`metrics address "${address}": expected host:port, e.g. 127.0.0.1:9464`);
  return { host: match[1] ?? match[2], port };
}

/** The environment variable of the metrics address. */
export const metricsAddressEnvVar = 'REBOUND_METRICS_ADDRESS';

/**
 * The metrics options of `REBOUND_METRICS_ADDRESS`; undefined when it is not set. Throws
 * `InvalidOptionsError` naming the variable when it is not host:port.
 */
export function metricsFromEnv(env: NodeJS.ProcessEnv = process.env): MetricsOptions | undefined {
  const address = env[metricsAddressEnvVar]?.trim();
  if (!address) return undefined;
  try {
    parseAddress(address);
  } catch {
    throw new InvalidOptionsError(`${metricsAddressEnvVar}: expected host:port, e.g. 127.0.0.1:9464; got "${address}"`);
  }
  return { address };
}

/** A free TCP port on the loopback interface. */
async function freeLoopbackPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * Makes the process's Temporal runtime with the SDK's Prometheus exporter on a free loopback port,
 * unless the runtime is made already; returns where the SDK serves its metrics (undefined when the
 * runtime was made without it). Call it before the process's first worker connection.
 */
export async function installSdkMetrics(logger: Logger): Promise<string | undefined> {
  if (!installedRuntime()) {
    const port = await freeLoopbackPort();
    installRuntimeLogger(logger, { prometheusAddress: `127.0.0.1:${port}` });
  }
  return installedRuntime()?.prometheusAddress;
}

/** The SDK's exposition, or a comment saying why it is missing. */
async function sdkExposition(): Promise<string> {
  const address = installedRuntime()?.prometheusAddress;
  if (!address) return "# The Temporal SDK's metrics are not served: the process's Temporal runtime was made before metrics were asked for.\n";
  try {
    const response = await fetch(`http://${address}/metrics`, { signal: AbortSignal.timeout(5_000) });
    if (!response.ok) throw new Error(`it answered ${response.status}`);
    return await response.text();
  } catch (err) {
    return `# The Temporal SDK's metrics could not be read: ${(err as Error).message.replace(/\s+/g, ' ')}\n`;
  }
}

async function start(options: MetricsOptions): Promise<Shared> {
  const { host, port } = parseAddress(options.address);
  const registry = new Registry();
  const metrics = registerJobMetrics(registry, { processMetrics: options.processMetrics });
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('metrics are at GET /metrics\n');
      return;
    }
    void Promise.all([registry.metrics(), sdkExposition()]).then(
      ([own, sdk]) => res.writeHead(200, { 'content-type': registry.contentType }).end(`${own.endsWith('\n') ? own : `${own}\n`}${sdk}`),
      (err: unknown) => res.writeHead(500, { 'content-type': 'text/plain' }).end(`# metrics failed: ${(err as Error).message}\n`),
    );
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(err.code === 'EADDRINUSE' ? new InvalidOptionsError(`metrics address ${options.address} is in use by another program: choose another one`) : err),
    );
    server.listen(port, host, () => resolve());
  });
  // A scraper's keep-alive connection must not keep a finished worker's process alive.
  server.unref();
  const bound = (server.address() as AddressInfo).port;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${bound}/metrics`,
    metrics,
    users: 0,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Opens the endpoint at `options.address`, or joins the one this process serves there already.
 * Throws `InvalidOptionsError` when the address is malformed or another program listens there.
 */
export async function openMetricsEndpoint(options: MetricsOptions): Promise<MetricsEndpoint> {
  const key = options.address.trim();
  const shareable = parseAddress(key).port !== 0;
  let opening = shareable ? endpoints.get(key) : undefined;
  if (!opening) {
    opening = start(options);
    if (shareable) {
      endpoints.set(key, opening);
      opening.catch(() => endpoints.delete(key));
    }
  }
  const shared = await opening;
  shared.users++;
  let released = false;
  return {
    url: shared.url,
    metrics: shared.metrics,
    async release() {
      if (released) return;
      released = true;
      if (--shared.users > 0) return;
      if (shareable && endpoints.get(key) === opening) endpoints.delete(key);
      await shared.close();
    },
  };
}
