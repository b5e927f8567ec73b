/**
 * What the routes of one console share: the admin API, the client it runs on, and how the
 * console was set up.
 */
import type { Client } from '@temporalio/client';
import type { DeadLetterAdmin } from '../admin';

/** One console's setup, resolved from its options. */
export interface ConsoleContext {
  admin: DeadLetterAdmin;
  client: Client;
  taskQueue: string;
  namespace: string;
  readOnly: boolean;
  /** True when job types were given, so an edited payload can be checked against its schema. */
  canEditPayload: boolean;
  /** The Web UI's base URL, without a trailing slash. */
  uiUrl: string;
  /** Where the console is mounted, without a trailing slash (`''` at the root). */
  basePath: string;
}

/** A job's page in the Temporal Web UI. */
export const webUiJobUrl = (ctx: Pick<ConsoleContext, 'uiUrl' | 'namespace'>, workflowId: string) =>
  `${ctx.uiUrl}/namespaces/${encodeURIComponent(ctx.namespace)}/workflows/${encodeURIComponent(workflowId)}`;
