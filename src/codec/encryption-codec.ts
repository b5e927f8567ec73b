/**
 * The payload codec: AES-256-GCM over each whole payload (its metadata included), the key id in
 * the encrypted payload's metadata so that keys can rotate and old payloads stay readable.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { EncryptionKeyNotFoundError, PayloadDecryptionError } from '../errors';
import { checkKeys, type EncryptionKeys } from './keys';

/** The `encoding` of an encrypted payload (the name Temporal's samples and Web UI know). */
export const encryptedEncoding = 'binary/encrypted';
/** The metadata key naming the key a payload was encrypted with. */
export const keyIdMetadataKey = 'encryption-key-id';

const ivBytes = 12;
const tagBytes = 16;
const text = (bytes: Uint8Array | null | undefined) => (bytes ? Buffer.from(bytes).toString('utf8') : undefined);

/** A payload codec that encrypts with one key and decrypts with whichever configured key a payload names. */
export interface EncryptionCodec extends PayloadCodec {
  /** The id of the key new payloads are encrypted with. */
  readonly keyId: string;
  /** The ids of every key it decrypts with. */
  readonly keyIds: readonly string[];
}

/**
 * Makes the codec. Payloads that are not encrypted pass through `decode` as they are (histories
 * from before encryption stay readable). `decode` throws {@link EncryptionKeyNotFoundError} for a
 * payload whose key id is not configured, and {@link PayloadDecryptionError} when the key under
 * that id does not decrypt it; both name the key id. Throws `InvalidOptionsError` for a bad key set.
 */
export function createEncryptionCodec(keys: EncryptionKeys): EncryptionCodec {
  checkKeys(keys);
  const byId = new Map(Object.entries(keys.keys).map(([id, key]) => [id, Buffer.from(key)]));
  const encodingBytes = Buffer.from(encryptedEncoding);

  function encrypt(payload: Payload): Payload {
    const keyId = Buffer.from(keys.keyId);
    const iv = randomBytes(ivBytes);
    const cipher = createCipheriv('aes-256-gcm', byId.get(keys.keyId)!, iv);
    // The key id is authenticated too: a payload relabelled with another id does not decrypt.
    cipher.setAAD(keyId);
    const plain = temporal.api.common.v1.Payload.encode(payload).finish();
    const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
    return { metadata: { [METADATA_ENCODING_KEY]: encodingBytes, [keyIdMetadataKey]: keyId }, data };
  }

  function decrypt(payload: Payload): Payload {
    if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== encryptedEncoding) return payload;
    const keyId = text(payload.metadata?.[keyIdMetadataKey]);
    if (!keyId) throw new PayloadDecryptionError('(none)', 'its metadata names no key id');
    const key = byId.get(keyId);
    if (!key) throw new EncryptionKeyNotFoundError(keyId, [...byId.keys()]);
    const data = Buffer.from(payload.data ?? new Uint8Array());
    if (data.length < ivBytes + tagBytes) throw new PayloadDecryptionError(keyId, 'it is too short to be one');
    const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, ivBytes));
    decipher.setAAD(Buffer.from(keyId));
    decipher.setAuthTag(data.subarray(data.length - tagBytes));
    let plain: Buffer;
    try {
      plain = Buffer.concat([decipher.update(data.subarray(ivBytes, data.length - tagBytes)), decipher.final()]);
    } catch {
      throw new PayloadDecryptionError(keyId, 'the configured key with that id is not the one it was encrypted with, or the payload was altered');
    }
    return temporal.api.common.v1.Payload.decode(plain);
  }

  return {
    keyId: keys.keyId,
    keyIds: [...byId.keys()],
    encode: async (payloads) => payloads.map(encrypt),
    decode: async (payloads) => payloads.map(decrypt),
  };
}
