/**
 * Points in time as people type them, for filters of the CLI and the console.
 */
import type { Duration } from '@temporalio/common';
import { durationToMs } from './contract';

/** `text` as a point in time: how long ago (`30m`, `2h`, `7d`) or an ISO time; undefined when it is neither. */
export function parsePointInTime(text: string, now = Date.now()): Date | undefined {
  const value = text.trim();
  if (/^\d+(\.\d+)?\s*[a-z]+$/i.test(value)) {
    const ago = durationToMs(value as Duration);
    if (Number.isFinite(ago) && ago > 0) return new Date(now - ago);
  } else if (/^\d{4}-\d{2}-\d{2}([T ]|$)/.test(value)) {
    const at = Date.parse(value);
    if (!Number.isNaN(at)) return new Date(at);
  }
  return undefined;
}
