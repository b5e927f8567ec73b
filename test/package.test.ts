/**
 * The package as users load it (`npm run build` first): `rebound` exposes the library only, and
 * its errors keep `instanceof` across two separately loaded copies.
 */
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { requireBuiltCli } from './fixtures/rebound-cli';

const root = path.join(__dirname, '..');

/** Runs a CommonJS snippet with node in the project (so `rebound` resolves to this package) and parses what it prints. */
function node(source: string): any {
  return JSON.parse(execFileSync(process.execPath, ['-e', source], { cwd: root, encoding: 'utf8' }));
}

describe('the rebound package', () => {
  beforeAll(() => requireBuiltCli());

  it("import('rebound') exposes the library and nothing of the dev server, demo, CLI or examples", async () => {
    const names: string[] = node(`import('rebound').then((m) => console.log(JSON.stringify(Object.keys(m))))`);
    for (const name of ['defineJob', 'createJobClient', 'createWorker', 'createAdmin', 'loadConfig', 'connectClient', 'ReboundError', 'JobNotFoundError', 'retrySignal']) {
      expect(names).toContain(name);
    }
    for (const name of ['startDevServer', 'startDev', 'runDemo', 'findTemporalBinary', 'installTemporalCli', 'main', 'buildProgram', 'exampleJobs', 'sendEmail']) {
      expect(names).not.toContain(name);
    }
  });

  it('keeps the dev server and the demo under rebound/dev, and the examples under rebound/examples', () => {
    const dev: string[] = node(`console.log(JSON.stringify(Object.keys(require('rebound/dev'))))`);
    expect(dev).toEqual(expect.arrayContaining(['startDevServer', 'startDev', 'runDemo', 'findTemporalBinary', 'installTemporalCli']));
    const examples: string[] = node(`console.log(JSON.stringify(Object.keys(require('rebound/examples'))))`);
    expect(examples).toEqual(expect.arrayContaining(['exampleJobs', 'sendEmail', 'resizeImage']));
  });

  it('errors of one copy of the package are instances of the same classes of another copy', () => {
    const result = node(`
      const first = require('rebound');
      for (const key of Object.keys(require.cache)) if (key.includes('/dist/')) delete require.cache[key];
      const second = require('rebound');
      const args = {
        JobFailedError: [{ jobId: 'j', status: 'DeadLettered', attempts: 1 }],
        TemporalBinaryNotFoundError: [['nowhere']],
        JobModuleError: ['m', 'why'],
        UnknownJobTypeError: ['t', ['known.type']],
        PayloadValidationError: ['t', ['field: bad']],
        SearchAttributesMissingError: ['default', [{ name: 'JobType', type: 'Keyword' }], []],
        PortInUseError: ['127.0.0.1', 7233, 'its frontend'],
      };
      const classes = Object.keys(first).filter((k) => typeof first[k] === 'function' && first[k].prototype instanceof first.ReboundError);
      const out = { separate: first.ReboundError !== second.ReboundError, classes: {} };
      for (const name of classes) {
        const err = new first[name](...(args[name] || ['x', 'y']));
        const other = name === 'JobNotFoundError' ? 'JobNotDeadError' : 'JobNotFoundError';
        out.classes[name] = {
          sameClass: err instanceof second[name],
          base: err instanceof second.ReboundError,
          error: err instanceof Error,
          otherClass: err instanceof second[other],
          name: err.name,
        };
      }
      console.log(JSON.stringify(out));
    `);
    expect(result.separate).toBe(true);
    const names = Object.keys(result.classes);
    expect(names).toEqual(
      expect.arrayContaining([
        'PermanentError', 'UnknownJobTypeError', 'PayloadValidationError', 'InvalidOptionsError', 'JobNotFoundError', 'JobNotDeadError',
        'WorkerUnavailableError', 'OperationNotFoundError', 'ServerUnreachableError', 'JobFailedError', 'JobModuleError', 'TemporalBinaryNotFoundError', 'UsageError',
        'SearchAttributesMissingError', 'PortInUseError', 'NotTemporalServerError',
      ]),
    );
    for (const name of names) {
      expect(result.classes[name], name).toEqual({ sameClass: true, base: true, error: true, otherClass: false, name });
    }
  });
});
