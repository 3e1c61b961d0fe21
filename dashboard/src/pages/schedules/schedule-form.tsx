/**
 * Create or edit a schedule: the job it enqueues (task, payload, queue), its timing with a
 * live preview, and its misfire and overlap policies. Saving sends the whole definition;
 * the server's error lands next to the input it names, and nothing is saved.
 */
import { useState } from 'preact/hooks';
import { api } from '../../api.js';
import { errorsFor, NO_ERRORS, type FormErrors } from '../forms/errors.js';
import { Field, valueOf } from '../forms/field.js';
import type { ScheduleDetail, TaskInfo } from '../../api.js';
import { inputOf, LOCAL_ZONE, timingBody, type TimingInput } from './timing.js';
import { TimingFields } from './timing-fields.js';

const MISFIRE = [
  ['once', 'once: one fire for all it missed'],
  ['skip', 'skip: none, wait for the next'],
  ['all', 'all: every missed fire (up to the limit)'],
] as const;
const OVERLAP = [
  ['allow', 'allow: fire anyway'],
  ['skip', 'skip: no fire while the last job runs'],
  ['queue', 'queue: fire after the last job ends'],
] as const;

/** API fields shown by this form's inputs (the timing ones by TimingFields). */
const FIELDS: Record<string, string> = { name: 'name', task: 'task', payload: 'payload', queue: 'queue', misfire: 'misfire', overlap: 'overlap', cron: 'cron', every: 'every', at: 'at', tz: 'tz', 'cron | every | at': 'cron | every | at' };

export interface ScheduleFormProps {
  tasks: TaskInfo[];
  /** Absent: a new schedule. */
  schedule?: ScheduleDetail;
  onSaved: (saved: ScheduleDetail) => void;
}

export function ScheduleForm({ tasks, schedule, onSaved }: ScheduleFormProps) {
  const [name, setName] = useState('');
  const [task, setTask] = useState(schedule?.job.task ?? tasks.find((t) => t.source !== 'built-in')?.name ?? tasks[0]?.name ?? '');
  const [payload, setPayload] = useState(schedule ? JSON.stringify(schedule.job.payload ?? {}, null, 2) : '{}');
  const [queue, setQueue] = useState(schedule?.job.queue ?? '');
  const [timing, setTiming] = useState<TimingInput>(schedule ? inputOf(schedule.timing) : { kind: 'cron', cron: '', every: '', at: '', tz: LOCAL_ZONE });
  const [misfire, setMisfire] = useState<string>(schedule?.misfire ?? 'once');
  const [overlap, setOverlap] = useState<string>(schedule?.overlap ?? 'allow');
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const known = tasks.some((t) => t.name === task);

  const save = async (event: Event): Promise<void> => {
    event.preventDefault();
    const body = buildBody();
    if (!body) return;
    setBusy(true);
    try {
      const saved = schedule
        ? await api<ScheduleDetail>('PATCH', `/schedules/${encodeURIComponent(schedule.name)}`, { body })
        : await api<ScheduleDetail>('POST', '/schedules', { body: { name: name.trim(), ...body } });
      setErrors(NO_ERRORS);
      onSaved(saved);
    } catch (err) {
      setErrors(errorsFor(err, FIELDS, (e) => (/^payload/.test(e.field ?? '') ? { payload: e.message } : null)));
    } finally {
      setBusy(false);
    }
  };

  /** The definition to send, or null after showing which inputs keep it from being sent. */
  const buildBody = (): Record<string, unknown> | null => {
    const fields: Record<string, string> = {};
    let parsed: unknown;
    try {
      parsed = JSON.parse(payload.trim() || '{}');
    } catch (err) {
      fields.payload = `payload: expected JSON, ${(err as Error).message}`;
    }
    const when = timingBody(timing);
    if (!when) fields[timing.kind] = `${timing.kind}: required`;
    if (!schedule && !name.trim()) fields.name = 'name: required, such as nightly-report';
    if (!task) fields.task = 'task: choose a task';
    setErrors({ fields, form: null });
    if (Object.keys(fields).length > 0) return null;
    return { task, payload: parsed, ...(queue.trim() ? { queue: queue.trim() } : {}), ...when, misfire, overlap };
  };

  return (
    <form class="card schedule-form" noValidate onSubmit={save} aria-labelledby="schedule-form-title">
      <h2 id="schedule-form-title">{schedule ? 'Edit schedule' : 'New schedule'}</h2>
      {!schedule && (
        <Field id="schedule-name" label="Name" required hint="Letters, digits and _ . : - such as nightly-report" error={errors.fields.name}>
          {(control) => <input type="text" {...control} autoComplete="off" spellcheck={false} value={name} onInput={(e) => setName(valueOf(e))} />}
        </Field>
      )}
      <div class="grid">
        <Field id="schedule-task" label="Task" required error={errors.fields.task}>
          {(control) => (
            <select {...control} value={task} onChange={(e) => setTask(valueOf(e))}>
              {!known && <option value={task}>{task || 'Choose a task'}</option>}
              {tasks.map((t) => (
                <option value={t.name}>{t.name}</option>
              ))}
            </select>
          )}
        </Field>
        <Field id="schedule-queue" label="Queue" hint="Default: the task's queue" error={errors.fields.queue}>
          {(control) => <input type="text" {...control} autoComplete="off" placeholder={tasks.find((t) => t.name === task)?.queue} value={queue} onInput={(e) => setQueue(valueOf(e))} />}
        </Field>
      </div>
      <Field id="schedule-payload" label="Payload (JSON)" hint="The payload of every job it enqueues" error={errors.fields.payload}>
        {(control) => <textarea {...control} class="code" rows={5} spellcheck={false} value={payload} onInput={(e) => setPayload(valueOf(e))} />}
      </Field>
      <TimingFields input={timing} onChange={setTiming} errors={errors.fields} />
      <div class="grid">
        <Policy id="schedule-misfire" label="Missed fires" value={misfire} onChange={setMisfire} choices={MISFIRE} error={errors.fields.misfire} />
        <Policy id="schedule-overlap" label="Overlap" value={overlap} onChange={setOverlap} choices={OVERLAP} error={errors.fields.overlap} />
      </div>
      {errors.form && (
        <p class="error" role="alert">
          {errors.form}
        </p>
      )}
      <div class="toolbar">
        <button type="submit" class="primary" disabled={busy}>
          {busy ? 'Saving…' : schedule ? 'Save changes' : 'Create schedule'}
        </button>
      </div>
    </form>
  );
}

function Policy({ id, label, value, onChange, choices, error }: { id: string; label: string; value: string; onChange: (v: string) => void; choices: readonly (readonly [string, string])[]; error?: string }) {
  return (
    <Field id={id} label={label} error={error}>
      {(control) => (
        <select {...control} value={value} onChange={(e) => onChange(valueOf(e))}>
          {choices.map(([choice, text]) => (
            <option value={choice}>{text}</option>
          ))}
        </select>
      )}
    </Field>
  );
}
