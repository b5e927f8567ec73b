/**
 * How much rebound keeps, so that nothing it stores or sends comes near the server's limits
 * (2 MB for any one payload, failure or query answer, with warnings from 256 KB; 4 MB for a gRPC
 * message) and a job's state, carried into continue-as-new, always fits. Lists keep their first
 * and last entries and count what was dropped from the middle.
 */

/** The limits, documented in the README's "Reliability" section. */
export const limits = {
  /** A job's payload, as JSON, at submit and at a retry with a corrected payload. */
  payloadBytes: 256 * 1024,
  /**
   * A dead job's whole record in its memo (where exports and reads without a worker find it), as
   * JSON; a larger one is left out, and those read it from the job's workflow instead.
   */
  deadRecordMemoBytes: 512 * 1024,
  /** A handler's result, as JSON; a larger one is replaced by a marker naming its size. */
  resultBytes: 256 * 1024,
  /** What a handler passes to `heartbeat()`, as JSON; larger is replaced by a marker. */
  heartbeatBytes: 32 * 1024,
  /** An attempt's error message, in characters; longer is cut, saying how long it was. */
  messageChars: 1_000,
  /** An attempt's stack, in characters (and at most 12 lines) in the job's record. */
  stackChars: 2_000,
  /** A failure's stack as the server records it, in characters. */
  failureStackChars: 8_000,
  /** Attempts a job's record keeps: the first {@link limits.attemptHistoryFirst} and the latest. */
  attemptHistory: 100,
  attemptHistoryFirst: 10,
  /** Attempts one round's failure or heartbeat carries to the workflow: the first 5 and the latest. */
  attemptDetails: 40,
  attemptDetailsFirst: 5,
  /** Timeline events a job's record keeps: the first 20 and the latest. */
  timeline: 200,
  timelineFirst: 20,
  /** Payloads a job keeps of its rounds: the first and the latest ones. */
  roundPayloads: 3,
} as const;

/** The largest whole number a count (attempts, for one) may be: the server keeps them as 32-bit integers. */
export const maxCount = 2_147_483_647;

/** The longest duration any option may have: 100 years, in milliseconds. */
export const maxDurationMs = 100 * 365 * 24 * 3_600_000;

/**
 * `list` with at most `max` entries: the first `first` and the latest, in order, and how many
 * were dropped from between them.
 */
export function keepEnds<T>(list: T[], max: number, first: number): { kept: T[]; dropped: number } {
  if (list.length <= max) return { kept: list, dropped: 0 };
  const last = max - first;
  return { kept: [...list.slice(0, first), ...list.slice(list.length - last)], dropped: list.length - max };
}

/** `text` cut to `max` characters, saying how long it was. */
export function trimText(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, max)}… [cut: ${text.length} characters in all]`;
}
