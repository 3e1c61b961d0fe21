/**
 * The timing part of the schedule form: cron, every or at, the zone, and the live preview
 * of the next fires in that zone (and in local time), or the server's reason next to the
 * input it is about.
 */
import { Field, valueOf } from '../forms/field.js';
import { formatLocal } from '../../components/format.js';
import { formatInZone, LOCAL_ZONE, zoneNames, type TimingInput, type TimingKind } from './timing.js';
import { usePreview, type Preview } from './use-preview.js';

const KINDS: { kind: TimingKind; label: string }[] = [
  { kind: 'cron', label: 'Cron' },
  { kind: 'every', label: 'Every' },
  { kind: 'at', label: 'Once, at' },
];

const ZONES = zoneNames();

export interface TimingFieldsProps {
  input: TimingInput;
  onChange: (input: TimingInput) => void;
  /** Errors from saving, by the API's field name. */
  errors: Record<string, string>;
}

export function TimingFields({ input, onChange, errors }: TimingFieldsProps) {
  const preview = usePreview(input);
  const errorOf = (field: string): string | undefined => errors[field] ?? (preview.error?.field === field ? preview.error.message : undefined);
  // "exactly one of cron, every or at" names no single field: it belongs to the input shown.
  const timingError = errorOf(input.kind) ?? errors['cron | every | at'] ?? (preview.error?.field === 'cron | every | at' ? preview.error.message : undefined);
  const set = (change: Partial<TimingInput>): void => onChange({ ...input, ...change });
  return (
    <fieldset class="timing">
      <legend>Timing</legend>
      <div class="choices">
        {KINDS.map(({ kind, label }) => (
          <label class="choice">
            <input type="radio" name="timing-kind" value={kind} checked={input.kind === kind} onChange={() => set({ kind })} /> {label}
          </label>
        ))}
      </div>
      {input.kind === 'cron' && (
        <Field id="schedule-cron" label="Cron expression" required hint="minute hour day-of-month month day-of-week, such as 0 9 * * 1-5 (also seconds first, and @daily)" error={timingError}>
          {(control) => <input type="text" class="code" {...control} autoComplete="off" spellcheck={false} value={input.cron} onInput={(e) => set({ cron: valueOf(e) })} />}
        </Field>
      )}
      {input.kind === 'every' && (
        <Field id="schedule-every" label="Interval" required hint="A duration of at least 1s, such as 30s, 5m or 1h30m" error={timingError}>
          {(control) => <input type="text" {...control} autoComplete="off" value={input.every} onInput={(e) => set({ every: valueOf(e) })} />}
        </Field>
      )}
      {input.kind === 'at' && (
        <Field id="schedule-at" label="Fire at" required hint="Your local time" error={timingError}>
          {(control) => <input type="datetime-local" step={1} {...control} value={input.at} onInput={(e) => set({ at: valueOf(e) })} />}
        </Field>
      )}
      <Field id="schedule-tz" label="Time zone" hint={`The zone the cron is read in. Yours: ${LOCAL_ZONE}`} error={errorOf('tz')}>
        {(control) => <input type="text" list="schedule-zones" {...control} autoComplete="off" spellcheck={false} value={input.tz} onInput={(e) => set({ tz: valueOf(e) })} />}
      </Field>
      <datalist id="schedule-zones">
        {ZONES.map((zone) => (
          <option value={zone} />
        ))}
      </datalist>
      <NextFires preview={preview} tz={input.tz.trim() || 'UTC'} />
    </fieldset>
  );
}

/** The previewed fires, announced politely as they change. */
export function NextFires({ preview, tz }: { preview: Pick<Preview, 'fires' | 'error' | 'pending'>; tz: string }) {
  const other = preview.error && !['cron', 'every', 'at', 'tz', 'cron | every | at'].includes(preview.error.field) ? preview.error.message : null;
  return (
    <section class="next-fires" aria-live="polite" aria-labelledby="next-fires-title" data-testid="next-fires">
      <h3 id="next-fires-title">Preview: next fires</h3>
      {other && <p class="error">{other}</p>}
      {preview.fires === null ? (
        <p class="muted">{preview.pending ? 'Checking…' : preview.error ? 'None: the timing is not valid.' : 'Type a timing to see when it fires.'}</p>
      ) : preview.fires.length === 0 ? (
        <p class="muted">No fires ahead.</p>
      ) : (
        <FireList fires={preview.fires} tz={tz} />
      )}
    </section>
  );
}

/** Fire times in the schedule's zone, with local time beside them when that is another zone. */
export function FireList({ fires, tz }: { fires: string[]; tz: string }) {
  return (
    <ol class="fires">
      {fires.map((iso) => {
        const at = new Date(iso);
        return (
          <li>
            <time dateTime={iso} title={iso}>
              {safeInZone(at, tz)}
            </time>
            {tz !== LOCAL_ZONE && <span class="muted"> · {formatLocal(at)} local</span>}
          </li>
        );
      })}
    </ol>
  );
}

/** In the zone when the browser knows it (the server may know zones this browser does not). */
function safeInZone(at: Date, tz: string): string {
  try {
    return `${formatInZone(at, tz)} (${tz})`;
  } catch {
    return `${at.toISOString()} (UTC)`;
  }
}
