/**
 * Locations in settings: a folder or a SQLite file is resolved against a base folder (the
 * working folder for flags and environment, the config file's folder for the file); URLs
 * (`postgres://`, `sqlite:`) are kept as written.
 */
import { isAbsolute, resolve } from 'node:path';

const URL_LIKE = /^[a-z][a-z0-9+.-]*:/i;

/** `location` made absolute against `base`, unless it is a URL or already absolute. */
export function resolveLocation(base: string, location: string): string {
  if (URL_LIKE.test(location) || isAbsolute(location)) return location;
  return resolve(base, location);
}
