/**
 * The package's version, read from its package.json (two folders up from both `src/cli/`
 * and `dist/cli/`), for `ordo --version`.
 */
import { readFileSync } from 'node:fs';

export function packageVersion(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}
