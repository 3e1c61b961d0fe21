/**
 * What the SQLite engine checks of a durable function's checkpoint write and of an emit
 * before any SQL: each field's type, the function's limits (`maxSteps`, `maxResultBytes`) and
 * the event's key and keep. A refused value is a ValidationError naming its field, the form
 * expected and the value received, so the function's author sees which limit a step hit.
 */
import { ValidationError } from '../../../core/errors.js';
import type { ErrorInfo, Json } from '../../../core/types.js';
import { CHECKPOINT_KINDS, CHECKPOINT_STATES, type CheckpointWrite } from '../../../core/workflow-types.js';
import { toRowId } from '../rows.js';

/** A checkpoint as its row's columns (JSON as text, times in ms, ids as INTEGERs). */
export interface CheckpointColumns {
  seq: number;
  name: string;
  kind: string;
  state: string;
  result: string | null;
  error: string | null;
  attempts: number;
  waitUntil: number | null;
  eventKey: string | null;
  childRunId: number | null;
}

export function checkpointColumns(checkpoint: CheckpointWrite, maxSteps: number, maxResultBytes: number): CheckpointColumns {
  if (!Number.isSafeInteger(maxSteps) || maxSteps < 1) throw new ValidationError('maxSteps', 'a whole number >= 1', maxSteps);
  if (!Number.isSafeInteger(maxResultBytes) || maxResultBytes < 1) throw new ValidationError('maxResultBytes', 'a whole number of bytes >= 1', maxResultBytes);
  const { seq, name, kind, state, attempts, waitUntil, eventKey, childRunId } = checkpoint;
  if (!Number.isSafeInteger(seq) || seq < 0 || seq >= maxSteps) {
    throw new ValidationError('checkpoint.seq', `a whole number from 0 to ${maxSteps - 1} (the function's maxSteps is ${maxSteps})`, seq);
  }
  if (typeof name !== 'string' || name.includes('\0')) throw new ValidationError('checkpoint.name', 'a string without NUL characters', name);
  if (!CHECKPOINT_KINDS.includes(kind)) throw new ValidationError('checkpoint.kind', `one of ${CHECKPOINT_KINDS.join(', ')}`, kind);
  if (!CHECKPOINT_STATES.includes(state)) throw new ValidationError('checkpoint.state', `one of ${CHECKPOINT_STATES.join(', ')}`, state);
  if (!Number.isSafeInteger(attempts) || attempts < 0) throw new ValidationError('checkpoint.attempts', 'a whole number >= 0', attempts);
  if (waitUntil !== null && !(waitUntil instanceof Date && Number.isFinite(waitUntil.getTime()))) {
    throw new ValidationError('checkpoint.waitUntil', 'a valid Date, or null', waitUntil);
  }
  if (eventKey !== null) checkEventKey(eventKey, 'checkpoint.eventKey');
  const childRow = childRunId === null ? null : toRowId(String(childRunId));
  if (childRunId !== null && childRow === null) throw new ValidationError('checkpoint.childRunId', 'a run id (a decimal number), or null', childRunId);
  return {
    seq,
    name,
    kind,
    state,
    result: limitedJson(checkpoint.result, 'checkpoint.result', maxResultBytes),
    error: limitedJson(checkpoint.error, 'checkpoint.error', maxResultBytes),
    attempts,
    waitUntil: waitUntil === null ? null : waitUntil.getTime(),
    eventKey,
    childRunId: childRow,
  };
}

/** An event key: a non-empty string without NUL. */
export function checkEventKey(key: unknown, field = 'key'): string {
  if (typeof key !== 'string' || key.length === 0 || key.includes('\0')) throw new ValidationError(field, 'a non-empty string without NUL characters', key);
  return key;
}

/** Longest keep: 100 years, as on PostgreSQL (whose timestamps bound it), so both engines refuse alike. */
const MAX_KEEP_MS = 100 * 365 * 24 * 60 * 60 * 1000;

/** How long an emitted event is kept: a whole number of milliseconds from 1 to MAX_KEEP_MS. */
export function checkKeep(keepMs: unknown): number {
  if (typeof keepMs !== 'number' || !Number.isSafeInteger(keepMs) || keepMs < 1 || keepMs > MAX_KEEP_MS) {
    throw new ValidationError('keepMs', `an integer of milliseconds from 1 to ${MAX_KEEP_MS}`, keepMs);
  }
  return keepMs;
}

/** An emitted event's payload as JSON text. */
export function payloadJson(payload: Json): string {
  const text = jsonText(payload);
  if (text === undefined) throw new ValidationError('payload', 'a JSON value', payload);
  return text;
}

function limitedJson(value: Json | ErrorInfo | null | undefined, field: string, maxBytes: number): string | null {
  if (value === undefined || value === null) return null;
  const text = jsonText(value);
  if (text === undefined) throw new ValidationError(field, 'a JSON value, or null', value);
  const bytes = Buffer.byteLength(text, 'utf8');
  if (bytes > maxBytes) {
    throw new ValidationError(field, `at most ${maxBytes} bytes of JSON (the function's maxResultBytes)`, `${bytes} bytes of JSON`);
  }
  return text;
}

function jsonText(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}
