/**
 * Stopping long-running commands (`dev`, `worker`) cleanly on SIGINT and SIGTERM.
 */
import type { CliContext } from './context';

/**
 * Resolves on the first SIGINT or SIGTERM. A second one means "now": `onForce` runs and the
 * process exits with 130 without a clean stop.
 */
export function untilSignal(
  ctx: CliContext,
  onForce: () => void = () => undefined,
): { received: Promise<NodeJS.Signals>; fired(): boolean; dispose(): void } {
  let first = true;
  let resolve!: (signal: NodeJS.Signals) => void;
  const received = new Promise<NodeJS.Signals>((r) => (resolve = r));
  const handler = (signal: NodeJS.Signals) => {
    if (first) {
      first = false;
      ctx.warn(`${signal} received: stopping cleanly (send it again to exit at once)`);
      resolve(signal);
      return;
    }
    ctx.warn(`${signal} received again: exiting without a clean stop`);
    onForce();
    process.exit(130);
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    received,
    fired: () => !first,
    dispose() {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}

