/**
 * The inputs of a payload, one per schema field (see schema.ts), each with its label,
 * description as hint, required mark, and its error next to it.
 */
import type { FieldControl } from './field.js';
import { Field, valueOf } from './field.js';
import type { FieldValues, SchemaField } from './schema.js';

export interface SchemaFormProps {
  fields: readonly SchemaField[];
  values: FieldValues;
  onChange: (values: FieldValues) => void;
  /** By field name. */
  errors: Record<string, string>;
  /** Prefix of the inputs' ids (`payload-` → `payload-email`). */
  idPrefix: string;
}

export function SchemaForm({ fields, values, onChange, errors, idPrefix }: SchemaFormProps) {
  const set = (name: string, value: string | boolean): void => onChange({ ...values, [name]: value });
  return (
    <div class="schema-form">
      {fields.map((field) => (
        <Field
          key={field.name}
          id={idPrefix + field.name}
          label={field.name}
          required={field.required}
          hint={hintOf(field)}
          error={errors[field.name] ?? null}
          inline={field.kind === 'boolean'}
        >
          {(control) => <Control field={field} control={control} value={values[field.name] ?? field.initial} set={(value) => set(field.name, value)} />}
        </Field>
      ))}
    </div>
  );
}

function hintOf(field: SchemaField): string | undefined {
  const parts = [field.description, field.kind === 'json' ? 'JSON' : null].filter(Boolean);
  return parts.length > 0 ? parts.join(' · ') : undefined;
}

function Control({ field, control, value, set }: { field: SchemaField; control: FieldControl; value: string | boolean; set: (value: string | boolean) => void }) {
  switch (field.kind) {
    case 'boolean':
      return <input type="checkbox" {...control} checked={value === true} onChange={(e) => set((e.currentTarget as HTMLInputElement).checked)} />;
    case 'enum':
      return (
        <select {...control} value={String(value)} onChange={(e) => set(valueOf(e))}>
          <option value="" disabled={field.required}>
            {field.required ? 'Choose…' : '(none)'}
          </option>
          {field.options.map((option, index) => (
            <option value={String(index)}>{typeof option === 'string' ? option : JSON.stringify(option)}</option>
          ))}
        </select>
      );
    case 'json':
      return <textarea {...control} class="code" rows={4} spellcheck={false} value={String(value)} onInput={(e) => set(valueOf(e))} />;
    case 'number':
    case 'integer':
      return <input type="number" inputMode={field.kind === 'integer' ? 'numeric' : 'decimal'} step={field.kind === 'integer' ? 1 : 'any'} min={field.minimum} max={field.maximum} {...control} value={String(value)} onInput={(e) => set(valueOf(e))} />;
    default:
      return <input type="text" {...control} value={String(value)} onInput={(e) => set(valueOf(e))} />;
  }
}
