/**
 * Processes the harness starts and watches: worker children (forked, with the IPC of
 * worker-ipc.ts), and CPU time and memory of any process read from /proc.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readFileSync, readdirSync } from 'node:fs';
import path from 'node:path';
import type { FromChild, ToChild, Usage, WorkerSpec } from './worker-ipc';

const scripts: Record<WorkerSpec['kind'], string> = {
  rebound: path.join(__dirname, 'worker-process.js'),
  raw: path.join(__dirname, 'raw', 'worker-process.js'),
  bullmq: path.join(__dirname, 'bullmq', 'worker-process.js'),
};

/** The last `chars` characters of a file, or '' when it cannot be read. */
export function tail(file: string, chars = 2_000): string {
  try {
    const text = readFileSync(file, 'utf8');
    return text.slice(-chars);
  } catch {
    return '';
  }
}

/** A worker running in a child process. */
export class WorkerProcess {
  private seq = 0;
  private readonly waiting = new Map<number, (usage: Usage) => void>();
  /** Settles when the process exits, with its exit code or signal. */
  readonly exited: Promise<string>;

  private constructor(
    private readonly child: ChildProcess,
    readonly spec: WorkerSpec,
    readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? `exit ${code}`)));
    child.on('message', (message: FromChild) => {
      if (message.kind === 'usage' || message.kind === 'stopped') {
        this.waiting.get(message.seq)?.(message.usage);
        this.waiting.delete(message.seq);
      }
    });
  }

  get pid(): number {
    return this.child.pid ?? -1;
  }

  /** Starts a worker and resolves once it polls its queue; its output goes to `logFile`. */
  static async start(spec: WorkerSpec, logFile: string, timeoutMs = 120_000): Promise<WorkerProcess> {
    const fd = openSync(logFile, 'a');
    const child = fork(scripts[spec.kind], [], {
      env: { ...process.env, BENCH_WORKER_SPEC: JSON.stringify(spec) },
      stdio: ['ignore', fd, fd, 'ipc'],
    });
    closeSync(fd);
    const worker = new WorkerProcess(child, spec, logFile);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`${spec.kind} worker not ready after ${timeoutMs} ms; its log:\n${tail(logFile)}`));
      }, timeoutMs);
      child.on('message', (message: FromChild) => {
        if (message.kind !== 'ready') return;
        clearTimeout(timer);
        resolve();
      });
      void worker.exited.then((how) => {
        clearTimeout(timer);
        reject(new Error(`${spec.kind} worker ended (${how}) before it was ready; its log:\n${tail(logFile)}`));
      });
    });
    return worker;
  }

  private request(kind: ToChild['kind'], timeoutMs: number): Promise<Usage> {
    const seq = ++this.seq;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(seq);
        reject(new Error(`${this.spec.kind} worker (pid ${this.pid}) did not answer ${kind} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiting.set(seq, (usage) => {
        clearTimeout(timer);
        resolve(usage);
      });
      this.child.send({ kind, seq } satisfies ToChild);
    });
  }

  /** Its CPU time and memory now. */
  usage(): Promise<Usage> {
    return this.request('usage', 10_000);
  }

  /** Shuts it down gracefully; returns its last usage. Kills it when it takes longer than `timeoutMs`. */
  async stop(timeoutMs = 60_000): Promise<Usage | undefined> {
    if (this.child.exitCode !== null || this.child.signalCode !== null) return undefined;
    try {
      const usage = await this.request('stop', timeoutMs);
      await Promise.race([this.exited, new Promise((resolve) => setTimeout(resolve, 5_000))]);
      return usage;
    } catch {
      this.kill();
      await this.exited;
      return undefined;
    }
  }

  /** SIGKILL: no shutdown, no goodbye. */
  kill(): void {
    this.child.kill('SIGKILL');
  }
}

const clockTicksPerSecond = 100;

/** CPU time (user + system, every thread) of a process from /proc, in milliseconds; NaN when it cannot be read. */
export function procCpuMs(pid: number | undefined): number {
  if (!pid || pid < 0) return Number.NaN;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name may hold spaces: fields are counted after its closing parenthesis.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1_000) / clockTicksPerSecond;
  } catch {
    return Number.NaN;
  }
}

/** Resident memory of a process from /proc, in MiB; NaN when it cannot be read. */
export function procRssMb(pid: number | undefined): number {
  if (!pid || pid < 0) return Number.NaN;
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb === undefined ? Number.NaN : Number(kb) / 1_024;
  } catch {
    return Number.NaN;
  }
}

/** The pid of the process whose command line holds every one of `parts`, if any. */
export function findPid(parts: string[]): number | undefined {
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      const args = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (parts.every((p) => args.includes(p))) return Number(entry);
    } catch {
      // gone meanwhile
    }
  }
  return undefined;
}

/** Busy CPU time of the whole machine (every core) from /proc/stat, in milliseconds. */
export function machineBusyMs(): number {
  try {
    const [, ...fields] = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/);
    const [user, nice, system, , , irq, softirq, steal] = fields.map(Number);
    return ((user + nice + system + irq + softirq + steal) * 1_000) / clockTicksPerSecond;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU time of this process and every process under it (the servers and workers it started),
 * children that ended included, in milliseconds.
 */
export function treeCpuMs(): number {
  const stats = new Map<number, string[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      stats.set(Number(entry), stat.slice(stat.lastIndexOf(')') + 2).split(' '));
    } catch {
      // gone meanwhile
    }
  }
  const children = new Map<number, number[]>();
  for (const [pid, fields] of stats) {
    const parent = Number(fields[1]);
    children.set(parent, [...(children.get(parent) ?? []), pid]);
  }
  let ticks = 0;
  const visit = (pid: number) => {
    const f = stats.get(pid);
    // Own time, and that of its children that ended (reaped).
    if (f) ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    for (const child of children.get(pid) ?? []) visit(child);
  };
  visit(process.pid);
  return (ticks * 1_000) / clockTicksPerSecond;
}
