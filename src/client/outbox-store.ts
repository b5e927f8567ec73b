/**
 * The outbox on disk: one JSON file per start request that could not reach the server, named by
 * a sequence that sorts in submit order. A file is written under a temporary name, synced,
 * renamed into place and its directory synced, so that an entry is either whole or absent after
 * a crash; it is removed only once the server took the start. Entries the server refused for good
 * move to `failed/` with the error.
 */
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, mkdirSync, openSync, readdirSync, unlinkSync } from 'node:fs';
import { open, readFile, readdir, rename, stat, unlink, utimes } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { OutboxError } from '../errors';
import type { StartRequest } from './start-job';

/** One queued start, as its file holds it. */
export interface OutboxEntry extends StartRequest {
  version: 1;
  /** The namespace it is to be started in. */
  namespace: string;
  /** When submit queued it (ISO). */
  queuedAt: string;
}

/** An entry the server refused for good, kept in `failed/`. */
export interface FailedOutboxEntry {
  jobId: string;
  type: string;
  /** Its file, in `failed/`. */
  file: string;
  queuedAt: string;
  failedAt: string;
  error: { name: string; message: string };
}

/** What an outbox holds now. */
export interface OutboxStatus {
  /** The outbox directory (absolute). */
  dir: string;
  /** Entries waiting to be forwarded. */
  pending: number;
  /** When the oldest waiting entry was queued (ISO); undefined when none waits. */
  oldestQueuedAt?: string;
  /** How long the oldest waiting entry has waited, in milliseconds. */
  oldestAgeMs?: number;
  /** Entries the server refused for good, oldest first, with the error. */
  failed: FailedOutboxEntry[];
}

const entryFile = /^\d{16}-[0-9a-f]{8}\.json$/;
const failedDir = 'failed';
const lockFile = 'forward.lock';

/** Syncs a directory, so that a rename or removal in it survives a crash of the machine. */
async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Writes `text` to `file` whole or not at all: temporary file, sync, rename, directory sync. */
async function writeDurably(dir: string, name: string, text: string): Promise<void> {
  const temporary = path.join(dir, `.${name}.${randomBytes(4).toString('hex')}.tmp`);
  const handle = await open(temporary, 'wx', 0o600);
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temporary, path.join(dir, name));
  await syncDir(dir);
}

/** The pending entries' file names, oldest first. */
async function pendingNames(dir: string): Promise<string[]> {
  return (await readdir(dir)).filter((n) => entryFile.test(n)).sort();
}

/** True unless `pid` is known to be gone. */
/** A JSON file's content, or undefined when it is gone, or not yet (or not) whole JSON. */
async function readJson(file: string): Promise<unknown> {
  try {
    return JSON.parse(await readFile(file, 'utf8'));
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code !== 'ESRCH';
  }
}

/** Makes `dir` (and `failed/` in it) and proves a file can be written and synced there. */
function makeWritable(dir: string): void {
  try {
    mkdirSync(path.join(dir, failedDir), { recursive: true, mode: 0o700 });
    const probe = path.join(dir, `.probe-${process.pid}-${randomBytes(4).toString('hex')}.tmp`);
    const fd = openSync(probe, 'wx', 0o600);
    try {
      fsyncSync(fd);
    } finally {
      closeSync(fd);
      unlinkSync(probe);
    }
  } catch (err) {
    throw new OutboxError(dir, 'cannot be made or written (it must be a directory this process can write to)', err);
  }
}

/** The forwarding lock of an outbox, held. */
export interface OutboxLock {
  /** Says the holder is still at work. */
  renew(): Promise<void>;
  release(): Promise<void>;
}

