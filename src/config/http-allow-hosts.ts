/**
 * The hosts `http` jobs may reach: an operator's setting (`httpAllowHosts`, env
 * `ORDO_HTTP_ALLOW_HOSTS`), never a payload's, so whoever can enqueue cannot widen it. This
 * module owns the form of its entries and what they let through:
 *
 * - `api.example.com`: that host only; `*.example.com`: any host below example.com (not
 *   example.com itself: list both to allow both);
 * - an IP literal (`10.0.0.7`, `[::1]`) matches that address as written in the URL, after
 *   the URL parser's normalisation (`http://2130706433/` is `127.0.0.1`);
 * - `:port` limits an entry to one port (the scheme's default when the URL names none).
 *
 * An empty list allows any host. Names are compared as written, not resolved: a listed name
 * that resolves to an internal address is allowed.
 */
import { ValidationError } from '../core/errors.js';

interface HostRule {
  host: string;
  subdomains: boolean;
  port: number | null;
}

const LABEL = '[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?';
const ENTRY = new RegExp(`^(\\*\\.)?(\\[[0-9a-f:.]+\\]|${LABEL}(?:\\.${LABEL})*)(?::(\\d{1,5}))?$`);
const EXPECTED = 'host names such as api.example.com, *.example.com or localhost:8080 (comma-separated in text)';

/** The entries of a setting (a list, or comma-separated text), checked and lower-cased. */
export function checkAllowHosts(value: string | readonly string[], field: string): string[] {
  const entries = typeof value === 'string' ? value.split(',') : value;
  if (!Array.isArray(entries)) throw new ValidationError(field, EXPECTED, value);
  const normalised = entries.map((entry) => (typeof entry === 'string' ? entry.trim().toLowerCase() : entry)).filter((entry) => entry !== '');
  for (const entry of normalised) parseRule(entry, field);
  return normalised as string[];
}

function parseRule(entry: unknown, field: string): HostRule {
  const match = typeof entry === 'string' ? ENTRY.exec(entry) : null;
  const port = match?.[3] === undefined ? null : Number(match[3]);
  if (!match || (match[1] && match[2]!.startsWith('[')) || (port !== null && (port < 1 || port > 65_535))) {
    throw new ValidationError(field, EXPECTED, entry);
  }
  return { host: match[2]!, subdomains: match[1] !== undefined, port };
}

/** Whether `url` may be requested under `entries` (checked by `checkAllowHosts`); an empty list allows all. */
export function allowHostsMatcher(entries: readonly string[]): (url: URL) => boolean {
  if (entries.length === 0) return () => true;
  const rules = entries.map((entry) => parseRule(entry, 'httpAllowHosts'));
  return (url) => {
    // `example.com.` names the same host as `example.com`.
    const host = url.hostname.toLowerCase().replace(/\.$/, '');
    const port = url.port === '' ? (url.protocol === 'https:' ? 443 : 80) : Number(url.port);
    return rules.some((rule) => (rule.port === null || rule.port === port) && (rule.subdomains ? host.endsWith(`.${rule.host}`) : host === rule.host));
  };
}
