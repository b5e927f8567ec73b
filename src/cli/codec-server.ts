/**
 * `rebound codec-server`: the codec server the Temporal Web UI calls to show encrypted payloads
 * decoded, with the keys of `REBOUND_CODEC_KEYS`.
 */
import type { Command } from 'commander';
import { codecEnvVars, createEncryptionCodec, defaultCodecOrigins, keysFromEnv, serveCodec } from '../codec';
import { UsageError } from '../errors';
import type { CliContext } from './context';
import { parseIntegerInRange } from './options';
import { untilSignal } from './signals';

interface CodecServerOpts {
  port: number;
  origin?: string[];
}

const collect = (value: string, previous: string[] = []) => [...previous, value];

/** Adds `rebound codec-server`. */
export function addCodecServerCommand(program: Command, ctx: CliContext, env: NodeJS.ProcessEnv = process.env): void {
  program
    .command('codec-server')
    .description("Serve the Temporal Web UI's codec endpoint (/encode, /decode) on 127.0.0.1 with the keys of REBOUND_CODEC_KEYS, until Ctrl-C")
    .option('--port <n>', 'port on 127.0.0.1 (0 picks a free one)', parseIntegerInRange(0, 65_535), 8235)
    .option('--origin <url>', `a Web UI origin allowed to call it; repeat for several (default ${defaultCodecOrigins.join(' and ')})`, collect)
    .addHelpText(
      'after',
      `\nKeys: ${codecEnvVars.keys}=keyid:<base64 of 32 bytes>,... and ${codecEnvVars.keyId}=<keyid that encrypts>.` +
        `\nWith ${codecEnvVars.serverToken} set, every request must carry "Authorization: Bearer <token>".` +
        '\nPoint the Web UI at it: temporal server start-dev --ui-codec-endpoint <url>, or the UI\'s "Codec Server" setting.',
    )
    .action(async (opts: CodecServerOpts) => {
      const keys = keysFromEnv(env);
      if (!keys) throw new UsageError(`rebound codec-server needs the keys: set ${codecEnvVars.keys} (keyid:<base64 of 32 bytes>,...)`);
      const token = env[codecEnvVars.serverToken]?.trim() || undefined;
      const signals = untilSignal(ctx);
      try {
        const server = await serveCodec({ codec: createEncryptionCodec(keys), port: opts.port, origins: opts.origin, token });
        try {
          ctx.print(server.url);
          ctx.warn(
            `Codec server on ${server.url} (keys ${Object.keys(keys.keys).join(', ')}; encrypts with ${keys.keyId}; ` +
              `origins ${(opts.origin ?? defaultCodecOrigins).join(', ')}${token ? '; token required' : ''}). Ctrl-C to stop.`,
          );
          await signals.received;
        } finally {
          await server.close();
        }
      } finally {
        signals.dispose();
      }
    });
}
