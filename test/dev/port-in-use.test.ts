/**
 * The embedded server refuses a port another program listens on, naming it, instead of
 * attaching to that program (today `rebound dev` then hangs, or talks to another Temporal and
 * never creates its --db file).
 */
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort, startDevServer } from '../../src/dev';
import { PortInUseError } from '../../src/errors';
import { rejectionOf } from '../helpers';
import { rebound, requireBuiltCli } from '../fixtures/rebound-cli';

describe('a dev server on a port in use', () => {
  let dir: string;
  let busy: net.Server;
  let busyPort: number;

  beforeAll(async () => {
    requireBuiltCli();
    dir = mkdtempSync(path.join(os.tmpdir(), 'rebound-port-'));
    busy = net.createServer((socket) => socket.destroy());
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    busyPort = (busy.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => busy?.close(resolve));
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('rebound dev --port refuses, naming the port, and creates no database file', async () => {
    const db = path.join(dir, 'frontend', 'rebound.sqlite');
    const run = await rebound('dev', '--port', String(busyPort), '--ui-port', String(await freePort()), '--db', db);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stderr).toContain(`port ${busyPort} on 127.0.0.1 is in use`);
    expect(run.stderr).toContain('--port');
    expect(existsSync(path.dirname(db))).toBe(false);
  });

  it('startDevServer refuses a Web UI port in use the same way', async () => {
    const db = path.join(dir, 'ui', 'rebound.sqlite');
    const err = await rejectionOf(startDevServer({ port: await freePort(), uiPort: busyPort, dbFile: db }));
    expect(err).toBeInstanceOf(PortInUseError);
    expect(err).toMatchObject({ port: busyPort, host: '127.0.0.1' });
    expect(err.message).toContain('--ui-port');
    expect(existsSync(path.dirname(db))).toBe(false);
  });
});
