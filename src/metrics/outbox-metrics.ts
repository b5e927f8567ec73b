/**
 * Metrics of a job client's outbox, read at each scrape: the entries waiting, the oldest one's
 * age, the failed entries, and the entries this process queued and forwarded.
 */
import { Counter, Gauge, type Registry } from 'prom-client';

/** What the outbox metrics read (a job client made with an outbox is one). */
export interface OutboxMetricsSource {
  outboxStatus(): Promise<{ dir: string; pending: number; oldestAgeMs?: number; failed: readonly unknown[]; queued: number; forwarded: number }>;
}

/** Per registry, the outboxes its metrics read, by directory. */
const sourcesOf = new WeakMap<Registry, Map<string, OutboxMetricsSource>>();

/**
 * Registers the outbox metrics in `registry` (once per registry) and reads `source`'s outbox at
 * each scrape, labelled by its directory, until the returned function is called:
 * `rebound_outbox_backlog` (entries waiting), `rebound_outbox_oldest_age_seconds`,
 * `rebound_outbox_failed` (entries in `failed/`), `rebound_outbox_queued_total` and
 * `rebound_outbox_forwarded_total` (by this process).
 */
export async function registerOutboxMetrics(registry: Registry, source: OutboxMetricsSource): Promise<() => void> {
  const { dir } = await source.outboxStatus();
  let sources = sourcesOf.get(registry);
  if (!sources) {
    const all = new Map<string, OutboxMetricsSource>();
    sources = all;
    sourcesOf.set(registry, all);
    const registers = [registry];
    const labelNames = ['dir'];
    const read = async () => Promise.all([...all.values()].map((s) => s.outboxStatus().catch(() => undefined)));
    type Status = NonNullable<Awaited<ReturnType<typeof read>>[number]>;
    const collect = (pick: (s: Status) => number | undefined) =>
      async function (this: Gauge | Counter) {
        this.reset();
        for (const status of await read()) {
          const value = status && pick(status);
          if (status && value !== undefined) (this as Gauge).inc({ dir: status.dir }, value);
        }
      };
    new Gauge({ name: 'rebound_outbox_backlog', help: 'Outbox entries waiting to be forwarded to the server.', labelNames, registers, collect: collect((s) => s.pending) });
    new Gauge({
      name: 'rebound_outbox_oldest_age_seconds',
      help: 'How long the oldest waiting outbox entry has waited (absent when none waits).',
      labelNames,
      registers,
      collect: collect((s) => (s.oldestAgeMs === undefined ? undefined : s.oldestAgeMs / 1_000)),
    });
    new Gauge({ name: 'rebound_outbox_failed', help: 'Outbox entries the server refused for good, kept in failed/.', labelNames, registers, collect: collect((s) => s.failed.length) });
    new Counter({ name: 'rebound_outbox_queued_total', help: 'Submits this process queued in the outbox.', labelNames, registers, collect: collect((s) => s.queued) });
    new Counter({ name: 'rebound_outbox_forwarded_total', help: 'Outbox entries this process forwarded to the server.', labelNames, registers, collect: collect((s) => s.forwarded) });
  }
  sources.set(dir, source);
  const registered = sources;
  return () => {
    if (registered.get(dir) === source) registered.delete(dir);
  };
}
