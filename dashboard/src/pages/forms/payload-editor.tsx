/**
 * A payload, edited either through the inputs generated from the task's schema or as raw
 * JSON (the only way when the task has no schema, a toggle otherwise). Switching carries
 * what was typed across, so nothing is lost by looking at the JSON.
 */
import { Field, valueOf } from './field.js';
import { SchemaForm } from './schema-form.js';
import { fieldsOf, initialValues, payloadFrom, valuesFrom, type FieldValues, type SchemaField } from './schema.js';

export interface PayloadState {
  /** Null: the task has no schema the form can show; raw JSON only. */
  fields: SchemaField[] | null;
  mode: 'form' | 'json';
  values: FieldValues;
  raw: string;
  /** Why switching to the form failed (the JSON is not an object). */
  switchError: string | null;
}

/** The `''` key: an error about the payload as a whole. */
export type PayloadErrors = Record<string, string>;

export function payloadStateFor(schema: unknown): PayloadState {
  const fields = fieldsOf(schema);
  return { fields, mode: fields ? 'form' : 'json', values: fields ? initialValues(fields) : {}, raw: '{}', switchError: null };
}

/** The payload to send, or the errors that keep it from being read (by field name; `''` for the whole). */
export function readPayload(state: PayloadState): { payload: unknown; errors: PayloadErrors } {
  if (state.mode === 'form' && state.fields) return payloadFrom(state.fields, state.values);
  try {
    return { payload: state.raw.trim() === '' ? {} : JSON.parse(state.raw), errors: {} };
  } catch (err) {
    return { payload: undefined, errors: { '': `payload: expected JSON, ${(err as Error).message}` } };
  }
}

function toggled(state: PayloadState): PayloadState {
  if (!state.fields) return state;
  if (state.mode === 'form') {
    const { payload } = payloadFrom(state.fields, state.values);
    return { ...state, mode: 'json', raw: JSON.stringify(payload, null, 2), switchError: null };
  }
  try {
    const parsed: unknown = JSON.parse(state.raw || '{}');
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new Error('the payload must be a JSON object');
    return { ...state, mode: 'form', values: valuesFrom(state.fields, parsed as Record<string, unknown>), switchError: null };
  } catch (err) {
    return { ...state, switchError: `Cannot show this JSON as a form: ${(err as Error).message}` };
  }
}

export interface PayloadEditorProps {
  state: PayloadState;
  onChange: (state: PayloadState) => void;
  errors: PayloadErrors;
}

export function PayloadEditor({ state, onChange, errors }: PayloadEditorProps) {
  const whole = errors[''] ?? state.switchError;
  return (
    <fieldset class="payload">
      <legend>Payload</legend>
      {state.fields && (
        <div class="toolbar">
          <button type="button" aria-pressed={state.mode === 'json'} onClick={() => onChange(toggled(state))}>
            {state.mode === 'form' ? 'Edit as JSON' : 'Edit as form'}
          </button>
        </div>
      )}
      {state.mode === 'form' && state.fields ? (
        <>
          {state.fields.length === 0 && <p class="muted">This task's payload has no fields.</p>}
          {whole && (
            <p class="error" id="payload-error">
              {whole}
            </p>
          )}
          <SchemaForm fields={state.fields} values={state.values} onChange={(values) => onChange({ ...state, values })} errors={errors} idPrefix="payload-" />
        </>
      ) : (
        <Field id="payload-json" label="Payload (JSON)" hint={state.fields ? undefined : 'This task declares no schema: any JSON object.'} error={whole}>
          {(control) => <textarea {...control} class="code" rows={8} spellcheck={false} value={state.raw} onInput={(e) => onChange({ ...state, raw: valueOf(e) })} />}
        </Field>
      )}
    </fieldset>
  );
}
