/**
 * The harness's command line.
 */
import { scenarioIds, type BenchOptions, type ScenarioId } from './context';

export const usage = `npm run bench -- [options]

  --quick               every scenario small, one repetition (a smoke check: under 5 minutes, no timing assertions)
  --only a,b            only these scenarios: ${scenarioIds.join(', ')}
  --reps N              repetitions of each timed run (default 3; 1 with --quick)
  --label NAME          the section of BENCHMARKS.md to write (default "latest"), e.g. before, after
  --no-markdown         leave BENCHMARKS.md alone (the default for --quick and --only)
  --markdown            update BENCHMARKS.md even for --quick or --only
  --log-level LEVEL     rebound workers' log level (default info, what \`rebound worker\` logs)
  --set key=value       override a size, e.g. --set dead-letter.levels=1000,5000 --set success.jobs=200
  --render FILE         write BENCHMARKS.md's section (--label) again from a results file, and run nothing
  --help`;

/** Parses the harness's arguments; throws with the usage for a bad one. */
export function parseOptions(argv: string[]): BenchOptions | 'help' | { render: string; label: string } {
  const o: BenchOptions = { quick: false, only: [...scenarioIds], reps: 0, label: 'latest', updateMarkdown: true, logLevel: 'info', set: {}, argv };
  let markdown: boolean | undefined;
  let render: string | undefined;
  let only = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${arg} needs a value\n\n${usage}`);
      return v;
    };
    switch (arg) {
      case '--quick':
        o.quick = true;
        break;
      case '--only': {
        const ids = value().split(',').map((s) => s.trim()).filter(Boolean);
        const unknown = ids.filter((id) => !(scenarioIds as readonly string[]).includes(id));
        if (unknown.length) throw new Error(`unknown scenario ${unknown.join(', ')}; known: ${scenarioIds.join(', ')}`);
        o.only = scenarioIds.filter((id) => ids.includes(id)) as ScenarioId[];
        only = true;
        break;
      }
      case '--reps':
        o.reps = Number(value());
        if (!Number.isInteger(o.reps) || o.reps < 1) throw new Error('--reps must be a whole number of at least 1');
        break;
      case '--label':
        o.label = value();
        if (!/^[\w.-]+$/.test(o.label)) throw new Error('--label takes letters, digits, dots and dashes');
        break;
      case '--markdown':
        markdown = true;
        break;
      case '--no-markdown':
        markdown = false;
        break;
      case '--log-level':
        o.logLevel = value();
        break;
      case '--set': {
        const [key, ...rest] = value().split('=');
        if (!key || rest.length === 0) throw new Error('--set takes key=value');
        o.set[key] = rest.join('=');
        break;
      }
      case '--render':
        render = value();
        break;
      case '--help':
      case '-h':
        return 'help';
      default:
        throw new Error(`unknown option ${arg}\n\n${usage}`);
    }
  }
  if (render) return { render, label: o.label };
  if (o.reps === 0) o.reps = o.quick ? 1 : 3;
  o.updateMarkdown = markdown ?? (!o.quick && !only && Object.keys(o.set).length === 0);
  return o;
}
