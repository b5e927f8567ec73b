/**
 * Who may use the console and what a read-only one serves: 401 on every route without the token,
 * the login form and its session with CSRF protection, a read-only console mounted by a plain
 * Node server under a base path and an open one called through `fetch`, and `rebound console`
 * itself (built: `npm run build` first), which refuses to start without its token.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAdmin, type DeadLetterAdmin } from '../../src/admin';
import { createConsoleHandler, serveConsole, type ConsoleServer } from '../../src/console';
import { JobStatus } from '../../src/contract';
import { InvalidOptionsError } from '../../src/errors';
import { deadJobType } from '../fixtures/dead-jobs';
import { reboundWithEnv, requireBuiltCli, startRebound } from '../fixtures/rebound-cli';
import { eventually, testEnv, unique, type TestEnv } from '../helpers';
import { call, deadJobs, newToken, type CallOptions } from './console-helpers';

const reports = deadJobType('report.build');

/** Every route of the API, with a body where it takes one. */
const routes: [string, string, unknown?][] = [
  ['GET', '/api/jobs'],
  ['GET', '/api/jobs/some-job'],
  ['POST', '/api/jobs/some-job/retry', {}],
  ['POST', '/api/jobs/some-job/cancel', {}],
  ['POST', '/api/bulk', { action: 'retry', dryRun: true }],
  ['GET', '/api/bulk/some-operation'],
  ['POST', '/api/bulk/some-operation/pause'],
  ['POST', '/api/bulk/some-operation/resume'],
  ['POST', '/api/bulk/some-operation/abort'],
  ['GET', '/api/stats'],
  ['GET', '/api/groups'],
  ['GET', '/api/overview'],
  ['GET', '/api/export'],
];
const actionRoutes = routes.filter(([method]) => method === 'POST');

