/**
 * Loads a folder of task modules (`.ts`, `.mts`, `.js`, `.mjs`) into a registry. TypeScript
 * files are compiled on the fly by tsx, so a folder of scripts needs no build step.
 * Only the folder's own files are loaded (not sub-folders); files whose names start with
 * `_` or `.`, declaration files and tests are skipped. A module's exported `workflow(...)`s
 * are added too, with their steps' tasks (see `TaskRegistry.addModule`).
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../core/errors.js';
import { TaskRegistry } from './registry.js';

const MODULE_FILE = /^(?![_.]).*(?<!\.d)(?<!\.test)(?<!\.spec)\.(ts|mts|js|mjs)$/;

/**
 * TypeScript goes through tsx's `tsImport`, which compiles the file whatever its folder's
 * package.json says (a folder of scripts often has none, and Node would then treat the file
 * as CommonJS); JavaScript is imported natively.
 */
async function importModule(file: string): Promise<Record<string, unknown>> {
  const url = pathToFileURL(file).href;
  if (/\.m?ts$/.test(file)) {
    const { tsImport } = await import('tsx/esm/api');
    return (await tsImport(url, import.meta.url)) as Record<string, unknown>;
  }
  return (await import(url)) as Record<string, unknown>;
}

/** The module files of a tasks folder, sorted. */
export function taskModuleFiles(dir: string): string[] {
  return readdirSync(dir)
    .filter((name) => MODULE_FILE.test(name))
    .map((name) => resolve(dir, name))
    .filter((file) => statSync(file).isFile())
    .sort();
}

/**
 * Loads every module of `dir`. A missing folder is an error when `required`, else an empty
 * registry (the default `./tasks` need not exist).
 */
export async function loadTasks(dir: string, options: { required?: boolean; into?: TaskRegistry } = {}): Promise<TaskRegistry> {
  const registry = options.into ?? new TaskRegistry();
  const folder = resolve(dir);
  if (!existsSync(folder) || !statSync(folder).isDirectory()) {
    if (options.required) {
      const problem = existsSync(folder) ? 'is not a folder' : 'does not exist';
      throw new ConfigError(`tasks: ${folder} ${problem}; create it, or point tasks (--tasks, ORDO_TASKS) at a folder of .ts/.js task modules`, { dir: folder });
    }
    return registry;
  }
  for (const file of taskModuleFiles(folder)) {
    let exports: Record<string, unknown>;
    try {
      exports = await importModule(file);
    } catch (err) {
      throw new ConfigError(`tasks: could not load ${file}: ${(err as Error).message}`, { file });
    }
    registry.addModule(basename(file, extname(file)), exports, file);
  }
  return registry;
}
