/**
 * Reading payloads the server hands back raw (a listing's memo, a pending activity's heartbeat,
 * a history's inputs) through the client's own codecs and payload converter, as its calls do.
 */
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';

/** Decodes `payloads` through `client`'s codecs (last applied, first undone), then its payload converter. */
export async function decodePayloads(client: Client, payloads: Payload[]): Promise<unknown[]> {
  const { payloadCodecs, payloadConverter } = client.options.loadedDataConverter;
  let decoded = payloads;
  for (const codec of [...payloadCodecs].reverse()) decoded = await codec.decode(decoded);
  return decoded.map((p) => payloadConverter.fromPayload(p));
}
