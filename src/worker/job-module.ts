/**
 * Loading a team's job types from a module (`rebound worker --jobs`, `REBOUND_JOBS`): compiled
 * JavaScript, or TypeScript when a loader such as tsx is registered or can be found.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { JobModuleError } from '../errors';
import { isJobDefinition, type JobDefinition } from '../jobs';

/** What a job module gave. */
export interface LoadedJobModule {
  /** The file it was loaded from. */
  file: string;
  /** Its job types, in the order found. */
  jobs: JobDefinition<any, any>[];
}

const typeScript = /\.[cm]?tsx?$/;

/**
 * Where `specifier` points: a path (relative to `cwd`), or a package name resolved from `cwd`
 * and then from rebound itself (so `rebound/examples` always finds rebound's own examples).
 */
export function resolveJobModule(specifier: string, cwd = process.cwd()): string {
  const asPath = path.resolve(cwd, specifier);
  if (existsSync(asPath) && !asPath.endsWith(path.sep)) {
    try {
      return createRequire(path.join(cwd, 'noop.js')).resolve(asPath);
    } catch {
      return asPath;
    }
  }
  for (const from of [path.join(cwd, 'noop.js'), __filename]) {
    try {
      return createRequire(from).resolve(specifier);
    } catch {
      // next place
    }
  }
  throw new JobModuleError(specifier, `not found (looked for the file ${asPath}, and for a package of that name from ${cwd})`);
}

/** The job definitions among a module's exports: each export, and each element of an exported array. */
function definitionsOf(exports: Record<string, unknown>): JobDefinition<any, any>[] {
  const found = new Map<string, JobDefinition<any, any>>();
  const add = (value: unknown) => {
    if (isJobDefinition(value) && !found.has(value.type)) found.set(value.type, value);
  };
  for (const value of Object.values(exports)) {
    if (Array.isArray(value)) value.forEach(add);
    else if (value && typeof value === 'object' && !isJobDefinition(value) && Object.getPrototypeOf(value) === Object.prototype) Object.values(value).forEach(add);
    else add(value);
  }
  return [...found.values()];
}

/** Loads a TypeScript module through tsx (CommonJS), found beside the module or in the working directory. */
function requireTypeScript(file: string, specifier: string): Record<string, unknown> {
  for (const from of [file, path.join(process.cwd(), 'noop.js')]) {
    let tsx: { require(id: string, fromFile: string): Record<string, unknown> };
    try {
      tsx = createRequire(from)('tsx/cjs/api') as typeof tsx;
    } catch {
      continue; // no tsx reachable from here
    }
    try {
      return tsx.require(file, __filename);
    } catch (err) {
      throw new JobModuleError(specifier, `could not be loaded: ${(err as Error).message}`, err);
    }
  }
  throw new JobModuleError(specifier, 'is TypeScript, and no TypeScript loader was found: compile it to JavaScript, install tsx beside it, or run with `node --import tsx`');
}

/**
 * Loads the job types a module exports (each `defineJob` result, also inside an exported array
 * or object, and the default export). Throws {@link JobModuleError} when the module cannot be
 * found or loaded, or exports no job type.
 */
export async function loadJobModule(specifier: string, cwd = process.cwd()): Promise<LoadedJobModule> {
  const file = resolveJobModule(specifier, cwd);
  let exports: Record<string, unknown>;
  try {
    exports = (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } catch (err) {
    if (!typeScript.test(file) || !/Unknown file extension|ERR_UNKNOWN_FILE_EXTENSION/.test(String((err as NodeJS.ErrnoException).code ?? err))) {
      throw new JobModuleError(specifier, `could not be loaded: ${(err as Error).message}`, err);
    }
    exports = requireTypeScript(file, specifier);
  }
  const jobs = definitionsOf(exports);
  if (jobs.length === 0) {
    throw new JobModuleError(specifier, `exports no job type: export the results of defineJob() (one by one, or as an array)`);
  }
  return { file, jobs };
}
