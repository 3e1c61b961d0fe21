/**
 * When a job should run: now, after a delay (duration text, read by the server), or at a
 * local date and time (sent as ISO, so the server gets the instant the user meant).
 */
import { Field, valueOf } from './field.js';

export type When = { kind: 'now' } | { kind: 'delay'; delay: string } | { kind: 'at'; local: string };

/** The job options for `when`, or the error naming the input that is not filled in. */
export function whenOptions(when: When): { options: { delay?: string; runAt?: string }; error?: { field: 'delay' | 'runAt'; message: string } } {
  if (when.kind === 'delay') {
    if (when.delay.trim() === '') return { options: {}, error: { field: 'delay', message: 'delay: expected a duration such as 30s, 5m or 2h10m' } };
    return { options: { delay: when.delay.trim() } };
  }
  if (when.kind === 'at') {
    const at = new Date(when.local);
    if (when.local === '' || Number.isNaN(at.getTime())) return { options: {}, error: { field: 'runAt', message: 'runAt: expected a date and time' } };
    return { options: { runAt: at.toISOString() } };
  }
  return { options: {} };
}

const KINDS = [
  { kind: 'now', label: 'Now' },
  { kind: 'delay', label: 'After a delay' },
  { kind: 'at', label: 'At a time' },
] as const;

export function WhenFields({ when, onChange, errors }: { when: When; onChange: (when: When) => void; errors: Record<string, string> }) {
  const pick = (kind: When['kind']): void => onChange(kind === 'now' ? { kind } : kind === 'delay' ? { kind, delay: '' } : { kind, local: '' });
  return (
    <fieldset class="when">
      <legend>When</legend>
      <div class="choices">
        {KINDS.map(({ kind, label }) => (
          <label class="choice">
            <input type="radio" name="when" value={kind} checked={when.kind === kind} onChange={() => pick(kind)} /> {label}
          </label>
        ))}
      </div>
      {when.kind === 'delay' && (
        <Field id="enqueue-delay" label="Delay" required hint="A duration such as 30s, 5m, 2h10m or 1d" error={errors.delay}>
          {(control) => <input type="text" {...control} autoComplete="off" value={when.delay} onInput={(e) => onChange({ kind: 'delay', delay: valueOf(e) })} />}
        </Field>
      )}
      {when.kind === 'at' && (
        <Field id="enqueue-run-at" label="Run at" required hint="Your local time" error={errors.runAt}>
          {(control) => <input type="datetime-local" step={1} {...control} value={when.local} onInput={(e) => onChange({ kind: 'at', local: valueOf(e) })} />}
        </Field>
      )}
    </fieldset>
  );
}
