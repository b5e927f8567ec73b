import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { forwardOutbox } from '../../src/client/outbox-forwarder';
import { openOutboxStore } from '../../src/client/outbox-store';

describe('the outbox on disk', () => {
  const dirs: string[] = [];
  const outbox = () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'rebound-outbox-store-'));
    dirs.push(dir);
    return { dir, store: openOutboxStore(dir) };
  };
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('keeps off a lock its holder has created but not yet written, and takes it over once stale', async () => {
    const { dir, store } = outbox();
    const file = path.join(dir, 'forward.lock');
    writeFileSync(file, '{"pid":');

    expect(await store.lock(60_000)).toBeUndefined();
    writeFileSync(file, '');
    expect(await store.lock(60_000)).toBeUndefined();

    const anHourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(file, anHourAgo, anHourAgo);
    const lock = await store.lock(60_000);
    expect(lock).toBeDefined();
    expect(await openOutboxStore(dir).lock(60_000)).toBeUndefined();
    await lock!.release();
    expect(await openOutboxStore(dir).lock(60_000)).toBeDefined();
  });

  it('leaves a lock taken over from it to its new holder when released', async () => {
    const { dir, store } = outbox();
    const file = path.join(dir, 'forward.lock');
    const first = await store.lock(60_000);
    expect(first).toBeDefined();
    // Found stale by another process, which takes it over.
    const anHourAgo = new Date(Date.now() - 3_600_000);
    utimesSync(file, anHourAgo, anHourAgo);
    const second = await openOutboxStore(dir).lock(60_000);
    expect(second).toBeDefined();

    await first!.release();
    expect(await openOutboxStore(dir).lock(60_000)).toBeUndefined();
    await second!.release();
    expect(await openOutboxStore(dir).lock(60_000)).toBeDefined();
  });

  it('lists a failed entry that is not whole JSON as unreadable rather than failing', async () => {
    const { dir, store } = outbox();
    mkdirSync(path.join(dir, 'failed'), { recursive: true });
    writeFileSync(path.join(dir, 'failed', '00000000000001-x.json'), '{"jobId":"a');

    const status = await store.status();
    expect(status.pending).toBe(0);
    expect(status.failed).toEqual([expect.objectContaining({ jobId: '(unreadable)', type: '(unreadable)', file: path.join(dir, 'failed', '00000000000001-x.json') })]);
  });

  it('skips an entry another process forwarded after this one listed it, and sets nothing aside', async () => {
    const { store } = outbox();
    // A listing taken just before the process that took the lock over removed the entry.
    const listedBeforeRemoval = { ...store, list: async () => ['0000000000000001-0a1b2c3d.json'] };
    // Never asked to start anything: the entry is not there to start.
    const client = { options: { namespace: 'default' } } as unknown as Client;

    const result = await forwardOutbox(client, listedBeforeRemoval, { startTimeoutMs: 1_000 });
    expect(result).toEqual({ forwarded: 0, failed: 0, pending: 0 });
    expect((await store.status()).failed).toEqual([]);
  });
});