describe('the console guard', () => {
  let env: TestEnv;
  let admin: DeadLetterAdmin;
  let server: ConsoleServer;
  let readOnly: http.Server;
  let readOnlyBase: string;
  const token = newToken();
  const dead = {} as Record<'report.build', string[]>;

  beforeAll(async () => {
    env = await testEnv();
    await env.startWorker([reports]);
    admin = createAdmin({ client: env.client, taskQueue: env.config.taskQueue });
    dead['report.build'] = await deadJobs(env.jobs([reports]), 3, 'report.build', { error: 'timeout' });
    await eventually(async () => (await admin.stats()).total.deadNow === 3, 'every dead job counted');

    server = await serveConsole({ client: env.client, taskQueue: env.config.taskQueue, token, port: 0 });
    const handler = createConsoleHandler({ client: env.client, taskQueue: env.config.taskQueue, token, readOnly: true, basePath: '/ops' });
    readOnly = http.createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => readOnly.listen(0, '127.0.0.1', resolve));
    readOnlyBase = `http://127.0.0.1:${(readOnly.address() as AddressInfo).port}/`;
  });
  afterAll(async () => {
    await server?.close();
    readOnly?.closeAllConnections();
    await new Promise((resolve) => (readOnly ? readOnly.close(resolve) : resolve(undefined)));
    await env?.close();
  });

  describe('the token', () => {
    it('answers 401 on every route without the token, and with a wrong one', async () => {
      for (const [method, path, body] of routes) {
        for (const given of [undefined, 'not-the-token-at-all']) {
          const answer = await call(server.url, method, path, { token: given, body });
          expect(answer.status, `${method} ${path} with ${given ?? 'no token'}`).toBe(401);
          expect(answer.json.error).toEqual({ name: 'Unauthorized', message: expect.stringContaining('token') });
          expect(answer.headers.get('www-authenticate')).toContain('Bearer');
        }
      }
    });

    it('sends a page request without the token to the login form', async () => {
      const answer = await call(server.url, 'GET', '/jobs?type=report.build');
      expect(answer.status).toBe(303);
      expect(answer.headers.get('location')).toBe(`/login?next=${encodeURIComponent('/jobs?type=report.build')}`);
      expect((await call(server.url, 'GET', '/assets/console.css')).status).toBe(200);
    });

    it('opens a session with the token typed into the login form; changes through it need its CSRF token', async () => {
      const form = { 'content-type': 'application/x-www-form-urlencoded' };
      const wrong = await call(server.url, 'POST', '/login', { body: 'token=guess&next=%2Fjobs', headers: form });
      expect(wrong.status).toBe(401);
      expect(wrong.text).toContain('not the console');

      const login = await call(server.url, 'POST', '/login', { body: `token=${token}&next=%2Fjobs`, headers: form });
      expect(login.status).toBe(303);
      expect(login.headers.get('location')).toBe('/jobs');
      const setCookie = login.headers.get('set-cookie') ?? '';
      expect(setCookie).toMatch(/HttpOnly/i);
      expect(setCookie).toMatch(/SameSite=Strict/i);
      const cookie = setCookie.split(';')[0];

      const page = await call(server.url, 'GET', '/jobs', { cookie });
      expect(page.status).toBe(200);
      const csrf = /<meta name="csrf-token" content="([^"]+)">/.exec(page.text)?.[1];
      expect(csrf).toBeDefined();

      const nobody = unique('nobody');
      const withoutCsrf = await call(server.url, 'POST', `/api/jobs/${nobody}/retry`, { cookie, body: {} });
      expect(withoutCsrf.status).toBe(403);
      expect(withoutCsrf.json.error.message).toContain('CSRF');
      const withCsrf = await call(server.url, 'POST', `/api/jobs/${nobody}/retry`, { cookie, body: {}, headers: { 'x-csrf-token': csrf! } });
      expect(withCsrf.status).toBe(404);

      const logout = await call(server.url, 'POST', '/logout', { cookie, body: `_csrf=${encodeURIComponent(csrf!)}`, headers: form });
      expect(logout.status).toBe(303);
      expect((await call(server.url, 'GET', '/api/stats', { cookie })).status).toBe(401);
    });

    it('refuses to be created without a token unless read-only, and with a short token', () => {
      expect(() => createConsoleHandler({ client: env.client })).toThrow(InvalidOptionsError);
      expect(() => createConsoleHandler({ client: env.client })).toThrow(/token/);
      expect(() => createConsoleHandler({ client: env.client, token: 'short' })).toThrow(/at least 16 characters/);
      expect(() => createConsoleHandler({ client: env.client, readOnly: true })).not.toThrow();
    });
  });

  describe('read-only', () => {
    const readOnlyApi = (method: string, path: string, options: CallOptions = {}) => call(readOnlyBase, method, path, { token, ...options });

    it('serves no action route at all', async () => {
      for (const [method, path, body] of actionRoutes) {
        const answer = await readOnlyApi(method, `/ops${path}`, { body });
        expect(answer.status, `${method} ${path}`).toBe(404);
        expect(answer.json.error.message).toContain('read-only');
      }
      for (const id of dead['report.build']) expect((await admin.get(id)).status).toBe(JobStatus.DeadLettered);
    });

    it('reads under its base path, and its pages show no button', async () => {
      const list = await readOnlyApi('GET', '/ops/api/jobs?type=report.build');
      expect(list.status).toBe(200);
      expect(list.json.items).toHaveLength(3);
      const job = await readOnlyApi('GET', `/ops/jobs/${dead['report.build'][0]}`);
      expect(job.status).toBe(200);
      expect(job.text).toContain(dead['report.build'][0]);
      expect(job.text).not.toMatch(/<button/);
      const jobs = await readOnlyApi('GET', '/ops/jobs');
      expect(jobs.status).toBe(200);
      expect(jobs.text).toContain('read-only');
      expect(jobs.text).not.toContain('id="bulk"');
      expect(jobs.text).toContain('href="/ops/assets/console.css"');
    });

    it('without a token, reads without one', async () => {
      const open = createConsoleHandler({ client: env.client, taskQueue: env.config.taskQueue, readOnly: true });
      const res = await open.fetch(new Request('http://console.test/api/stats'));
      expect(res.status).toBe(200);
      expect(((await res.json()) as any).dead.byType['report.build']).toBe(3);
      expect((await open.fetch(new Request('http://console.test/api/bulk', { method: 'POST', body: '{}' }))).status).toBe(404);
    });
  });

  describe('rebound console', () => {
    beforeAll(() => requireBuiltCli());

    it('refuses to start without REBOUND_CONSOLE_TOKEN unless --read-only, saying how to set one', async () => {
      const run = await reboundWithEnv({ REBOUND_CONSOLE_TOKEN: '' }, 'console', '--port', '0', '--address', env.config.address, '--task-queue', env.config.taskQueue);
      expect(run.code).toBe(2);
      expect(run.stderr).toContain('REBOUND_CONSOLE_TOKEN');
      expect(run.stderr).toContain('--read-only');
    });

    it('serves the console on a port it prints, with the token it was given', async () => {
      const cli = startRebound(['console', '--port', '0', '--address', env.config.address, '--task-queue', env.config.taskQueue], { REBOUND_CONSOLE_TOKEN: token });
      try {
        const url = await eventually(async () => /rebound console on (http:\/\/127\.0\.0\.1:\d+\/)/.exec(cli.output().stdout)?.[1], 'the console to print its URL');
        expect((await call(url, 'GET', '/api/stats')).status).toBe(401);
        const stats = await call(url, 'GET', '/api/stats', { token });
        expect(stats.status).toBe(200);
        expect(stats.json.dead.byType['report.build']).toBe(3);
      } finally {
        cli.kill('SIGINT');
        await cli.exited;
      }
    });
  });
});
