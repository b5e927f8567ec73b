import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { afterAll, describe, expect, it } from 'vitest';
import { workflowsPath } from '../../src/worker';

const logger = new DefaultLogger('ERROR');

describe('the workflow bundle', () => {
  // Inside the project, so the bundler resolves @temporalio/workflow the way it does for the real workflows.
  const dir = mkdtempSync(path.join(__dirname, '..', 'fixtures', '.bundle-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('builds from the workflows rebound ships, jobWorkflow included', async () => {
    const { code } = await bundleWorkflowCode({ workflowsPath, logger });
    expect(code.length).toBeGreaterThan(1_000);
    expect(code).toContain('jobWorkflow');
  });

  it('fails for workflow code that imports a Node built-in', async () => {
    const file = path.join(dir, 'bad-workflow.ts');
    writeFileSync(
      file,
      [
        "import { readFileSync } from 'node:fs';",
        "export async function badWorkflow(): Promise<string> { return readFileSync('/etc/hostname', 'utf8'); }",
        '',
      ].join('\n'),
    );
    const logged: string[] = [];
    const capture = new DefaultLogger('WARN', ({ message, meta }) => logged.push(`${message} ${JSON.stringify(meta ?? {})}`));
    await expect(bundleWorkflowCode({ workflowsPath: file, logger: capture })).rejects.toThrow(/Webpack finished with errors/);
    expect(logged.join('\n')).toMatch(/ERROR in node:fs/);
  });
});
