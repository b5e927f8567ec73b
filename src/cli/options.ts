/**
 * Option value parsers. A value that does not parse is a usage error (exit 2) naming the option;
 * ranges are checked by the library, whose errors name the field.
 */
import type { Duration } from '@temporalio/common';
import { InvalidArgumentError } from 'commander';
import { JobStatus, durationToMs } from '../contract';
import { InvalidOptionsError } from '../errors';
import { parseTag, type JobTags } from '../jobs';
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

/** Option parser: a number of attempts, or `unlimited` (its range is checked by the library). */
export function parseAttemptsOption(value: string): number | 'unlimited' {
  if (value.trim() === 'unlimited') return 'unlimited';
  if (!/^\s*-?\d+\s*$/.test(value)) throw new InvalidArgumentError('Expected a whole number, or unlimited.');
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

/** Option parser: an ISO time, such as `2025-01-31T12:00:00Z` (a time to come: a duration from now is `--delay`). */
export function parseIsoTimeOption(value: string): Date {
  const at = new Date(value);
  if (!/^\d{4}-\d{2}-\d{2}T/.test(value.trim()) || Number.isNaN(at.getTime())) throw new InvalidArgumentError('Expected an ISO time such as 2025-01-31T12:00:00Z.');
  return at;
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


/** Option parser for a repeatable `--tag key=value`: the tags so far, with this one added. */
export function parseTagOption(value: string, previous: JobTags | undefined): JobTags {
  let key: string;
  let tagValue: string;
  try {
    [key, tagValue] = parseTag(value);
  } catch (err) {
    if (err instanceof InvalidOptionsError) throw new InvalidArgumentError(`${err.message}.`);
    throw err;
  }
  if (previous && key in previous) throw new InvalidArgumentError(`tag "${key}" given twice; give each key once.`);
  return { ...previous, [key]: tagValue };
}

/** Option parser for a repeatable `--status S` (or `S1,S2`): the statuses so far, with these added. */
export function parseStatusOption(value: string, previous: JobStatus[] | undefined): JobStatus[] {
  const known = Object.values(JobStatus) as string[];
  const given = value.split(',').map((s) => s.trim()).filter(Boolean);
  const unknown = given.filter((s) => !known.includes(s));
  if (given.length === 0 || unknown.length > 0) throw new InvalidArgumentError(`Unknown status ${JSON.stringify(unknown[0] ?? value)}: expected one of ${known.join(', ')}.`);
  return [...(previous ?? []), ...(given as JobStatus[])];
}
