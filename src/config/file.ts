/**
 * Finds and reads the optional config file of a project folder: `ordo.config.json`, or
 * `ordo.config.ts` (compiled on the fly by tsx, default export). Relative paths in the file
 * are relative to the file, not to wherever the command was started.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { ConfigError } from '../core/errors.js';
import { checkFileSettings, type FileSettings } from './file-schema.js';
import { resolveLocation } from './paths.js';

export const CONFIG_FILES = ['ordo.config.json', 'ordo.config.ts'] as const;

/** A loaded config file: its path and its settings, with `db` and `tasks` made absolute. */
export interface LoadedFile {
  path: string;
  settings: FileSettings;
}

/** The config file of `dir`, if there is one; both at once is an error (which one would win?). */
export async function loadConfigFile(dir: string): Promise<LoadedFile | null> {
  const present = CONFIG_FILES.map((name) => join(dir, name)).filter((path) => existsSync(path));
  if (present.length === 0) return null;
  if (present.length > 1) throw new ConfigError(`${present.join(' and ')}: found both; keep one config file`, { files: present });
  const path = present[0]!;
  const settings = checkFileSettings(path, path.endsWith('.ts') ? await readTs(path) : readJson(path));
  const base = dirname(path);
  if (settings.tasks !== undefined) settings.tasks = resolveLocation(base, settings.tasks);
  if (settings.db !== undefined) settings.db = resolveLocation(base, settings.db);
  return { path, settings };
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new ConfigError(`${path}: not valid JSON (${(err as Error).message}); fix or remove the file`, { file: path });
  }
}

async function readTs(path: string): Promise<unknown> {
  let loaded: Record<string, unknown>;
  try {
    const { tsImport } = await import('tsx/esm/api');
    loaded = (await tsImport(pathToFileURL(path).href, import.meta.url)) as Record<string, unknown>;
  } catch (err) {
    throw new ConfigError(`${path}: could not load (${(err as Error).message}); fix or remove the file`, { file: path });
  }
  // Outside an ESM package tsx compiles the file to CommonJS: its exports then sit under `default`.
  const inner = loaded.default as Record<string, unknown> | undefined;
  const exports = inner && typeof inner === 'object' && inner.__esModule === true ? inner : loaded;
  if (!('default' in exports)) throw new ConfigError(`${path}: expected a default export of settings, such as export default { tasks: './tasks' }`, { file: path });
  return exports.default;
}
