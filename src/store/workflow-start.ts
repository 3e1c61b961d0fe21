/**
 * What both engines check of a workflowStart before any SQL, so they refuse the same input the
 * same way: the input must survive JSON as it is (a value JSON.stringify drops, such as
 * undefined or a function, is refused), and the trace id and unique key are text without NUL.
 */
import { ValidationError } from '../core/errors.js';
import type { Json } from '../core/types.js';
import type { WorkflowDefinition } from '../core/workflow-types.js';

/** workflowStart's parameters, without the caller's transaction (the engine has resolved it). */
export interface StartParams {
  readonly definition: WorkflowDefinition;
  readonly input: Json;
  readonly register?: boolean;
  readonly traceId?: string | null;
  readonly uniqueKey?: string | null;
}

/** The run's columns as the engines store them: the input as JSON text, absent texts as null. */
export interface StartColumns {
  readonly input: string;
  readonly traceId: string | null;
  readonly uniqueKey: string | null;
}

export function startColumns(params: StartParams): StartColumns {
  return {
    input: inputJson(params.input),
    traceId: optionalText(params.traceId, 'traceId'),
    uniqueKey: optionalText(params.uniqueKey, 'uniqueKey'),
  };
}

/** `value` as JSON text, or undefined when JSON cannot hold it (JSON.stringify throws, or drops it). */
function jsonText(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

function inputJson(input: Json): string {
  const text = jsonText(input);
  if (text === undefined) throw new ValidationError('input', 'a JSON value', input);
  return text;
}

function optionalText(value: string | null | undefined, field: string): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string' || value.includes('\0')) throw new ValidationError(field, 'a string without NUL characters, or null', value);
  return value;
}
