/**
 * The messages between the harness and a worker child process, and the child's side of them: it
 * says when it is ready, answers usage requests with its CPU time and memory, and stops on request.
 */

/** CPU time and memory of a process at one moment. */
export interface Usage {
  /** User plus system CPU time since the process started, every thread included, in milliseconds. */
  cpuMs: number;
  rssMb: number;
  heapMb: number;
}

/** What a worker process is told to run, passed as JSON in `BENCH_WORKER_SPEC`. */
export interface WorkerSpec {
  /** Which worker: rebound's, the raw Temporal baseline's, or BullMQ's. */
  kind: 'rebound' | 'raw' | 'bullmq';
  /** Temporal frontend host:port (rebound, raw). */
  address?: string;
  /** Task queue (rebound, raw) or queue name (BullMQ). */
  queue: string;
  /** rebound's worker log level. @defaultValue `info`, what `rebound worker` logs by default */
  logLevel?: string;
  /** raw: the prebuilt workflow bundle file. */
  bundlePath?: string;
  /** BullMQ: Redis port on 127.0.0.1, key prefix, jobs at once, lock duration. */
  redisPort?: number;
  prefix?: string;
  concurrency?: number;
  lockMs?: number;
}

export type ToChild = { kind: 'usage'; seq: number } | { kind: 'stop'; seq: number };
export type FromChild = { kind: 'ready' } | { kind: 'usage'; seq: number; usage: Usage } | { kind: 'stopped'; seq: number; usage: Usage };

/** This process's usage now. */
export function usageNow(): Usage {
  const cpu = process.cpuUsage();
  const mem = process.memoryUsage();
  return { cpuMs: (cpu.user + cpu.system) / 1_000, rssMb: mem.rss / 2 ** 20, heapMb: mem.heapUsed / 2 ** 20 };
}

/** The spec this child was started with. */
export function workerSpec(): WorkerSpec {
  const text = process.env.BENCH_WORKER_SPEC;
  if (!text) throw new Error('BENCH_WORKER_SPEC is not set: this file is started by the benchmark harness');
  return JSON.parse(text) as WorkerSpec;
}

/**
 * Serves the harness: reports ready, answers usage requests, and on `stop` runs `stop`, reports
 * its final usage and exits. Exits too when the harness goes away.
 */
export function serveHarness(stop: () => Promise<void>): void {
  const send = (message: FromChild) => process.send?.(message);
  process.on('message', (message: ToChild) => {
    if (message.kind === 'usage') send({ kind: 'usage', seq: message.seq, usage: usageNow() });
    if (message.kind === 'stop') {
      stop()
        .catch((err: unknown) => process.stderr.write(`stop failed: ${String(err)}\n`))
        .finally(() => {
          send({ kind: 'stopped', seq: message.seq, usage: usageNow() });
          setTimeout(() => process.exit(0), 50);
        });
    }
  });
  process.on('disconnect', () => process.exit(0));
  send({ kind: 'ready' });
}