/** An outbox directory: write, list, remove and set aside entries, and the forwarding lock. */
export interface OutboxStore {
  readonly dir: string;
  /** Queues `entry` durably; resolves once it is on disk. Throws `OutboxError` naming the directory. */
  write(entry: Omit<OutboxEntry, 'version' | 'queuedAt'>): Promise<void>;
  /** The pending entries' file names, oldest first. */
  list(): Promise<string[]>;
  /** How many entries wait, read at once (0 when the directory cannot be read). */
  pendingSync(): number;
  /** The entry of `name`; throws when the file is not a whole entry. */
  read(name: string): Promise<OutboxEntry>;
  /** Removes a forwarded entry. */
  remove(name: string): Promise<void>;
  /** Moves an entry the server refused for good to `failed/`, with the error. */
  fail(name: string, err: unknown): Promise<void>;
  /**
   * Takes the forwarding lock; undefined when another process holds it. It is taken over when its
   * holder is gone (a process of this machine that exited) or has not renewed it for `staleMs`.
   */
  lock(staleMs: number): Promise<OutboxLock | undefined>;
  /** Removes temporary files older than `olderThanMs`, left by writers that crashed mid-write. */
  sweep(olderThanMs: number): Promise<void>;
  status(): Promise<OutboxStatus>;
}

/**
 * Opens (and makes, if need be) the outbox directory `dir`, checking that an entry can be written
 * there. Throws `OutboxError` naming the directory when it cannot.
 */
