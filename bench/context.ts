/**
 * What a scenario gets from the harness, and what it gives back.
 */
import type { RedisServer, TemporalServer } from './servers';
import type { SystemContext } from './systems';

/** The scenarios, in the order they run. */
export const scenarioIds = ['success', 'failure-mix', 'retry-timing', 'crash', 'workers', 'storm', 'dead-letter', 'embedded-server'] as const;
export type ScenarioId = (typeof scenarioIds)[number];

/** Options of one benchmark run, from the command line. */
export interface BenchOptions {
  quick: boolean;
  only: ScenarioId[];
  /** Repetitions of each timed run. */
  reps: number;
  /** Section of BENCHMARKS.md the results go to. */
  label: string;
  /** Whether BENCHMARKS.md is updated. */
  updateMarkdown: boolean;
  /** rebound workers' log level. */
  logLevel: string;
  /** Size overrides, `--set key=value`. */
  set: Record<string, string>;
  /** The command line as typed, for the record. */
  argv: string[];
}

/** Everything a scenario runs with. */
export interface ScenarioContext extends SystemContext {
  options: BenchOptions;
  /** A fresh dev server for this scenario. */
  temporal: TemporalServer;
  /** Redis as it ships (snapshots, no AOF) and Redis with `appendonly yes` + `appendfsync everysec`; absent when Redis could not be had. */
  redis?: { plain: RedisServer; aof: RedisServer };
  /** A folder of this scenario's own, for mark files. */
  dir: string;
  /** A size: the `--set` override, else the quick or the full value. */
  size(key: string, full: number, quick: number): number;
  /** A list of sizes, likewise (`--set key=1,2,3`). */
  sizes(key: string, full: number[], quick: number[]): number[];
  /** Progress line on stderr. */
  log(message: string): void;
}

/** A table for the terminal and BENCHMARKS.md: cells are formatted already. */
export interface Table {
  title: string;
  columns: string[];
  rows: string[][];
  /** A line under the table. */
  note?: string;
}

/** Where one target stands. */
export interface TargetCheck {
  target: string;
  measured: string;
  /** Undefined when it could not be measured. */
  met: boolean | undefined;
}

/** What a scenario reports. */
export interface ScenarioReport {
  id: ScenarioId;
  title: string;
  /** Sizes and settings it ran with. */
  params: Record<string, unknown>;
  tables: Table[];
  targets: TargetCheck[];
  notes: string[];
  /** Every measurement, for the JSON file. */
  data: Record<string, unknown>;
  durationMs?: number;
  error?: string;
}
