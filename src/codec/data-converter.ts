/**
 * The data converter that encrypts: what `ReboundConfig.dataConverter` holds when keys are set,
 * shared by clients, workers and the CLI.
 */
import path from 'node:path';
import type { DataConverter } from '@temporalio/common';
import { createEncryptionCodec, type EncryptionCodec } from './encryption-codec';
import { keysFromEnv, type EncryptionKeys } from './keys';

/**
 * A data converter that encrypts every payload with `codec` and, from workers' activities and from
 * clients, puts failures' messages and stacks into an encrypted payload too. Workers take it as
 * it is: the codec runs outside the workflow sandbox. Failures made by workflow code itself keep
 * their message in plain text (the workflow bundle keeps Temporal's default failure converter).
 */
export function encryptedDataConverter(codec: EncryptionCodec): DataConverter {
  // Extensionless: `failure-converter.js` once built; the `.ts` source under a TypeScript loader.
  return { payloadCodecs: [codec], failureConverterPath: path.join(__dirname, 'failure-converter') };
}

/**
 * The encrypting data converter of `REBOUND_CODEC_KEYS` and `REBOUND_CODEC_KEY_ID`; undefined when
 * no keys are set. Throws `InvalidOptionsError` naming the variable when one is malformed.
 */
export function dataConverterFromEnv(env: NodeJS.ProcessEnv = process.env): DataConverter | undefined {
  const keys = keysFromEnv(env);
  return keys && encryptedDataConverter(createEncryptionCodec(keys));
}

/** The encrypting data converter of a set of keys. */
export function dataConverterFromKeys(keys: EncryptionKeys): DataConverter {
  return encryptedDataConverter(createEncryptionCodec(keys));
}
