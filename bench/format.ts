/**
 * Number formatting for tables, and target checks.
 */
import type { Spread } from './stats';
import type { TargetCheck } from './context';

/** A number with `digits` decimals, or `n/a`. */
export function num(value: number, digits = 0): string {
  if (!Number.isFinite(value)) return 'n/a';
  return value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

/** Median with the lowest and highest repetition: `12.3 (11.0–13.1)`; the median alone for one repetition. */
export function med(s: Spread, digits = 0): string {
  if (!Number.isFinite(s.median)) return 'n/a';
  const finite = s.values.filter(Number.isFinite).length;
  return finite > 1 ? `${num(s.median, digits)} (${num(s.min, digits)}–${num(s.max, digits)})` : num(s.median, digits);
}

/** A ratio as `0.87x (0.80–0.91)`. */
export function times(s: Spread, digits = 2): string {
  if (!Number.isFinite(s.median)) return 'n/a';
  const finite = s.values.filter(Number.isFinite).length;
  return finite > 1 ? `${num(s.median, digits)}x (${num(s.min, digits)}–${num(s.max, digits)})` : `${num(s.median, digits)}x`;
}

/** A target check from a measured value and a test on it (NaN measures as not measured). */
export function check(target: string, value: number, measured: string, ok: (v: number) => boolean): TargetCheck {
  return { target, measured, met: Number.isFinite(value) ? ok(value) : undefined };
}

/** ✅ met, ❌ missed, ➖ not measured. */
export function verdict(met: boolean | undefined): string {
  return met === undefined ? '➖ not measured' : met ? '✅ met' : '❌ missed';
}
