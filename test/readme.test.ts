/**
 * The README is the first thing a user runs: its quick start must be the two commands CI and
 * `npm run demo` rely on, and its code sample must compile against the real API.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..');
const readme = readFileSync(path.join(root, 'README.md'), 'utf8');

/** The fenced blocks of a README section, with their language. */
function blocks(section: string): { lang: string; code: string }[] {
  const start = readme.indexOf(`## ${section}`);
  expect(start, `README section "${section}"`).toBeGreaterThanOrEqual(0);
  const end = readme.indexOf('\n## ', start + 1);
  const text = readme.slice(start, end === -1 ? undefined : end);
  return [...text.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map((m) => ({ lang: m[1], code: m[2].trim() }));
}

describe('the README', () => {
  it('starts with two commands: one runs the demo, one runs the tests, and CI runs the second', () => {
    const commands = blocks('Quick start')
      .filter((b) => b.lang === 'sh')
      .slice(0, 2)
      .map((b) => b.code);
    expect(commands).toEqual(['npm ci && npm run demo', 'npm ci && npm test']);
    const ci = readFileSync(path.join(root, '.ci', 'run'), 'utf8');
    expect(ci.split('\n').map((l) => l.trim())).toContain(commands[1]);
    const scripts = (JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts;
    expect(scripts.demo).toContain('dev --demo');
    expect(scripts.test).toContain('vitest run');
  });

  it('has code samples that compile against the package', () => {
    const samples = [...readme.matchAll(/```ts\n([\s\S]*?)```/g)].map((m) => m[1]);
    expect(samples.length).toBeGreaterThanOrEqual(2);
    // One module: the imports of every sample merged, the first sample's declarations visible to
    // the later ones, each later one in a block of its own. Inside this repository the package is its source.
    const imported = new Map<string, Set<string>>();
    const bodies = samples.map((code) =>
      code.replace(/^import \{([^}]*)\} from '([^']+)';\n/gm, (_line, names: string, from: string) => {
        const set = imported.get(from) ?? new Set<string>();
        for (const name of names.split(',').map((n) => n.trim()).filter(Boolean)) set.add(name);
        imported.set(from, set);
        return '';
      }),
    );
    const imports = [...imported].map(([from, names]) => `import { ${[...names].join(', ')} } from '${from === 'rebound' ? '../src/index.js' : from}';`);
    const source = [...imports, bodies[0], ...bodies.slice(1).map((b) => `{\n${b}\n}`)].join('\n');
    const file = path.join(root, 'test', '__readme-sample.mts');
    const options: ts.CompilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.Node16,
      moduleResolution: ts.ModuleResolutionKind.Node16,
      lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
      types: ['node'],
      strict: true,
      skipLibCheck: true,
      esModuleInterop: true,
      noEmit: true,
    };
    const host = ts.createCompilerHost(options);
    const readSource = host.getSourceFile.bind(host);
    host.getSourceFile = (name, version, onError) =>
      path.resolve(name) === file ? ts.createSourceFile(name, `export {};\n${source}`, version) : readSource(name, version, onError);
    host.fileExists = ((exists) => (name: string) => path.resolve(name) === file || exists(name))(host.fileExists.bind(host));
    const program = ts.createProgram([file], options, host);
    const problems = ts
      .getPreEmitDiagnostics(program)
      .filter((d) => d.file === undefined || path.resolve(d.file.fileName) === file)
      .map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
    expect(problems).toEqual([]);
  });
});
