/**
 * Option value parsers. A value that does not parse is a usage error (exit 2) naming the option;
 * ranges are checked by the library, whose errors name the field.
 */
import type { Duration } from '@temporalio/common';
import { InvalidArgumentError } from 'commander';
import { durationToMs } from '../contract';
import { parsePointInTime } from '../time';

/** Option parser: a JSON document. A bad one is a usage error (exit 2) naming the option. */
export function parseJsonOption(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch (err) {
    throw new InvalidArgumentError(`Not valid JSON (${(err as Error).message}).`);
  }
}

/** Option parser: a whole number (its range is checked by the library, which names the field). */
export function parseIntegerOption(value: string): number {
  if (!/^\s*-?\d+\s*$/.test(value)) throw new InvalidArgumentError('Expected a whole number.');
  return Number(value);
}

/** Option parser factory: a whole number from `min` to `max`. */
export function parseIntegerInRange(min: number, max: number): (value: string) => number {
  return (value) => {
    const n = parseIntegerOption(value);
    if (n < min || n > max) throw new InvalidArgumentError(`Expected a whole number from ${min} to ${max}.`);
    return n;
  };
}

/** Option parser: a point in time, as a duration ago (`30m`, `2h`, `7d`) or an ISO time (`2025-01-31T12:00:00Z`). */
export function parseTimeOption(value: string): Date {
  const at = parsePointInTime(value);
  if (at) return at;
  throw new InvalidArgumentError('Expected how long ago, such as 30m, 2h, 7d, or an ISO time such as 2025-01-31T12:00:00Z.');
}

/** Option parser: a finite number. */
export function parseNumberOption(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError('Expected a number.');
  return n;
}

/** Option parser: a duration such as `500ms`, `30s`, `5m`, or a number of milliseconds. */
export function parseDurationOption(value: string): Duration {
  if (/^\s*\d+(\.\d+)?\s*$/.test(value)) return Number(value);
  const n = durationToMs(value as Duration);
  if (!Number.isFinite(n) || n <= 0) {
    throw new InvalidArgumentError('Expected a duration such as 500ms, 30s, 5m, or a number of milliseconds.');
  }
  return value as Duration;
}

