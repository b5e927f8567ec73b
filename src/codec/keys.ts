/**
 * Encryption keys: read from the environment (`REBOUND_CODEC_KEYS`, `REBOUND_CODEC_KEY_ID`), made,
 * and kept in a file for `rebound dev --encrypt`. No message ever shows a key's bytes.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { InvalidOptionsError } from '../errors';

/** The environment variables of payload encryption. */
export const codecEnvVars = {
  /** `keyid:<base64 of 32 bytes>` entries, comma-separated: every key payloads may be encrypted with. */
  keys: 'REBOUND_CODEC_KEYS',
  /** The id of the key new payloads are encrypted with (optional when there is one key). */
  keyId: 'REBOUND_CODEC_KEY_ID',
  /** The token `rebound codec-server` asks of every request, when set. */
  serverToken: 'REBOUND_CODEC_SERVER_TOKEN',
} as const;

/** AES-256 keys, by id, and the one new payloads are encrypted with. */
export interface EncryptionKeys {
  /** Every key payloads may be encrypted with, by id: 32 bytes each. */
  keys: Record<string, Uint8Array>;
  /** The id of the key new payloads are encrypted with; one of `keys`. */
  keyId: string;
}

/** Key ids: what a payload's metadata names, so they are kept short and plain. */
const keyIdPattern = /^[A-Za-z0-9._-]{1,64}$/;

/** A key's bytes from base64 (or base64url), checked to be 32; `where` names the key in messages. */
function keyBytes(text: string, where: string): Buffer {
  const clean = text.trim();
  if (!/^[A-Za-z0-9+/_-]+={0,2}$/.test(clean)) throw new InvalidOptionsError(`${where}: not base64`);
  const bytes = Buffer.from(clean, 'base64');
  if (bytes.length !== 32) throw new InvalidOptionsError(`${where}: ${bytes.length} bytes once decoded, AES-256 needs 32 (make one with: openssl rand -base64 32)`);
  return bytes;
}

/** Checks a set of keys and the encrypting key id; throws `InvalidOptionsError` naming what is wrong. */
export function checkKeys(keys: EncryptionKeys, names: { keys: string; keyId: string } = { keys: 'keys', keyId: 'keyId' }): EncryptionKeys {
  const ids = Object.keys(keys.keys);
  if (ids.length === 0) throw new InvalidOptionsError(`${names.keys}: no key given`);
  for (const id of ids) {
    if (!keyIdPattern.test(id)) throw new InvalidOptionsError(`${names.keys}: key id "${id}" must be 1 to 64 letters, digits, '.', '_' or '-'`);
    if (keys.keys[id].length !== 32) throw new InvalidOptionsError(`${names.keys}: key "${id}" is ${keys.keys[id].length} bytes, AES-256 needs 32`);
  }
  if (!ids.includes(keys.keyId)) throw new InvalidOptionsError(`${names.keyId}: "${keys.keyId}" is not one of the keys (${ids.join(', ')})`);
  return keys;
}

/**
 * Reads the keys from `REBOUND_CODEC_KEYS` and `REBOUND_CODEC_KEY_ID`; undefined when
 * `REBOUND_CODEC_KEYS` is not set. Throws `InvalidOptionsError` naming the variable when a value
 * is malformed, a key is not 32 bytes, or the key id is missing (with several keys) or unknown.
 */
export function keysFromEnv(env: NodeJS.ProcessEnv = process.env): EncryptionKeys | undefined {
  const text = env[codecEnvVars.keys]?.trim();
  const wanted = env[codecEnvVars.keyId]?.trim() || undefined;
  if (!text) {
    if (wanted) throw new InvalidOptionsError(`${codecEnvVars.keyId} is set but ${codecEnvVars.keys} is not: give the keys as keyid:<base64 of 32 bytes>,...`);
    return undefined;
  }
  const keys: Record<string, Uint8Array> = {};
  for (const entry of text.split(',').map((e) => e.trim()).filter(Boolean)) {
    const colon = entry.indexOf(':');
    if (colon <= 0) throw new InvalidOptionsError(`${codecEnvVars.keys}: expected keyid:<base64 of 32 bytes> entries separated by commas`);
    const id = entry.slice(0, colon).trim();
    if (id in keys) throw new InvalidOptionsError(`${codecEnvVars.keys}: key id "${id}" is given twice`);
    keys[id] = keyBytes(entry.slice(colon + 1), `${codecEnvVars.keys}: key "${id}"`);
  }
  const ids = Object.keys(keys);
  if (!wanted && ids.length > 1) {
    throw new InvalidOptionsError(`${codecEnvVars.keyId}: set it to the id of the key new payloads are encrypted with (one of ${ids.join(', ')})`);
  }
  return checkKeys({ keys, keyId: wanted ?? ids[0] }, { keys: codecEnvVars.keys, keyId: codecEnvVars.keyId });
}

/** A new random AES-256 key, and an id for it (`<prefix>-<yyyymmdd>-<random>`). */
export function generateKey(prefix = 'key'): { keyId: string; key: Uint8Array } {
  const day = new Date().toISOString().slice(0, 10).replaceAll('-', '');
  return { keyId: `${prefix}-${day}-${randomBytes(3).toString('hex')}`, key: randomBytes(32) };
}

/** The environment variables that carry `keys`, as `REBOUND_CODEC_KEYS` and `REBOUND_CODEC_KEY_ID` name them. */
export function keysToEnv(keys: EncryptionKeys): Record<string, string> {
  const list = Object.entries(keys.keys).map(([id, key]) => `${id}:${Buffer.from(key).toString('base64')}`);
  return { [codecEnvVars.keys]: list.join(','), [codecEnvVars.keyId]: keys.keyId };
}

/**
 * The keys kept in `file` (lines `NAME=value`, as a shell's `set -a; . file` reads them), made
 * with a new key when the file does not exist yet; readable by its owner only.
 */
export function loadOrCreateKeyFile(file: string): { keys: EncryptionKeys; file: string; created: boolean } {
  if (existsSync(file)) {
    const env: NodeJS.ProcessEnv = {};
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const match = /^\s*([A-Z_]+)=(.*)$/.exec(line);
      if (match) env[match[1]] = match[2].trim().replace(/^(['"])(.*)\1$/, '$2');
    }
    const keys = keysFromEnv(env);
    if (!keys) throw new InvalidOptionsError(`${file}: no ${codecEnvVars.keys} line`);
    return { keys, file, created: false };
  }
  const { keyId, key } = generateKey('dev');
  const keys = { keys: { [keyId]: key }, keyId };
  mkdirSync(path.dirname(file), { recursive: true });
  const lines = Object.entries(keysToEnv(keys)).map(([name, value]) => `${name}=${value}`);
  writeFileSync(file, `# rebound dev --encrypt: the payload encryption key. Keep it: payloads encrypted with it cannot be read without it.\n${lines.join('\n')}\n`, { mode: 0o600, flag: 'wx' });
  return { keys, file, created: true };
}
