// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Workflow code runs in a deterministic sandbox: Node built-ins crash the worker at run time,
// and importing activities (not just their types) drags them into the bundle.
const nodeBuiltins = [
  'assert', 'buffer', 'child_process', 'cluster', 'crypto', 'dgram', 'dns', 'events', 'fs', 'fs/promises',
  'http', 'http2', 'https', 'net', 'os', 'path', 'perf_hooks', 'process', 'readline', 'stream', 'timers',
  'tls', 'url', 'util', 'v8', 'vm', 'worker_threads', 'zlib',
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.rebound/**', 'coverage/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    files: ['workflows/**/*.ts', 'src/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.flatMap((name) => [
            { name, message: 'Workflow code runs in a sandbox: no Node built-ins.' },
            { name: `node:${name}`, message: 'Workflow code runs in a sandbox: no Node built-ins.' },
          ]),
          patterns: [
            { group: ['node:*'], message: 'Workflow code runs in a sandbox: no Node built-ins.' },
            {
              group: ['**/activities', '**/activities/*', '../activities*'],
              allowTypeImports: true,
              message: 'Workflows may import activities only with `import type`.',
            },
            {
              group: ['../src/*', '!../src/contract', '../src/contract/*'],
              message: 'Workflows may import only src/contract (its index) from src/.',
            },
            { group: ['pino', 'zod', 'ms', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'], message: 'Not in workflow code.' },
          ],
        },
      ],
    },
  },
  // Each folder of src/ shows its public face in its index.ts: code elsewhere imports that, never
  // another folder's files. The example job types are loaded as a job module, never imported.
  ...[
    { files: ['src/*.ts'], regex: '^\\./[^/]+/.+' },
    { files: ['src/*/**/*.ts'], regex: '^\\.\\./(\\.\\./)?[^./][^/]*/.+' },
    { files: ['activities/**/*.ts'], regex: '^\\.\\./src/[^/]+/.+' },
  ].map(({ files, regex }) => ({
    files,
    ignores: ['src/contract/**'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { regex, message: "Import another folder's index (its public face), not its files." },
            { regex: '(^|/)examples(/|$)', message: 'The example job types are loaded as a job module (rebound/examples), never imported by rebound itself.' },
          ],
        },
      ],
    },
  })),
  {
    files: ['bin/**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
);
