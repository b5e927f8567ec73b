/**
 * The payload each round of a job ran with. A job's record keeps only its current payload; the
 * earlier ones are in its workflow's history, as the input of each round's first attempt. The
 * admin API has no call for this, so it is read here, through the same client and data converter.
 */
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { decodePayloads } from '../client';
import { runJobActivityName, type RunJobInput } from '../contract';

async function decode(client: Client, payload: Payload): Promise<unknown> {
  return (await decodePayloads(client, [payload]))[0];
}

/**
 * Round number to payload, for the rounds whose attempts are still in the workflow's history: the
 * current run and up to `maxRuns - 1` runs it continued from. Rounds not found are left out; a
 * history that cannot be read gives an empty map (the record's own payload is still shown).
 */
export async function roundPayloads(client: Client, workflowId: string, maxRuns = 5): Promise<Map<number, unknown>> {
  const found = new Map<number, unknown>();
  let runId: string | undefined;
  try {
    for (let run = 0; run < maxRuns; run++) {
      const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      let previous: string | undefined;
      for (const event of history.events ?? []) {
        const started = event.workflowExecutionStartedEventAttributes;
        if (started) previous = started.continuedExecutionRunId || undefined;
        const scheduled = event.activityTaskScheduledEventAttributes;
        const input = scheduled?.activityType?.name === runJobActivityName ? scheduled.input?.payloads?.[0] : undefined;
        if (!input) continue;
        const attempt = (await decode(client, input as Payload)) as Partial<RunJobInput> | undefined;
        if (typeof attempt?.round === 'number' && !found.has(attempt.round)) found.set(attempt.round, attempt.payload);
      }
      if (!previous) break;
      runId = previous;
    }
  } catch {
    // The history is a nicety on top of the record: without it the page still shows the current payload.
  }
  return found;
}
