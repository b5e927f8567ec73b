/**
 * The layout's rules, as eslint enforces them: folders of src/ are reached through their index
 * only, workflows import only the contract, and nothing in the product imports the examples.
 */
import path from 'node:path';
import { ESLint } from 'eslint';
import { describe, expect, it } from 'vitest';

const root = path.join(__dirname, '..');
const eslint = new ESLint({ cwd: root });

/** The messages of no-restricted-imports for `source` as if it were the file `file`. */
async function restricted(file: string, source: string): Promise<string[]> {
  const [result] = await eslint.lintText(`${source}\nexport const used = x;\n`, { filePath: path.join(root, file) });
  return result.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

describe('the layout', () => {
  it.each([
    ['src/client/job-client.ts', "import { x } from '../admin/create-admin';"],
    ['src/config.ts', "import { x } from './admin/types';"],
    ['src/worker/create-worker.ts', "import { x } from '../../activities/run-job';"],
    ['activities/run-job.ts', "import { x } from '../src/jobs/backoff';"],
  ])("refuses a file of another folder imported by %s (%s)", async (file, source) => {
    expect(await restricted(file, source)).toEqual([expect.stringContaining('its public face')]);
  });

  it.each([
    ['src/client/job-client.ts', "import { x } from '../admin';"],
    ['src/client/job-client.ts', "import { x } from './read-job';"],
    ['src/config.ts', "import { x } from './admin';"],
    ['src/worker/create-worker.ts', "import { x } from '../../activities';"],
    ['activities/run-job.ts', "import { x } from '../src/jobs';"],
  ])('lets %s import a folder index or a sibling (%s)', async (file, source) => {
    expect(await restricted(file, source)).toEqual([]);
  });

  it('refuses the examples in the product', async () => {
    expect(await restricted('src/cli/dev.ts', "import { x } from '../../examples/jobs';")).toEqual(expect.arrayContaining([expect.stringContaining('job module')]));
  });

  it('lets workflow code import only the contract from src/', async () => {
    expect(await restricted('workflows/job.ts', "import { x } from '../src/contract';")).toEqual([]);
    expect(await restricted('workflows/job.ts', "import { x } from '../src/admin';")).toEqual([expect.stringContaining('only src/contract')]);
    expect(await restricted('workflows/job.ts', "import { x } from '../src/contract/job';")).toEqual([expect.stringContaining('only src/contract')]);
    expect(await restricted('src/contract/job.ts', "import { x } from 'node:crypto';")).toEqual(expect.arrayContaining([expect.stringContaining('no Node built-ins')]));
  });
});
