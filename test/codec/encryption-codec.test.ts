import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { createEncryptionCodec, dataConverterFromEnv, keysFromEnv, loadOrCreateKeyFile } from '../../src/codec';
import { EncryptionKeyNotFoundError, InvalidOptionsError, PayloadDecryptionError, ReboundError } from '../../src/errors';
import { rejectionOf } from '../helpers';
import { keysEnv, oneKey } from './codec-helpers';

const secret = 'card 4242-4242-4242-4242';
const plain = () => defaultPayloadConverter.toPayload({ secret });

describe('createEncryptionCodec', () => {
  it('encrypts a payload whole, names its key id, and decrypts it back', async () => {
    const codec = createEncryptionCodec(oneKey('k1'));
    const [encrypted] = await codec.encode([plain()]);
    expect(Buffer.from(encrypted.metadata!.encoding!).toString()).toBe('binary/encrypted');
    expect(Buffer.from(encrypted.metadata!['encryption-key-id']!).toString()).toBe('k1');
    // The original metadata (json/plain) is inside the ciphertext too.
    expect(Buffer.from(encrypted.data!).includes(Buffer.from('4242'))).toBe(false);
    expect(Buffer.from(encrypted.data!).includes(Buffer.from('json/plain'))).toBe(false);
    const [decrypted] = await codec.decode([encrypted]);
    expect(defaultPayloadConverter.fromPayload(decrypted)).toEqual({ secret });
  });

  it('encrypts the same payload differently each time', async () => {
    const codec = createEncryptionCodec(oneKey('k1'));
    const [a, b] = await codec.encode([plain(), plain()]);
    expect(Buffer.from(a.data!).equals(Buffer.from(b.data!))).toBe(false);
  });

  it('passes payloads that are not encrypted through decode as they are', async () => {
    const codec = createEncryptionCodec(oneKey('k1'));
    const [same] = await codec.decode([plain()]);
    expect(defaultPayloadConverter.fromPayload(same)).toEqual({ secret });
  });

  it('rotates keys: encrypts with the new key id and still reads payloads of the old one', async () => {
    const old = oneKey('2025-a');
    const [oldPayload] = await createEncryptionCodec(old).encode([plain()]);
    const rotated = createEncryptionCodec({ keys: { ...old.keys, ...oneKey('2026-b').keys }, keyId: '2026-b' });
    const [newPayload] = await rotated.encode([plain()]);
    expect(Buffer.from(newPayload.metadata!['encryption-key-id']!).toString()).toBe('2026-b');
    const decoded = await rotated.decode([oldPayload, newPayload]);
    expect(decoded.map((p) => defaultPayloadConverter.fromPayload(p))).toEqual([{ secret }, { secret }]);
  });

  it('fails on a payload whose key id is not configured, naming the key id', async () => {
    const [encrypted] = await createEncryptionCodec(oneKey('retired-key')).encode([plain()]);
    const err = await rejectionOf(createEncryptionCodec(oneKey('current-key')).decode([encrypted]));
    expect(err).toBeInstanceOf(EncryptionKeyNotFoundError);
    expect(err).toBeInstanceOf(ReboundError);
    expect(err.message).toContain('"retired-key"');
    expect(err.message).toContain('"current-key"');
  });

  it('fails on a payload that another key under the same id encrypted, naming the key id', async () => {
    const [encrypted] = await createEncryptionCodec(oneKey('k1')).encode([plain()]);
    const err = await rejectionOf(createEncryptionCodec(oneKey('k1')).decode([encrypted]));
    expect(err).toBeInstanceOf(PayloadDecryptionError);
    expect(err.message).toContain('"k1"');
  });

  it('fails on a payload relabelled with another key id', async () => {
    const keys = { keys: { ...oneKey('a').keys, ...oneKey('b').keys }, keyId: 'a' };
    const codec = createEncryptionCodec(keys);
    const [encrypted] = await codec.encode([plain()]);
    encrypted.metadata!['encryption-key-id'] = Buffer.from('b');
    expect((await rejectionOf(codec.decode([encrypted]))).message).toContain('"b"');
  });

  it('refuses a key that is not 32 bytes', () => {
    expect(() => createEncryptionCodec({ keys: { k: new Uint8Array(16) }, keyId: 'k' })).toThrow(/"k" is 16 bytes/);
  });
});

describe('keysFromEnv', () => {
  it('reads nothing when REBOUND_CODEC_KEYS is not set', () => {
    expect(keysFromEnv({})).toBeUndefined();
    expect(dataConverterFromEnv({})).toBeUndefined();
  });

  it('reads several keys and the key id that encrypts', () => {
    const keys = { keys: { ...oneKey('k1').keys, ...oneKey('k2').keys }, keyId: 'k2' };
    const read = keysFromEnv(keysEnv(keys))!;
    expect(read.keyId).toBe('k2');
    expect(Object.keys(read.keys)).toEqual(['k1', 'k2']);
    expect(Buffer.from(read.keys.k1).equals(Buffer.from(keys.keys.k1))).toBe(true);
  });

  it('takes the only key as the one that encrypts', () => {
    const { REBOUND_CODEC_KEYS } = keysEnv(oneKey('only'));
    expect(keysFromEnv({ REBOUND_CODEC_KEYS })!.keyId).toBe('only');
  });

  it.each([
    ['not-a-pair', {}, /REBOUND_CODEC_KEYS: expected keyid:<base64/],
    ['k1:c2hvcnQ=', {}, /REBOUND_CODEC_KEYS: key "k1": 5 bytes/],
    ['k1:@@@', {}, /REBOUND_CODEC_KEYS: key "k1": not base64/],
    [`k1:${'A'.repeat(43)}=,k2:${'B'.repeat(43)}=`, {}, /REBOUND_CODEC_KEY_ID: set it/],
    [`k1:${'A'.repeat(43)}=`, { REBOUND_CODEC_KEY_ID: 'k9' }, /REBOUND_CODEC_KEY_ID: "k9" is not one of the keys \(k1\)/],
  ])('refuses REBOUND_CODEC_KEYS=%s naming the variable, never the key', (keys, more, message) => {
    let thrown: unknown;
    try {
      keysFromEnv({ REBOUND_CODEC_KEYS: keys, ...more });
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(InvalidOptionsError);
    expect((thrown as Error).message).toMatch(message);
    expect((thrown as Error).message).not.toContain('AAAA');
  });
});

describe('loadOrCreateKeyFile', () => {
  it('makes a key its owner alone can read, then reads the same key back', () => {
    const file = path.join(mkdtempSync(path.join(os.tmpdir(), 'rebound-keys-')), 'codec.env');
    const made = loadOrCreateKeyFile(file);
    expect(made.created).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toContain(`REBOUND_CODEC_KEY_ID=${made.keys.keyId}`);
    const again = loadOrCreateKeyFile(file);
    expect(again.created).toBe(false);
    expect(again.keys.keyId).toBe(made.keys.keyId);
    expect(Buffer.from(again.keys.keys[made.keys.keyId]).equals(Buffer.from(made.keys.keys[made.keys.keyId]))).toBe(true);
  });
});
