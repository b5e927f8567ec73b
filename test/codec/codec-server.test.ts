import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createEncryptionCodec, serveCodec, type CodecServer } from '../../src/codec';
import { oneKey } from './codec-helpers';

const uiOrigin = 'http://127.0.0.1:8233';
const secret = { to: 'ada@example.com', note: 'codec-server-marker' };

const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v!).toString('base64')])),
  data: Buffer.from(p.data ?? []).toString('base64'),
});
const fromJson = (p: { metadata: Record<string, string>; data: string }): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data, 'base64'),
});

describe('serveCodec', () => {
  const keys = oneKey('ui-key');
  const codec = createEncryptionCodec(keys);
  let open: CodecServer;
  let guarded: CodecServer;
  beforeAll(async () => {
    open = await serveCodec({ codec, port: 0 });
    guarded = await serveCodec({ codec, port: 0, token: 'a-long-shared-secret', origins: ['http://localhost:9999'] });
  });
  afterAll(async () => {
    await open?.close();
    await guarded?.close();
  });

  const post = (server: CodecServer, route: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${server.url}/${route}`, { method: 'POST', headers: { 'content-type': 'application/json', origin: uiOrigin, ...headers }, body: JSON.stringify(body) });

  it('decodes what the workers encrypted, in the Web UI protocol', async () => {
    const encrypted = await codec.encode([defaultPayloadConverter.toPayload(secret)]);
    const response = await post(open, 'decode', { payloads: encrypted.map(toJson) });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe(uiOrigin);
    const { payloads } = (await response.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(Buffer.from(payloads[0].metadata.encoding, 'base64').toString()).toBe('json/plain');
    expect(defaultPayloadConverter.fromPayload(fromJson(payloads[0]))).toEqual(secret);
  });

  it('encodes what the Web UI sends (a signal input), so that workers can read it', async () => {
    const response = await post(open, 'encode', { payloads: [toJson(defaultPayloadConverter.toPayload(secret))] });
    expect(response.status).toBe(200);
    const { payloads } = (await response.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(Buffer.from(payloads[0].metadata['encryption-key-id'], 'base64').toString()).toBe('ui-key');
    const [back] = await codec.decode([fromJson(payloads[0])]);
    expect(defaultPayloadConverter.fromPayload(back)).toEqual(secret);
  });

  it('answers the Web UI’s preflight, and refuses a page of another origin', async () => {
    const preflight = await fetch(`${open.url}/decode`, {
      method: 'OPTIONS',
      headers: { origin: 'http://localhost:8233', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type,x-namespace' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('http://localhost:8233');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/i);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    const other = await post(open, 'decode', { payloads: [] }, { origin: 'https://evil.example' });
    expect(other.status).toBe(403);
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('asks for the token when one is set', async () => {
    const origin = { origin: 'http://localhost:9999' };
    expect((await post(guarded, 'decode', { payloads: [] }, origin)).status).toBe(401);
    expect((await post(guarded, 'decode', { payloads: [] }, { ...origin, authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await post(guarded, 'decode', { payloads: [] }, { ...origin, authorization: 'Bearer a-long-shared-secret' })).status).toBe(200);
    // The default origins are not allowed once others are given.
    expect((await post(guarded, 'decode', { payloads: [] }, { authorization: 'Bearer a-long-shared-secret' })).status).toBe(403);
  });

  it('says which key id it lacks, and what in a request is malformed', async () => {
    const foreign = await createEncryptionCodec(oneKey('someone-elses-key')).encode([defaultPayloadConverter.toPayload(secret)]);
    const missing = await post(open, 'decode', { payloads: foreign.map(toJson) });
    expect(missing.status).toBe(422);
    expect(JSON.stringify(await missing.json())).toContain('someone-elses-key');
    const malformed = await post(open, 'decode', { payload: [] });
    expect(malformed.status).toBe(400);
    expect(((await malformed.json()) as { error: { message: string } }).error.message).toContain('payloads');
  });
});
