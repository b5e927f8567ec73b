/**
 * The console API's circuit breakers: list, read, override with who and why; read-only and
 * unknown types answered with their status.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveConsole, type ConsoleServer } from '../../src/console';
import { guarded, unguarded } from '../fixtures/breaker-jobs-module';
import { testEnv, type TestEnv } from '../helpers';
import { call, newToken } from './console-helpers';

describe('the console API of breakers', () => {
  let env: TestEnv;
  let server: ConsoleServer;
  let readOnly: ConsoleServer;
  const token = newToken();

  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker([guarded, unguarded]);
    const options = { client: env.client, taskQueue: env.config.taskQueue, jobs: [guarded, unguarded], token, port: 0 };
    server = await serveConsole(options);
    readOnly = await serveConsole({ ...options, readOnly: true });
  });
  afterAll(async () => {
    await server?.close();
    await readOnly?.close();
    await env?.close();
  });

  it('lists and reads breakers, and overrides one recording who and why', async () => {
    const listed = await call(server.url, 'GET', '/api/breakers', { token });
    expect(listed.status).toBe(200);
    expect(listed.json.items).toEqual([{ type: 'cli.guarded', state: 'closed', mode: 'auto' }]);

    const opened = await call(server.url, 'POST', '/api/breakers/cli.guarded', { token, body: { mode: 'open', reason: 'vendor outage', by: 'erin' } });
    expect(opened.status, opened.text).toBe(200);
    expect(opened.json).toMatchObject({ state: 'open', mode: 'open', override: { by: 'erin', reason: 'vendor outage' } });

    const closed = await call(server.url, 'POST', '/api/breakers/cli.guarded', { token, body: { mode: 'auto' } });
    expect(closed.json.override).toMatchObject({ mode: 'auto', by: 'console (bearer)' });
    const read = await call(server.url, 'GET', '/api/breakers/cli.guarded', { token });
    expect(read.json.overrides.map((o: { mode: string }) => o.mode)).toEqual(['open', 'auto']);
  });

  it('answers a bad mode 400, a type without a breaker 404, and an override on a read-only console 404', async () => {
    const bad = await call(server.url, 'POST', '/api/breakers/cli.guarded', { token, body: { mode: 'shut' } });
    expect(bad.status).toBe(400);
    expect(bad.json.error.message).toMatch(/one of auto, open, closed, got "shut"/);
    const none = await call(server.url, 'GET', '/api/breakers/cli.unguarded', { token });
    expect(none.status).toBe(404);
    expect(none.json.error.name).toBe('BreakerNotFoundError');
    const unknownField = await call(server.url, 'POST', '/api/breakers/cli.guarded', { token, body: { mode: 'open', who: 'x' } });
    expect(unknownField.status).toBe(400);
    const refused = await call(readOnly.url, 'POST', '/api/breakers/cli.guarded', { token, body: { mode: 'open' } });
    expect(refused.status).toBe(404);
    expect((await call(readOnly.url, 'GET', '/api/breakers', { token })).status).toBe(200);
  });
});
