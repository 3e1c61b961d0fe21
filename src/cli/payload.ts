/**
 * Payloads from the command line: one JSON argument, several tokens a shell split apart
 * (joined again), or a file holding one JSON object or JSON Lines (one object per line).
 * Anything but a JSON object is refused with what was received and the form expected.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ValidationError } from '../core/errors.js';
import type { JsonObject } from '../core/types.js';

const EXPECTED = 'a JSON object such as \'{"email":"a@b.com","message":"hi"}\'';

function parseObject(text: string, field: string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new ValidationError(field, EXPECTED, text, `It is not valid JSON (${(err as Error).message}); quote the whole object for your shell`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ValidationError(field, EXPECTED, value, 'Wrap the values in an object with named fields');
  }
  return value as JsonObject;
}

/** The payload given as arguments (`[]` → `{}`). */
export function payloadFromArgs(tokens: readonly string[]): JsonObject {
  if (tokens.length === 0) return {};
  return parseObject(tokens.join(' '), 'payload');
}

/** A payload read from a file, with where it came from (`FILE line N`) for error messages. */
export interface FilePayload {
  payload: JsonObject;
  where: string;
}

/** The payloads of a file: one JSON object, or JSON Lines. */
export function payloadsFromFile(file: string, from: { cwd: string; readStdin(): string }): FilePayload[] {
  let text: string;
  try {
    // `-f -` reads standard input, so payloads can be piped in.
    text = file === '-' ? from.readStdin() : readFileSync(resolve(from.cwd, file), 'utf8');
  } catch (err) {
    throw new ValidationError('-f', 'a readable file of JSON objects (one object, or one per line)', file, (err as NodeJS.ErrnoException).code ?? String(err));
  }
  const trimmed = text.trim();
  if (trimmed === '') throw new ValidationError('-f', 'a file with at least one JSON object', `${file} (empty)`);
  try {
    const whole: unknown = JSON.parse(trimmed);
    if (typeof whole !== 'object' || whole === null || Array.isArray(whole)) {
      throw new ValidationError(`${file}`, `${EXPECTED}, or JSON Lines (one object per line)`, whole);
    }
    return [{ payload: whole as JsonObject, where: file }];
  } catch (err) {
    if (err instanceof ValidationError) throw err;
  }
  const payloads: FilePayload[] = [];
  text.split('\n').forEach((line, index) => {
    if (line.trim() === '') return;
    const where = `${file} line ${index + 1}`;
    payloads.push({ payload: parseObject(line, where), where });
  });
  return payloads;
}

