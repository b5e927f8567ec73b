/**
 * The codec server the Temporal Web UI calls to show encrypted payloads decoded: POST `/decode`
 * and `/encode` with `{ payloads: [{ metadata: { name: base64 }, data: base64 }] }`, answered in
 * the same shape; CORS for the UI's origins; an optional token.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { PortInUseError, ReboundError } from '../errors';

/** The Web UI's origins a codec server answers by default: the dev server's UI. */
export const defaultCodecOrigins = ['http://127.0.0.1:8233', 'http://localhost:8233'];

/** Options of {@link createCodecHandler} and {@link serveCodec}. */
export interface CodecServerOptions {
  /** The codec that encodes and decodes. */
  codec: PayloadCodec;
  /** Origins of the Web UI (scheme, host and port) whose pages may call it. @defaultValue {@link defaultCodecOrigins} */
  origins?: string[];
  /**
   * When set, each request must carry `Authorization: Bearer <token>` (or the token alone); the
   * Web UI sends its user's access token when told to pass it. @defaultValue none: no token asked
   */
  token?: string;
  /** The largest request body taken, in bytes. @defaultValue 16 MiB */
  maxBodyBytes?: number;
}

/** Options of {@link serveCodec}. */
export interface ServeCodecOptions extends CodecServerOptions {
  /** @defaultValue 8235 (`0` picks a free port) */
  port?: number;
  /** @defaultValue `127.0.0.1` */
  hostname?: string;
}

/** A running codec server. */
export interface CodecServer {
  /** Its base URL, e.g. `http://127.0.0.1:8235`: what `--ui-codec-endpoint` takes. */
  url: string;
  port: number;
  close(): Promise<void>;
}

interface JsonPayload {
  metadata?: Record<string, string> | null;
  data?: string | null;
}

class BadRequest extends Error {}

function fromJson(value: unknown, index: number): Payload {
  const p = value as JsonPayload | null;
  if (typeof p !== 'object' || p === null) throw new BadRequest(`payloads[${index}]: expected an object`);
  const metadata: Record<string, Uint8Array> = {};
  for (const [key, v] of Object.entries(p.metadata ?? {})) {
    if (typeof v !== 'string') throw new BadRequest(`payloads[${index}].metadata.${key}: expected a base64 string`);
    metadata[key] = Buffer.from(v, 'base64');
  }
  if (p.data != null && typeof p.data !== 'string') throw new BadRequest(`payloads[${index}].data: expected a base64 string`);
  return { metadata, data: Buffer.from(p.data ?? '', 'base64') };
}

function toJson(p: Payload): JsonPayload {
  const metadata = Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v ?? new Uint8Array()).toString('base64')]));
  return { metadata, data: Buffer.from(p.data ?? new Uint8Array()).toString('base64') };
}

async function readBody(req: http.IncomingMessage, limit: number): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw new BadRequest(`request body over ${limit} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

const digest = (s: string) => createHash('sha256').update(s).digest();

/** True when the request carries the token; compared in constant time. */
function authorized(header: string | undefined, token: string): boolean {
  const given = (header ?? '').replace(/^Bearer\s+/i, '').trim();
  return timingSafeEqual(digest(given), digest(token));
}

/** The codec server as a Node `(req, res)` handler. */
export function createCodecHandler(options: CodecServerOptions): (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void> {
  const origins = new Set((options.origins ?? defaultCodecOrigins).map((o) => o.replace(/\/+$/, '')));
  const limit = options.maxBodyBytes ?? 16 * 1024 * 1024;
  return async (req, res) => {
    const origin = req.headers.origin;
    const send = (status: number, body?: unknown) => {
      res.writeHead(status, body === undefined ? {} : { 'content-type': 'application/json' });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const problem = (status: number, name: string, message: string) => send(status, { error: { name, message } });
    res.setHeader('vary', 'Origin');
    // A page of another origin gets nothing, not even an answer it cannot read.
    if (origin !== undefined && !origins.has(origin)) return problem(403, 'Forbidden', `origin ${origin} is not allowed (--origin)`);
    if (origin !== undefined) {
      res.setHeader('access-control-allow-origin', origin);
      res.setHeader('access-control-allow-credentials', 'true');
    }
    const route = /\/(encode|decode)\/?$/.exec((req.url ?? '').split('?')[0])?.[1];
    if (req.method === 'OPTIONS') {
      res.setHeader('access-control-allow-methods', 'POST, OPTIONS');
      res.setHeader('access-control-allow-headers', 'Content-Type, X-Namespace, Authorization');
      res.setHeader('access-control-max-age', '600');
      return send(204);
    }
    if (!route) return problem(404, 'NotFound', 'POST /encode or /decode');
    if (req.method !== 'POST') return problem(405, 'MethodNotAllowed', 'POST /encode or /decode');
    if (options.token && !authorized(req.headers.authorization, options.token)) return problem(401, 'Unauthorized', 'a valid Authorization header is required');
    try {
      const body = JSON.parse(await readBody(req, limit)) as { payloads?: unknown };
      if (!Array.isArray(body?.payloads)) throw new BadRequest('expected { "payloads": [...] }');
      const payloads = body.payloads.map(fromJson);
      const done = route === 'encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
      return send(200, { payloads: done.map(toJson) });
    } catch (err) {
      if (err instanceof BadRequest || err instanceof SyntaxError) return problem(400, 'BadRequest', err.message);
      // A missing or wrong key: its message names the key id, never a key.
      if (err instanceof ReboundError) return problem(422, err.name, err.message);
      return problem(500, 'InternalError', `could not ${route}`);
    }
  };
}

/** Serves the codec on `hostname:port` (127.0.0.1:8235 unless told otherwise); resolves once it listens. */
export async function serveCodec(options: ServeCodecOptions): Promise<CodecServer> {
  const { port = 8235, hostname = '127.0.0.1', ...rest } = options;
  const handler = createCodecHandler(rest);
  const server = http.createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) => reject(err.code === 'EADDRINUSE' ? new PortInUseError(hostname, port, 'the codec server (--port)') : err));
    server.listen(port, hostname, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const actual = (server.address() as AddressInfo).port;
  const host = hostname.includes(':') ? `[${hostname}]` : hostname;
  return {
    url: `http://${host}:${actual}`,
    port: actual,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}
