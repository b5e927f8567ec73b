/**
 * redriveGateWorkflow: hands out the times at which dead jobs of one type may be redriven
 * automatically, one every `1 / ratePerSecond` seconds, whichever worker asks. Ends once idle;
 * the next redrive starts it again.
 */
import { allHandlersFinished, condition, continueAsNew, setHandler, workflowInfo } from '@temporalio/workflow';
import { redriveSlotUpdate, type RedriveGateInput } from '../src/contract';

/** How long the gate waits for another request before it ends. */
const idleMs = 10 * 60_000;

export async function redriveGateWorkflow(input: RedriveGateInput): Promise<void> {
  let nextFreeAt = input.nextFreeAt ?? 0;
  let taken = 0;
  setHandler(redriveSlotUpdate, ({ ratePerSecond }) => {
    const at = Math.max(Date.now(), nextFreeAt);
    nextFreeAt = at + 1_000 / ratePerSecond;
    taken++;
    return { at: new Date(at).toISOString() };
  });
  for (;;) {
    const seen = taken;
    const busy = await condition(() => taken !== seen || workflowInfo().continueAsNewSuggested, Math.max(idleMs, nextFreeAt - Date.now()));
    if (!busy) {
      await condition(allHandlersFinished);
      return;
    }
    if (workflowInfo().continueAsNewSuggested) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof redriveGateWorkflow>({ ...input, nextFreeAt });
    }
  }
}
