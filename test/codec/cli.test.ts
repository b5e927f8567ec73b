/**
 * Encryption from the command line: `rebound dev --encrypt` (a key made into REBOUND_HOME, the codec
 * server, the Web UI pointed at it), the CLI reading with the keys in its environment and
 * refusing without them, and `rebound codec-server` on its own. Runs the built CLI.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobWorkflowId } from '../../src/contract';
import { freePort } from '../../src/dev';
import { eventually, unique } from '../helpers';
import { json, requireBuiltCli, startRebound, type Started } from '../fixtures/rebound-cli';
import { historyBytes, holds, keysEnv, oneKey } from './codec-helpers';

const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});

/** Starts a long-running command and resolves once its stdout matches `ready`. */
async function startUntil(args: string[], env: NodeJS.ProcessEnv, ready: RegExp): Promise<{ child: Started; match: RegExpExecArray }> {
  const child = startRebound(args, env);
  let match: RegExpExecArray | null = null;
  await eventually(
    async () => {
      const { code, stdout, stderr } = child.output();
      if (code !== null) throw new Error(`rebound ${args[0]} exited with ${code}:\n${stdout}\n${stderr}`);
      return (match = ready.exec(stdout)) !== null;
    },
    `rebound ${args[0]} to be ready`,
    180_000,
  ).catch((err: Error) => {
    child.kill('SIGKILL');
    throw err;
  });
  return { child, match: match! };
}

describe('rebound dev --encrypt', () => {
  let home: string;
  let port: number;
  let uiPort: number;
  let dev: Started | undefined;
  let codecUrl: string;
  let keyEnv: Record<string, string>;
  const cli = (env: NodeJS.ProcessEnv, ...args: string[]) => startRebound([...args, '--jobs', 'rebound/examples', '--address', `127.0.0.1:${port}`], env).exited;

  beforeAll(async () => {
    requireBuiltCli();
    home = mkdtempSync(path.join(os.tmpdir(), 'rebound-encrypt-'));
    port = await freePort();
    uiPort = await freePort();
    const started = await startUntil(
      ['dev', '--encrypt', '--port', String(port), '--ui-port', String(uiPort), '--db', path.join(home, 'rebound.sqlite')],
      { REBOUND_HOME: home, REBOUND_CODEC_KEYS: '', REBOUND_CODEC_KEY_ID: '' },
      /Codec server\s+(http:\/\/\S+)[\s\S]*Press Ctrl-C to stop/,
    );
    dev = started.child;
    codecUrl = started.match[1];
    const file = readFileSync(path.join(home, 'codec.env'), 'utf8');
    keyEnv = Object.fromEntries([...file.matchAll(/^(REBOUND_CODEC_KEYS|REBOUND_CODEC_KEY_ID)=(.*)$/gm)].map((m) => [m[1], m[2]]));
  });

  afterAll(async () => {
    if (dev && dev.exitCode === null && dev.signalCode === null) {
      dev.kill('SIGINT');
      await dev.exited;
    }
    if (home) rmSync(home, { recursive: true, force: true });
  });

  it('encrypts what the CLI submits, and reads it back with the keys from the environment', async () => {
    expect(keyEnv.REBOUND_CODEC_KEYS).toMatch(/^dev-\d{8}-[0-9a-f]{6}:/);
    const marker = `cli-secret-${unique('m')}`;
    const id = unique('enc');
    const submitted = await cli(keyEnv, 'submit', 'example.send-email', '--id', id, '--payload', JSON.stringify({ to: marker }), '--wait', '--json');
    expect(json(submitted)).toMatchObject({ status: 'Succeeded' });
    const status = await cli(keyEnv, 'status', id, '--json');
    expect(status.code, status.stderr).toBe(0);
    expect(json(status)).toMatchObject({ jobId: id, status: 'Succeeded', payload: { to: marker } });

    const connection = await Connection.connect({ address: `127.0.0.1:${port}` });
    try {
      const history = await new Client({ connection }).workflow.getHandle(jobWorkflowId(id)).fetchHistory();
      expect(holds(historyBytes(history), marker)).toBe(false);
      // The codec server decodes what the history holds, as the Web UI asks it to.
      const input = history.events![0].workflowExecutionStartedEventAttributes!.input!.payloads![0] as Payload;
      const response = await fetch(`${codecUrl}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: `http://127.0.0.1:${uiPort}` },
        body: JSON.stringify({ payloads: [toJson(input)] }),
      });
      expect(response.status).toBe(200);
      const decoded = ((await response.json()) as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads[0];
      const payload = { metadata: Object.fromEntries(Object.entries(decoded.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])), data: Buffer.from(decoded.data, 'base64') };
      expect(JSON.stringify(defaultPayloadConverter.fromPayload(payload))).toContain(marker);
    } finally {
      await connection.close();
    }
  });

  it('starts the Web UI with the codec server as its codec endpoint', async () => {
    const settings = (await (await fetch(`http://127.0.0.1:${uiPort}/api/v1/settings`)).json()) as { Codec?: { Endpoint?: string } };
    expect(settings.Codec?.Endpoint).toBe(codecUrl);
  });

  it('fails to read a dead job with a wrong or missing key, naming the key id', async () => {
    const id = unique('enc-dead');
    const dead = await cli(keyEnv, 'submit', 'example.resize-image', '--id', id, '--payload', '{"permanent":true}', '--wait', '--json');
    expect(json(dead)).toMatchObject({ status: 'DeadLettered' });
    const keyId = keyEnv.REBOUND_CODEC_KEY_ID;

    const wrong = await cli(keysEnv(oneKey(keyId)), 'status', id, '--json');
    expect(wrong.code).toBe(1);
    expect(wrong.stderr).toContain(`"${keyId}"`);
    expect(wrong.stderr).toMatch(/cannot be decrypted/);

    const missing = await cli(keysEnv(oneKey('some-other-key')), 'dlq', 'show', id, '--json');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain(`"${keyId}"`);
    expect(missing.stderr).toContain('REBOUND_CODEC_KEYS');
  });
});

describe('rebound codec-server', () => {
  it('serves /decode with the keys of the environment until stopped', async () => {
    const keys = oneKey('standalone');
    const { child, match } = await startUntil(['codec-server', '--port', '0', '--origin', 'http://localhost:8080'], keysEnv(keys), /^(http:\/\/127\.0\.0\.1:\d+)$/m);
    try {
      const { createEncryptionCodec } = await import('../../src/codec');
      const encrypted = await createEncryptionCodec(keys).encode([defaultPayloadConverter.toPayload({ hello: 'codec' })]);
      const response = await fetch(`${match[1]}/decode`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: 'http://localhost:8080' },
        body: JSON.stringify({ payloads: encrypted.map(toJson) }),
      });
      expect(response.status).toBe(200);
      expect(response.headers.get('access-control-allow-origin')).toBe('http://localhost:8080');
    } finally {
      child.kill('SIGINT');
      expect((await child.exited).code).toBe(0);
    }
  });

  it('refuses to start without keys', async () => {
    const run = await startRebound(['codec-server', '--port', '0'], { REBOUND_CODEC_KEYS: '' }).exited;
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('REBOUND_CODEC_KEYS');
  });
});
