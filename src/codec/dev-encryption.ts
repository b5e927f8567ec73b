/**
 * Encryption for `rebound dev --encrypt`: the environment's keys or a key kept in a file, and the
 * codec server the dev server's Web UI is pointed at.
 */
import type { DataConverter } from '@temporalio/common';
import { serveCodec, type CodecServer } from './codec-server';
import { encryptedDataConverter } from './data-converter';
import { createEncryptionCodec } from './encryption-codec';
import { codecEnvVars, keysFromEnv, loadOrCreateKeyFile } from './keys';

/** Options of {@link startDevEncryption}. */
export interface DevEncryptionOptions {
  /** Where the key is kept when the environment has none (made on first use). */
  keyFile: string;
  /** The Web UI's port: its origins may call the codec server. */
  uiPort: number;
  /** @defaultValue uiPort + 2 */
  codecPort?: number;
  /** @defaultValue `process.env` */
  env?: NodeJS.ProcessEnv;
}

/** Encryption as `rebound dev --encrypt` runs it. */
export interface DevEncryption {
  dataConverter: DataConverter;
  /** The key new payloads are encrypted with. */
  keyId: string;
  /** The file the keys come from; undefined when they come from `REBOUND_CODEC_KEYS`. */
  keyFile?: string;
  /** True when the key file was made now. */
  created: boolean;
  /** The codec server; `server.url` is the Web UI's codec endpoint. */
  server: CodecServer;
}

/**
 * Takes the keys of the environment or, when none are set, the key file's (making it with a new
 * key the first time), and starts the codec server for the Web UI on 127.0.0.1.
 */
export async function startDevEncryption(options: DevEncryptionOptions): Promise<DevEncryption> {
  const env = options.env ?? process.env;
  const fromEnv = keysFromEnv(env);
  const kept = fromEnv ? undefined : loadOrCreateKeyFile(options.keyFile);
  const keys = fromEnv ?? kept!.keys;
  const codec = createEncryptionCodec(keys);
  const server = await serveCodec({
    codec,
    port: options.codecPort ?? options.uiPort + 2,
    origins: [`http://127.0.0.1:${options.uiPort}`, `http://localhost:${options.uiPort}`],
    token: env[codecEnvVars.serverToken]?.trim() || undefined,
  });
  return { dataConverter: encryptedDataConverter(codec), keyId: keys.keyId, keyFile: kept?.file, created: kept?.created ?? false, server };
}
