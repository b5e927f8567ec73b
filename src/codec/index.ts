/**
 * Encrypted payloads: an AES-256-GCM payload codec with rotating keys, the data converter that
 * uses it (from `REBOUND_CODEC_KEYS` / `REBOUND_CODEC_KEY_ID`), and the codec server the Temporal
 * Web UI calls to show payloads decoded.
 */
export { createEncryptionCodec, encryptedEncoding, keyIdMetadataKey, type EncryptionCodec } from './encryption-codec';
export { dataConverterFromEnv, dataConverterFromKeys, encryptedDataConverter } from './data-converter';
export { checkKeys, codecEnvVars, generateKey, keysFromEnv, keysToEnv, loadOrCreateKeyFile, type EncryptionKeys } from './keys';
export { createCodecHandler, defaultCodecOrigins, serveCodec, type CodecServer, type CodecServerOptions, type ServeCodecOptions } from './codec-server';
export { startDevEncryption, type DevEncryption, type DevEncryptionOptions } from './dev-encryption';
