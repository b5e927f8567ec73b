/**
 * The outbox's forwarder: starts queued jobs in the order they were queued, once the server
 * answers, and removes each entry only after the server took its start. One process forwards a
 * directory at a time (the others skip while its lock is held); a start sent twice (a crash
 * between the start and the removal) is harmless, since one job id runs at most once.
 */
import type { Client } from '@temporalio/client';
import type { OutboxStore } from './outbox-store';
import { isPermanentRefusal, startJob } from './start-job';

/** What one forwarding pass did. */
export interface OutboxFlushResult {
  /** Entries started (or found started already) and removed. */
  forwarded: number;
  /** Entries the server refused for good, moved to `failed/`. */
  failed: number;
  /** Entries still waiting after the pass. */
  pending: number;
  /**
   * Of `pending`: entries of another namespace, left for a client of that namespace (an outbox
   * directory shared across namespaces). They do not hold this client's submits back.
   */
  otherNamespaces?: number;
  /** Why the pass stopped before the last entry (the server unreachable, or a refusal that may pass); absent when it went through. */
  waiting?: string;
  /** True when another process held the forwarding lock, so this pass forwarded nothing. */
  locked?: boolean;
}

/** What a pass reports as it goes. */
export interface ForwardHooks {
  forwarded?(jobId: string): void;
  failed?(jobId: string, err: unknown): void;
}

/** How long one forwarded start may take. */
export interface ForwardOptions extends ForwardHooks {
  startTimeoutMs: number;
  signal?: AbortSignal;
}

/** How long a forwarding lock may go without renewal before another process takes it over (at least). */
const lockStaleMs = 120_000;
/** Temporary files older than this are left by a writer that crashed mid-write. */
const temporaryFileMaxAgeMs = 3_600_000;

/**
 * Forwards what the outbox holds, oldest first, in one pass: stops at the first entry the server
 * cannot take now (it stays, and so do those after it), moves entries refused for good to
 * `failed/`. Does nothing when another process holds the forwarding lock.
 */
export async function forwardOutbox(client: Client, store: OutboxStore, options: ForwardOptions): Promise<OutboxFlushResult> {
  if ((await store.list()).length === 0) return { forwarded: 0, failed: 0, pending: 0 };
  // Renewed after each entry: a holder silent for this long is stuck, or gone from another machine.
  const lock = await store.lock(Math.max(lockStaleMs, 3 * options.startTimeoutMs));
  if (!lock) return { forwarded: 0, failed: 0, pending: (await store.list()).length, locked: true };
  const result: OutboxFlushResult = { forwarded: 0, failed: 0, pending: 0 };
  try {
    await store.sweep(temporaryFileMaxAgeMs);
    const names = await store.list();
    for (const [at, name] of names.entries()) {
      if (options.signal?.aborted) {
        result.waiting = 'the forwarder was stopped';
        result.pending = names.length - at;
        break;
      }
      await lock.renew();
      let entry;
      try {
        entry = await store.read(name);
      } catch (err) {
        // Gone: forwarded by a process that took the lock over from this one.
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
        // Not a whole entry (written by hand, or damaged): set aside with the reason, never dropped.
        await store.fail(name, err);
        result.failed++;
        options.failed?.(name, err);
        continue;
      }
      if (entry.namespace !== client.options.namespace) {
        result.pending++;
        result.otherNamespaces = (result.otherNamespaces ?? 0) + 1;
        continue;
      }
      try {
        const start = () => client.withDeadline(Date.now() + options.startTimeoutMs, () => startJob(client, entry));
        await (options.signal ? client.withAbortSignal(options.signal, start) : start());
      } catch (err) {
        if (!isPermanentRefusal(err)) {
          result.waiting = err instanceof Error ? err.message : String(err);
          result.pending += names.length - at;
          break;
        }
        await store.fail(name, err);
        result.failed++;
        options.failed?.(entry.jobId, err);
        continue;
      }
      await store.remove(name);
      result.forwarded++;
      options.forwarded?.(entry.jobId);
    }
  } finally {
    await lock.release();
  }
  return result;
}

/** A forwarder running in the background of a job client. */
export interface Forwarder {
  /** Entries known to wait (from the last pass, plus those queued since). */
  backlog(): number;
  /** An entry was queued: forward soon, unless the server was found unreachable and the forwarder backs off. */
  queued(): void;
  /** Runs a pass now (after the one under way, if any). */
  flush(): Promise<OutboxFlushResult>;
  /** Why the last pass stopped early, if it did. */
  waiting(): string | undefined;
  /** Stops: no pass starts any more, the one under way is cut short. */
  close(): Promise<void>;
}

/** Backoff between passes while the server cannot take the oldest entry: from 1 s, doubling, at most 30 s, jittered. */
const firstBackoffMs = 1_000;
const maxBackoffMs = 30_000;

/** Starts forwarding `store` in the background: a pass at once, then every `pollMs`, backing off while the server is unreachable. */
export function startForwarder(client: Client, store: OutboxStore, options: ForwardHooks & { startTimeoutMs: number; pollMs: number; initialBacklog: number }): Forwarder {
  const abort = new AbortController();
  let backlog = options.initialBacklog;
  let backoffMs = 0;
  // Entries queued while a pass runs, which its listing may have missed.
  let queuedDuringPass = 0;
  let waiting: string | undefined;
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<OutboxFlushResult> | undefined;

  const schedule = (ms: number) => {
    clearTimeout(timer);
    if (abort.signal.aborted) return;
    // The outbox is on disk: a process with nothing else to do need not stay up for it.
    timer = setTimeout(() => void pass().catch(() => undefined), ms).unref();
  };

  const pass = (): Promise<OutboxFlushResult> => {
    if (running) return running;
    queuedDuringPass = 0;
    running = forwardOutbox(client, store, { ...options, signal: abort.signal })
      .then((result) => {
        backlog = result.pending - (result.otherNamespaces ?? 0) + queuedDuringPass;
        waiting = result.waiting;
        backoffMs = result.waiting && !result.locked ? Math.min(maxBackoffMs, backoffMs ? backoffMs * 2 : firstBackoffMs) : 0;
        schedule(backoffMs ? backoffMs * (0.5 + Math.random()) : queuedDuringPass ? 0 : options.pollMs);
        return result;
      })
      .catch((err: unknown) => {
        waiting = err instanceof Error ? err.message : String(err);
        backoffMs = Math.min(maxBackoffMs, backoffMs ? backoffMs * 2 : firstBackoffMs);
        schedule(backoffMs);
        throw err;
      })
      .finally(() => (running = undefined));
    return running;
  };

  schedule(0);
  return {
    backlog: () => backlog,
    queued() {
      backlog++;
      if (running) queuedDuringPass++;
      else if (!backoffMs) schedule(0);
    },
    async flush() {
      await running?.catch(() => undefined);
      return pass();
    },
    waiting: () => waiting,
    async close() {
      abort.abort();
      clearTimeout(timer);
      await running?.catch(() => undefined);
    },
  };
}
