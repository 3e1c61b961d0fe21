/**
 * A task's payload JSON Schema read as form fields: each top-level property of type string,
 * number, integer or boolean, or an enum, becomes an input of that kind, with its required
 * mark, description and default. Anything richer (nested objects, arrays, unions) is edited
 * as JSON in a textarea of its own, so every schema still gets a form.
 */

export type FieldKind = 'string' | 'number' | 'integer' | 'boolean' | 'enum' | 'json';

export interface SchemaField {
  name: string;
  kind: FieldKind;
  required: boolean;
  description: string | null;
  /** For `enum`: the values, in order (JSON values, shown as text). */
  options: readonly unknown[];
  minimum?: number;
  maximum?: number;
  /** The input's text when the form opens. */
  initial: string | boolean;
}

/** What the inputs hold: text per field, a boolean for checkboxes. */
export type FieldValues = Record<string, string | boolean>;

type Schema = Record<string, unknown>;

const isObject = (value: unknown): value is Schema => typeof value === 'object' && value !== null && !Array.isArray(value);

/** The form fields of a payload schema; null when it is not an object schema with properties (raw JSON then). */
export function fieldsOf(schema: unknown): SchemaField[] | null {
  if (!isObject(schema) || !isObject(schema.properties)) return null;
  const required = new Set(Array.isArray(schema.required) ? (schema.required as string[]) : []);
  return Object.entries(schema.properties).map(([name, property]) => fieldOf(name, isObject(property) ? property : {}, required.has(name)));
}

function fieldOf(name: string, property: Schema, required: boolean): SchemaField {
  const kind = kindOf(property);
  const options = kind === 'enum' ? enumValues(property) : [];
  const field: SchemaField = { name, kind, required, description: typeof property.description === 'string' ? property.description : null, options, initial: '' };
  if (typeof property.minimum === 'number') field.minimum = property.minimum;
  if (typeof property.maximum === 'number' && Math.abs(property.maximum) < Number.MAX_SAFE_INTEGER) field.maximum = property.maximum;
  field.initial = initialText(field, property.default);
  return field;
}

function enumValues(property: Schema): unknown[] {
  if (Array.isArray(property.enum)) return property.enum;
  return 'const' in property ? [property.const] : [];
}

function kindOf(property: Schema): FieldKind {
  if (Array.isArray(property.enum) || 'const' in property) return 'enum';
  switch (property.type) {
    case 'string':
    case 'number':
    case 'integer':
    case 'boolean':
      return property.type;
    default:
      return 'json';
  }
}

function initialText(field: SchemaField, value: unknown): string | boolean {
  if (field.kind === 'boolean') return value === true;
  if (value === undefined) return '';
  if (field.kind === 'enum') return String(Math.max(field.options.findIndex((option) => option === value), 0));
  if (field.kind === 'json') return JSON.stringify(value, null, 2);
  return String(value);
}

/** The inputs' values when the form opens: each field's default. */
export function initialValues(fields: readonly SchemaField[]): FieldValues {
  return Object.fromEntries(fields.map((field) => [field.name, field.initial]));
}

/** A payload object put into the inputs (when leaving the raw JSON editor); fields it lacks are left empty. */
export function valuesFrom(fields: readonly SchemaField[], payload: Record<string, unknown>): FieldValues {
  return Object.fromEntries(
    fields.map((field) => {
      const value = payload[field.name];
      if (value === undefined) return [field.name, field.kind === 'boolean' ? false : ''];
      return [field.name, initialText(field, value)];
    }),
  );
}

/**
 * The payload the inputs describe, and the inputs that cannot be read (a number that is
 * not one, JSON that does not parse, a required field left empty), by field name. Empty
 * optional inputs are left out of the payload, so the task's defaults apply.
 */
export function payloadFrom(fields: readonly SchemaField[], values: FieldValues): { payload: Record<string, unknown>; errors: Record<string, string> } {
  const payload: Record<string, unknown> = {};
  const errors: Record<string, string> = {};
  for (const field of fields) {
    const raw = values[field.name] ?? field.initial;
    if (field.kind === 'boolean') {
      payload[field.name] = raw === true;
      continue;
    }
    const text = String(raw);
    if (text.trim() === '' && field.kind !== 'enum') {
      if (field.required) errors[field.name] = `${field.name}: required`;
      continue;
    }
    const read = readField(field, text);
    if ('error' in read) errors[field.name] = read.error;
    else if (read.value !== undefined) payload[field.name] = read.value;
  }
  return { payload, errors };
}

function readField(field: SchemaField, text: string): { value: unknown } | { error: string } {
  switch (field.kind) {
    case 'number':
    case 'integer': {
      const value = Number(text);
      if (!Number.isFinite(value)) return { error: `${field.name}: expected a number, received ${JSON.stringify(text)}` };
      if (field.kind === 'integer' && !Number.isInteger(value)) return { error: `${field.name}: expected a whole number, received ${text}` };
      return { value };
    }
    case 'enum':
      // The select's value is the option's index ('' for none): enum values need not be text.
      if (text === '') return field.required ? { error: `${field.name}: required` } : { value: undefined };
      return { value: field.options[Number(text)] };
    case 'json':
      try {
        return { value: JSON.parse(text) };
      } catch (err) {
        return { error: `${field.name}: expected JSON, ${(err as Error).message}` };
      }
    default:
      return { value: text };
  }
}
