/**
 * The terminal's and BENCHMARKS.md's view of a run: tables as text, and the run's section of
 * BENCHMARKS.md (between markers named after its label, so that a later run with another label,
 * "after", adds its own section beside "before").
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import type { BenchOptions, ScenarioReport, Table } from './context';
import { verdict } from './format';
import type { MachineInfo } from './machine';

/** A table as aligned text for the terminal. */
export function textTable(t: Table): string {
  const widths = t.columns.map((c, i) => Math.max(c.length, ...t.rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) => cells.map((c, i) => (c ?? '').padEnd(widths[i])).join('  ').trimEnd();
  return [t.title, line(t.columns), widths.map((w) => '-'.repeat(w)).join('  '), ...t.rows.map(line), ...(t.note ? [`(${t.note})`] : [])].join('\n');
}

function mdEscape(cell: string): string {
  return cell.replace(/\|/g, '\\|');
}

/** True when every cell of column `i` reads as a figure (those are right-aligned). */
function numeric(t: Table, i: number): boolean {
  return i > 0 && t.rows.every((r) => !r[i] || /^(-|−)?[\d.,]|^n\/a/.test(r[i]));
}

/** A table as Markdown. */
export function mdTable(t: Table): string {
  return [
    `**${t.title}**`,
    '',
    `| ${t.columns.map(mdEscape).join(' | ')} |`,
    `| ${t.columns.map((_, i) => (numeric(t, i) ? '---:' : '---')).join(' | ')} |`,
    ...t.rows.map((r) => `| ${r.map(mdEscape).join(' | ')} |`),
    ...(t.note ? ['', `_${t.note}_`] : []),
  ].join('\n');
}

/** What one run produced, as written to bench/results/<date>.json. */
export interface RunRecord {
  startedAt: string;
  finishedAt: string;
  durationMs: number;
  /** False while the run goes on (or when it was stopped): only the scenarios listed ran. */
  complete: boolean;
  options: BenchOptions;
  command: string;
  machine: MachineInfo;
  servers: Record<string, unknown>;
  scenarios: ScenarioReport[];
}

function minutes(ms: number | undefined): string {
  return ms === undefined ? 'n/a' : `${(ms / 60_000).toFixed(1)} min`;
}

/** The run's section of BENCHMARKS.md. */
export function markdownSection(run: RunRecord, resultsFile: string): string {
  const m = run.machine;
  const out: string[] = [];
  out.push(`## ${run.options.label}: ${run.startedAt.slice(0, 10)}, commit ${m.commit}${m.uncommitted.length ? ' with uncommitted changes' : ''}`);
  out.push('');
  out.push(`Produced by the harness (\`${run.command}\`) in ${minutes(run.durationMs)}; every figure below is also in \`${resultsFile}\`.`);
  if (!run.complete) {
    const ran = run.scenarios.map((s) => s.id);
    out.push('');
    out.push(`**Partial:** the run had finished ${ran.length} of ${run.options.only.length} scenarios (${ran.join(', ')}) when this was written.`);
  }
  out.push('');
  out.push(`- Machine: ${m.cpus} cores (${m.cpuModel}), ${m.memoryGiB} GiB memory, ${m.os}`);
  out.push(`- Node ${m.node}; ${Object.entries(m.packages).map(([k, v]) => `${k} ${v}`).join(', ')}`);
  out.push(`- ${m.temporalCli.split('\n')[0]}; ${m.redisServer}`);
  if (m.uncommitted.length) out.push(`- Uncommitted files measured with the commit: ${m.uncommitted.map((f) => `\`${f}\``).join(', ')}`);
  out.push(`- Servers: ${Object.entries(run.servers).map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join('; ')}`);
  out.push(`- Repetitions: ${run.options.reps}; figures are the median, with the lowest and highest repetition in parentheses; ratios are taken within one repetition, then their median.`);
  out.push('');
  out.push('### Targets');
  out.push('');
  out.push('| target | measured | status |');
  out.push('| --- | --- | --- |');
  for (const s of run.scenarios) {
    for (const t of s.targets) out.push(`| ${mdEscape(t.target)} | ${mdEscape(t.measured)} | ${verdict(t.met)} |`);
  }
  for (const s of run.scenarios) {
    out.push('');
    out.push(`### ${s.title} (\`${s.id}\`, ${minutes(s.durationMs)})`);
    out.push('');
    if (s.error) {
      out.push(`**Did not finish:** ${s.error}`);
      out.push('');
    }
    for (const t of s.tables) {
      out.push(mdTable(t));
      out.push('');
    }
    for (const n of s.notes) out.push(`- ${n}`);
  }
  return out.join('\n').trimEnd();
}

/** Replaces (or appends) the section of `label` in the Markdown file. */
export function updateMarkdown(file: string, label: string, section: string): void {
  const start = `<!-- bench:${label}:start -->`;
  const end = `<!-- bench:${label}:end -->`;
  const block = `${start}\n${section}\n${end}`;
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const a = text.indexOf(start);
  const b = text.indexOf(end);
  const next = a !== -1 && b > a ? `${text.slice(0, a)}${block}${text.slice(b + end.length)}` : `${text.trimEnd()}\n\n${block}\n`;
  writeFileSync(file, next);
}
