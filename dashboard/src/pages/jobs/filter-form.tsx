/**
 * The jobs filter as a form. It edits a draft; "Apply" (or Enter) checks what the browser
 * can check (JSON objects, dates) and puts the filter in the URL, which the page follows.
 * Errors show under their field, including those the server names.
 */
import type { ComponentChildren } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { JOB_STATES } from '../../api.js';
import { checkFilter, EMPTY_FILTER, isoToLocalInput, localInputToIso, type JobFilter } from './filter.js';

export type FieldErrors = Partial<Record<keyof JobFilter, string>>;

export interface FilterFormProps {
  filter: JobFilter;
  /** An error the server named a field for (a bad filter value). */
  serverErrors: FieldErrors;
  queues: readonly string[];
  tasks: readonly string[];
  onApply(filter: JobFilter): void;
}

type TextField = 'queue' | 'task' | 'worker' | 'q' | 'resultQ';

export function FilterForm({ filter, serverErrors, queues, tasks, onApply }: FilterFormProps) {
  const [draft, setDraft] = useState(filter);
  const [errors, setErrors] = useState<FieldErrors>({});
  useEffect(() => {
    setDraft(filter);
    setErrors({});
  }, [filter]);
  const shown: FieldErrors = { ...serverErrors, ...errors };
  const set = (key: keyof JobFilter, value: string) => setDraft({ ...draft, [key]: value });

  const text = (key: TextField, label: string, list?: string) => (
    <Field id={`filter-${key}`} label={label} error={shown[key]}>
      <input id={`filter-${key}`} type="search" list={list} value={draft[key]} onInput={(e) => set(key, e.currentTarget.value)} {...invalid(key, shown)} />
    </Field>
  );
  const json = (key: 'payloadContains' | 'resultContains', label: string) => (
    <Field id={`filter-${key}`} label={label} error={shown[key]} wide>
      <textarea id={`filter-${key}`} rows={2} placeholder='{"customer": 42}' spellcheck={false} value={draft[key]} onInput={(e) => set(key, e.currentTarget.value)} {...invalid(key, shown)} />
    </Field>
  );
  const time = (key: 'createdFrom' | 'createdTo', label: string) => (
    <Field id={`filter-${key}`} label={label} error={shown[key]}>
      <input id={`filter-${key}`} type="datetime-local" value={isoToLocalInput(draft[key])} onInput={(e) => set(key, localInputToIso(e.currentTarget.value))} {...invalid(key, shown)} />
    </Field>
  );

  return (
    <form
      class="card filters"
      aria-label="Filter jobs"
      noValidate
      onSubmit={(event) => {
        event.preventDefault();
        const found = checkFilter(draft);
        setErrors(found);
        const first = Object.keys(found)[0];
        if (first) document.getElementById(`filter-${first}`)?.focus();
        else onApply(draft);
      }}
    >
      <fieldset>
        <legend>State</legend>
        {JOB_STATES.map((state) => (
          <label key={state}>
            <input
              type="checkbox"
              name="state"
              value={state}
              checked={draft.state.includes(state)}
              onChange={(e) => setDraft({ ...draft, state: e.currentTarget.checked ? JOB_STATES.filter((s) => s === state || draft.state.includes(s)) : draft.state.filter((s) => s !== state) })}
            />
            {state}
          </label>
        ))}
      </fieldset>
      {text('queue', 'Queue', 'known-queues')}
      {text('task', 'Task', 'known-tasks')}
      {text('worker', 'Worker')}
      {time('createdFrom', 'Created from')}
      {time('createdTo', 'Created to')}
      {text('q', 'Text in payload')}
      {text('resultQ', 'Text in result')}
      {json('payloadContains', 'Payload contains (JSON)')}
      {json('resultContains', 'Result contains (JSON)')}
      <datalist id="known-queues">{queues.map((q) => <option key={q} value={q} />)}</datalist>
      <datalist id="known-tasks">{tasks.map((t) => <option key={t} value={t} />)}</datalist>
      <div class="actions">
        <button type="submit" class="primary">
          Apply filters
        </button>
        <button type="button" onClick={() => onApply(EMPTY_FILTER)}>
          Clear filters
        </button>
      </div>
    </form>
  );
}

function invalid(key: keyof JobFilter, errors: FieldErrors) {
  return errors[key] ? { 'aria-invalid': true, 'aria-describedby': `filter-${key}-error` } : {};
}

function Field({ id, label, error, wide, children }: { id: string; label: string; error: string | undefined; wide?: boolean; children: ComponentChildren }) {
  return (
    <div class={`field${wide ? ' wide' : ''}`}>
      <label for={id}>{label}</label>
      {children}
      {error && (
        <p class="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}
