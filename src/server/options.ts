/**
 * The server's settings and their defaults, resolved and checked in one place: where it
 * listens, how big a body may be, whether tokens are required, and the timings of its
 * token cache, event-stream heartbeats and shutdown.
 */
import { ValidationError } from '../core/errors.js';

/** Where `ordo server` and `ordo dev` listen unless told otherwise. */
export const DEFAULT_PORT = 7000;
/** Loopback by default: exposing the API is a choice the operator makes with `--host`. */
export const DEFAULT_HOST = '127.0.0.1';
/** Largest request body: 1 MiB holds a batch of 1,000 ordinary jobs. */
export const DEFAULT_BODY_LIMIT = 1_048_576;
/** How long a verified token is trusted before it is read again (so a revocation takes effect within this). */
export const DEFAULT_TOKEN_CACHE_MS = 5_000;
/** A comment line on every event stream this often keeps proxies from closing an idle one. */
export const DEFAULT_HEARTBEAT_MS = 15_000;
/** What a 503 asks the caller to wait before trying again. */
export const RETRY_AFTER_SECONDS = 5;
/** On shutdown, how long in-flight requests may take before their connections are cut. */
export const DEFAULT_SHUTDOWN_GRACE_MS = 10_000;

const SIZE_UNITS: Record<string, number> = { '': 1, b: 1, kb: 1024, k: 1024, mb: 1024 ** 2, m: 1024 ** 2, gb: 1024 ** 3, g: 1024 ** 3 };
const MAX_BODY_LIMIT = 1024 ** 3;

/** A byte size such as `1mb`, `512kb` or `2048` (bytes); 1 kb is 1024 bytes. */
export function parseByteSize(input: string | number, field = 'bodyLimit'): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(String(input));
  const unit = match ? SIZE_UNITS[match[2]!.toLowerCase()] : undefined;
  const bytes = match && unit !== undefined ? Math.floor(Number(match[1]) * unit) : NaN;
  if (!Number.isSafeInteger(bytes) || bytes < 1 || bytes > MAX_BODY_LIMIT) {
    throw new ValidationError(field, 'a size from 1 byte to 1gb, such as 1mb, 512kb or 2048', input);
  }
  return bytes;
}

/** True for names and addresses that only this machine can reach. */
export function isLoopback(host: string): boolean {
  const name = host.trim().toLowerCase().replace(/^\[|\]$/g, '');
  return name === 'localhost' || name === '::1' || /^127(\.\d{1,3}){3}$/.test(name) || name === '::ffff:127.0.0.1';
}

/** A port to listen on: 0 picks a free one. */
export function checkPort(port: unknown, field = 'port'): number {
  const n = typeof port === 'string' && /^\d+$/.test(port) ? Number(port) : port;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 65_535) {
    throw new ValidationError(field, 'a port number from 0 to 65535 (0: any free port)', port);
  }
  return n;
}
