/**
 * Starts one real Temporal dev server (the `temporal` CLI, found or installed the way
 * `rebound dev` finds it) for the whole test run, and stops it at the end.
 */
import type { TestProject } from 'vitest/node';
import { findTemporalBinary, installTemporalCli, startDevServer, type DevServer } from '../src/dev';

let server: DevServer | undefined;

export async function setup(project: TestProject): Promise<void> {
  let binary: string;
  try {
    binary = findTemporalBinary().path;
  } catch {
    // A fresh machine: the explicit install step `rebound dev` also takes.
    binary = installTemporalCli().path;
  }
  server = await startDevServer({
    binary,
    uiPort: false,
    dynamicConfig: {
      // New search attributes and visibility should be readable at once in tests.
      'system.forceSearchAttributesCacheRefreshOnRead': true,
      // Low, so that the dead-letter queue and bulk operations continue as new during the tests.
      'limit.historyCount.suggestContinueAsNew': 60,
      'history.timerProcessorMaxTimeShift': '10ms',
    },
  });
  project.provide('temporalAddress', server.address);
}

export async function teardown(): Promise<void> {
  await server?.stop();
}

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
  }
}
