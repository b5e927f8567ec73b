/**
 * Checks shared by the options of job types: durations and unknown keys.
 */
import type { Duration } from '@temporalio/common';
import { closest } from 'fastest-levenshtein';
import { durationProblem, durationToMs, unknownKeys } from '../contract';
import { InvalidOptionsError } from '../errors';

/** Turns a duration into milliseconds; throws {@link InvalidOptionsError} naming `what` when it is not a positive duration. */
export function toMs(value: Duration, what: string): number {
  const n = durationToMs(value);
  const problem = durationProblem(n, value, what);
  if (problem) throw new InvalidOptionsError(problem);
  return n;
}

/** The nearest of `known` to each of `unknown`, as "did you mean" text. */
export function didYouMean(unknown: string[], known: readonly string[]): string {
  return unknown.map((key) => `"${key}" (did you mean "${closest(key, [...known])}"?)`).join(', ');
}

/** Refuses keys of `options` that are not in `known`, naming the nearest known one. */
export function checkOptionKeys(options: object, known: readonly string[], what: string): void {
  const unknown = unknownKeys(options, known);
  if (unknown.length > 0) throw new InvalidOptionsError(`unknown ${what} option ${didYouMean(unknown, known)}`);
}