export function openOutboxStore(dirOption: string, { readOnly = false }: { readOnly?: boolean } = {}): OutboxStore {
  if (typeof dirOption !== 'string' || dirOption.trim() === '') throw new OutboxError(String(dirOption), 'expected a directory path');
  const dir = path.resolve(dirOption);
  let lastSeq = 0;
  let scanned: Promise<void> | undefined;
  if (!readOnly) makeWritable(dir);

  const store: OutboxStore = {
    dir,
    async write(fields) {
      try {
        // A sequence that sorts in submit order in this process, after every entry there, even when the clock steps back.
        await (scanned ??= pendingNames(dir).then((names) => {
          for (const n of names) lastSeq = Math.max(lastSeq, Number(n.slice(0, 16)));
        }));
        lastSeq = Math.max(Date.now(), lastSeq + 1);
        const name = `${String(lastSeq).padStart(16, '0')}-${randomBytes(4).toString('hex')}.json`;
        const entry: OutboxEntry = { version: 1, ...fields, queuedAt: new Date().toISOString() };
        await writeDurably(dir, name, `${JSON.stringify(entry)}\n`);
      } catch (err) {
        throw new OutboxError(dir, `job "${fields.jobId}" could not be queued: writing its entry failed`, err);
      }
    },
    list: () => pendingNames(dir),
    pendingSync() {
      try {
        return readdirSync(dir).filter((n) => entryFile.test(n)).length;
      } catch {
        return 0;
      }
    },
    async read(name) {
      const entry = JSON.parse(await readFile(path.join(dir, name), 'utf8')) as OutboxEntry;
      if (entry?.version !== 1 || typeof entry.jobId !== 'string' || typeof entry.type !== 'string' || typeof entry.input !== 'object') {
        throw new Error(`${name} is not an outbox entry of version 1`);
      }
      return entry;
    },
    async remove(name) {
      try {
        await unlink(path.join(dir, name));
      } catch (err) {
        // Gone already: forwarded by a process that took the lock over from this one.
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
      await syncDir(dir);
    },
    async fail(name, err) {
      const file = path.join(dir, name);
      let entry: Record<string, unknown>;
      try {
        entry = JSON.parse(await readFile(file, 'utf8')) as Record<string, unknown>;
      } catch {
        entry = { unreadable: (await readFile(file, 'utf8').catch(() => '')).slice(0, 10_000) };
      }
      const error = err instanceof Error ? { name: err.name, message: err.message } : { name: 'Error', message: String(err) };
      await writeDurably(path.join(dir, failedDir), name, `${JSON.stringify({ ...entry, failedAt: new Date().toISOString(), error })}\n`);
      await unlink(file);
      await syncDir(dir);
    },
    async lock(staleMs) {
      const file = path.join(dir, lockFile);
      for (let tries = 0; tries < 2; tries++) {
        try {
          const handle = await open(file, 'wx', 0o600);
          const token = randomBytes(8).toString('hex');
          await handle.writeFile(JSON.stringify({ pid: process.pid, hostname: os.hostname(), at: new Date().toISOString(), staleMs, token }));
          await handle.close();
          return {
            renew: async () => {
              const now = new Date();
              await utimes(file, now, now).catch(() => undefined);
            },
            release: async () => {
              // Taken over meanwhile (this holder was found stale): the lock is the new holder's.
              const holder = (await readJson(file)) as { token?: string } | undefined;
              if (holder?.token === token) await unlink(file).catch(() => undefined);
            },
          };
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw new OutboxError(dir, 'its forwarding lock cannot be taken', err);
        }
        // Held: by a process at work (keep off), or by one that is gone or stuck (take it over). Two
        // processes taking over at once may both forward for a while: harmless, as a job id runs once.
        // A holder that has created the file but not yet written it reads as unknown: its renewal
        // time alone then decides.
        const holder = (await readJson(file)) as { pid?: number; hostname?: string; staleMs?: number } | undefined;
        const renewedAt = (await stat(file).catch(() => undefined))?.mtimeMs;
        if (renewedAt === undefined) continue;
        const gone = holder?.pid !== undefined && holder.hostname === os.hostname() && !alive(holder.pid);
        const stale = Date.now() - renewedAt > Math.max(staleMs, holder?.staleMs ?? 0);
        if (!gone && !stale) return undefined;
        await unlink(file).catch(() => undefined);
      }
      return undefined;
    },
    async sweep(olderThanMs) {
      for (const name of await readdir(dir).catch(() => [] as string[])) {
        if (!name.startsWith('.') || !name.endsWith('.tmp')) continue;
        const info = await stat(path.join(dir, name)).catch(() => undefined);
        if (info && Date.now() - info.mtimeMs > olderThanMs) await unlink(path.join(dir, name)).catch(() => undefined);
      }
    },
    async status() {
      let names: string[];
      let failedNames: string[];
      try {
        names = await pendingNames(dir);
        failedNames = (await readdir(path.join(dir, failedDir)).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
      } catch (err) {
        throw new OutboxError(dir, 'cannot be read', err);
      }
      let oldestQueuedAt: string | undefined;
      for (const name of names) {
        // The oldest still there: another process may forward it while this reads.
        const entry = await store.read(name).catch(() => undefined);
        if (entry) {
          oldestQueuedAt = entry.queuedAt;
          break;
        }
      }
      const failed: FailedOutboxEntry[] = [];
      for (const name of failedNames) {
        const file = path.join(dir, failedDir, name);
        const doc = ((await readJson(file)) ?? {}) as Partial<OutboxEntry & FailedOutboxEntry>;
        failed.push({
          jobId: doc.jobId ?? '(unreadable)',
          type: doc.type ?? '(unreadable)',
          file,
          queuedAt: doc.queuedAt ?? '',
          failedAt: doc.failedAt ?? '',
          error: doc.error ?? { name: 'Error', message: 'unknown' },
        });
      }
      return {
        dir,
        pending: names.length,
        ...(oldestQueuedAt ? { oldestQueuedAt, oldestAgeMs: Math.max(0, Date.now() - Date.parse(oldestQueuedAt)) } : {}),
        failed,
      };
    },
  };
  return store;
}

/**
 * What the outbox at `dir` holds, read from disk without a server: pending entries, the oldest
 * one's age, and the failed entries with their errors. Throws `OutboxError` naming the directory
 * when it does not exist or cannot be read.
 */
export async function readOutboxStatus(dir: string): Promise<OutboxStatus> {
  const resolved = path.resolve(dir);
  const info = await stat(resolved).catch((err: unknown) => {
    throw new OutboxError(resolved, 'does not exist or cannot be read', err);
  });
  if (!info.isDirectory()) throw new OutboxError(resolved, 'is not a directory');
  return openOutboxStore(resolved, { readOnly: true }).status();
}
