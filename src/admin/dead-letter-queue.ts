/**
 * Signalling a task queue's dead-letter-queue workflow, starting it when it is not running (a
 * workflow cannot signal-with-start, so workers' activities and the admin API both come here).
 */
import type { Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import { deadLetterStartOptions, deadLetterWorkflowType, emptyDeadLetterStats, type AlertConfig, type DeadLetterInput, type PublishedStats } from '../contract';

/**
 * Sends `signal` with `arg` to the dead-letter queue of `taskQueue`; a queue not running yet is started with
 * `alerts` (a running one keeps its own). Safe to repeat: the queue drops events it has counted.
 */
export async function signalDeadLetterQueue<T>(client: Client, taskQueue: string, signal: SignalDefinition<[T]>, arg: T, alerts?: AlertConfig): Promise<void> {
  // A queue starts with empty counters published: `stats()` reads them from its memo before its
  // first workflow task, rather than ask a worker busy with the burst of dead jobs that started it.
  const published: PublishedStats = { stats: emptyDeadLetterStats(taskQueue), at: new Date().toISOString() };
  await client.workflow.signalWithStart<(input: DeadLetterInput) => Promise<void>, [T]>(deadLetterWorkflowType, {
    ...deadLetterStartOptions(taskQueue, alerts),
    memo: { published },
    signal,
    signalArgs: [arg],
  });
}
