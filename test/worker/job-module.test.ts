/**
 * loadJobModule: the job types a module exports, by path or package name, in JavaScript or
 * TypeScript, and clear errors for modules that are not job modules.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { JobModuleError } from '../../src/errors';
import { loadJobModule } from '../../src/worker';
import { rejectionOf } from '../helpers';

describe('loadJobModule', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'rebound-jobs-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("finds rebound's example job types by package name", async () => {
    const { jobs } = await loadJobModule('rebound/examples');
    expect(jobs.map((j) => j.type).sort()).toEqual(['example.resize-image', 'example.send-email']);
  });

  it('loads a TypeScript module through tsx, collecting definitions from arrays too', async () => {
    const { jobs } = await loadJobModule(path.join(__dirname, '..', 'fixtures', 'crash-jobs.ts'));
    expect(jobs.map((j) => j.type)).toEqual(['test.crash']);
  });

  it('refuses a module that does not exist, naming it', async () => {
    const err = await rejectionOf(loadJobModule('./missing-jobs.js', dir));
    expect(err).toBeInstanceOf(JobModuleError);
    expect(err.message).toContain('job module "./missing-jobs.js": not found');
  });

  it('refuses a module that exports no job type', async () => {
    writeFileSync(path.join(dir, 'nothing.js'), 'exports.handler = () => 1;\n');
    const err = await rejectionOf(loadJobModule('./nothing.js', dir));
    expect(err).toBeInstanceOf(JobModuleError);
    expect(err.message).toContain('exports no job type');
  });

  it('refuses a module that throws while loading, with its error', async () => {
    writeFileSync(path.join(dir, 'broken.js'), "throw new Error('database url missing');\n");
    const err = await rejectionOf(loadJobModule(path.join(dir, 'broken.js')));
    expect(err).toBeInstanceOf(JobModuleError);
    expect(err.message).toContain('database url missing');
  });
});
