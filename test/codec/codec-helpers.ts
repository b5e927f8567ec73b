/**
 * Helpers of the codec tests: keys, and the encrypting data converter loadable from source.
 */
import { randomBytes } from 'node:crypto';
import { temporal } from '@temporalio/proto';
import { register } from 'tsx/cjs/api';
import type { EncryptionKeys } from '../../src/codec';

/** A set of one fresh key under `keyId`. */
export function oneKey(keyId: string): EncryptionKeys {
  return { keys: { [keyId]: randomBytes(32) }, keyId };
}

/** `REBOUND_CODEC_KEYS` and `REBOUND_CODEC_KEY_ID` for `keys`. */
export function keysEnv(keys: EncryptionKeys): Record<string, string> {
  const list = Object.entries(keys.keys).map(([id, key]) => `${id}:${Buffer.from(key).toString('base64')}`);
  return { REBOUND_CODEC_KEYS: list.join(','), REBOUND_CODEC_KEY_ID: keys.keyId };
}

/**
 * The encrypting data converter names its failure converter by path, which the SDK `require()`s:
 * under vitest that is the `.ts` source, so Node needs a TypeScript loader (built code needs none).
 */
export function allowTypeScriptConverters(): void {
  register();
}

/** The bytes of a workflow history as the server stores them. */
export function historyBytes(history: temporal.api.history.v1.IHistory): Buffer {
  return Buffer.from(temporal.api.history.v1.History.encode(history).finish());
}

/** True when `text` appears in `bytes` as UTF-8 (in JSON or in a proto string alike). */
export function holds(bytes: Buffer, text: string): boolean {
  return bytes.includes(Buffer.from(text, 'utf8'));
}
