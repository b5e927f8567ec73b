/**
 * Retry delays and failure fingerprints: pure functions the job activity uses.
 */
import { createHash } from 'node:crypto';
import type { ResolvedRetryPolicy } from '../contract';

/**
 * The delay before the attempt after `attempt` (1-based): exponential, capped at the maximum
 * interval, then randomised as the policy's jitter says (a ratio either way, full, equal, or an
 * added amount) and, but for the added amount, capped again. The server's own backoff has no
 * jitter, so the activity hands this to it as `nextRetryDelay`.
 */
export function retryDelayMs(policy: ResolvedRetryPolicy, attempt: number, random: () => number = Math.random): number {
  const cap = policy.maximumIntervalMs;
  const base = Math.min(cap, policy.initialIntervalMs * policy.backoffCoefficient ** (attempt - 1));
  const { jitter } = policy;
  let delay: number;
  if ('full' in jitter) delay = base * random();
  else if ('equal' in jitter) delay = base / 2 + (base / 2) * random();
  else if ('maxMs' in jitter) return Math.max(1, Math.round(base + jitter.maxMs * random()));
  else delay = base * (1 + jitter.ratio * (2 * random() - 1));
  return Math.max(1, Math.min(cap, Math.round(delay)));
}

/**
 * Replaces what varies between occurrences of one failure (numbers, ids, quoted values) so
 * that `timeout after 1203 ms` and `timeout after 877 ms` read the same.
 */
export function normaliseMessage(message: string): string {
  return message
    .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, '<str>')
    .replace(/\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b/gi, '<id>')
    .replace(/\b(?=[0-9a-f]*\d)[0-9a-f]{12,}\b/gi, '<id>')
    .replace(/\d+(\.\d+)?/g, '<n>')
    .replace(/\s+/g, ' ')
    .trim();
}

/** rebound's own activity: its frames sit under every handler and tell failures nothing apart. */
const ownActivityFile = /[/\\]activities[/\\]run-job\.[cm]?[jt]s$/;

/**
 * The first stack frame that is the handler's own code, not rebound's or a dependency's, as
 * `function (file)`. The file is its base name without extension and the line and column are
 * dropped, so that one failure reads the same whether the worker runs the TypeScript source or
 * the compiled JavaScript, from any directory, and across small edits. Frames without a file
 * (`async Promise.all (index 0)`, `native`) are skipped; `async`, `Object.` and `[as alias]` are
 * dropped from a function name.
 * Empty when no frame qualifies.
 */
export function topFrame(stack: string | undefined): string {
  if (!stack) return '';
  for (const line of stack.split('\n')) {
    const match = /^\s*at (?:async )?(?:(.*?) \((.*)\)|(.*))$/.exec(line);
    if (!match) continue;
    // `Object.send [as handler]` names the function `send`, whether it was called as a method or not.
    const fn = (match[1] ?? '').replace(/ \[as [^\]]*\]$/, '').replace(/^Object\./, '');
    const location = (match[2] ?? match[3]).trim();
    const file = /^(.*?):\d+:\d+$/.exec(location)?.[1];
    if (!file || file.startsWith('node:') || file.includes('node_modules') || ownActivityFile.test(file)) continue;
    const base = file.replace(/[?#].*$/, '').split(/[/\\]/).pop()!.replace(/\.[cm]?[jt]sx?$/, '');
    return fn ? `${fn} (${base})` : base;
  }
  return '';
}

/** A short, stable id for failures alike: error type, normalised message and top handler frame. */
export function failureFingerprint(errorType: string, message: string, stack?: string): string {
  return createHash('sha256')
    .update(`${errorType}\n${normaliseMessage(message)}\n${topFrame(stack)}`)
    .digest('hex')
    .slice(0, 12);
}

/** A stack cut to its first `lines` lines and `chars` characters. */
export function trimStack(stack: string | undefined, lines = 12, chars = 2_000): string | undefined {
  return stack?.split('\n').slice(0, lines).join('\n').slice(0, chars);
}
