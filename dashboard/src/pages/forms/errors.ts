/**
 * Where an error from the API belongs on a form. The server names the field at fault
 * (`ApiError.field`: `cron`, `delay`, `payload.email`); a payload refused by a task's schema
 * is named as a whole (`payload of task signup`) with one "path: reason" per bad property in
 * the message, which is split here so each reason lands next to its own input.
 */
import { ApiError } from '../../api.js';

export interface FormErrors {
  /** By the form's own field id. */
  fields: Record<string, string>;
  /** What belongs to no field (a refused scope, a conflict, the server down). */
  form: string | null;
}

export const NO_ERRORS: FormErrors = { fields: {}, form: null };

export function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/**
 * Splits `err` by field: `fields` maps the API's field names to the form's field ids
 * (`{ cron: 'cron', 'cron | every | at': 'cron' }`); `payload` (when given) claims every
 * error about the payload.
 */
export function errorsFor(err: unknown, fields: Record<string, string>, payload?: (err: ApiError) => Record<string, string> | null): FormErrors {
  if (!(err instanceof ApiError) || !err.field) return { fields: {}, form: messageOf(err) };
  const own = fields[err.field];
  if (own) return { fields: { [own]: err.message }, form: null };
  const split = payload?.(err);
  if (split) return { fields: split, form: null };
  return { fields: {}, form: messageOf(err) };
}

const escape = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * The reasons a payload was refused, by top-level property (`payload.email` → `email`;
 * `email: Invalid email address` in the message → `email`), under `prefix` + property; the
 * whole message under `prefix` alone when no property is named. Null when the error is not
 * about the payload.
 */
export function payloadErrors(err: ApiError, properties: readonly string[], prefix: string): Record<string, string> | null {
  const field = err.field ?? '';
  if (!/^payload(\.|$| of task )/.test(field)) return null;
  const dotted = /^payload\.([^.[\]]+)/.exec(field);
  if (dotted && properties.includes(dotted[1]!)) return { [prefix + dotted[1]]: err.message };
  const found: Record<string, string> = {};
  for (const name of properties) {
    // "received {…}. email: Invalid email; count: Too small" — the reasons follow the value.
    const matches = [...err.message.matchAll(new RegExp(`(?:^|[.;] )${escape(name)}(?:\\.[^:;]*)?: ([^;]+)`, 'g'))];
    const last = matches.at(-1);
    if (last) found[prefix + name] = last[1]!.trim();
  }
  return Object.keys(found).length > 0 ? found : { [prefix]: err.message };
}
