/**
 * Enqueue a job from the page: pick a task, fill in its payload (a form generated from the
 * task's schema, or raw JSON), and choose its queue, priority and when it runs. The server
 * checks everything again; its errors are shown next to the input they name.
 */
import { useLocation } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { api, type EnqueueBody, type InsertResult, type TaskInfo } from '../api.js';
import { usePageTitle, useResource } from '../components/hooks.js';
import { can, type PageProps } from '../context.js';
import { errorsFor, NO_ERRORS, payloadErrors, type FormErrors } from './forms/errors.js';
import { Field, valueOf } from './forms/field.js';
import { PayloadEditor, payloadStateFor, readPayload, type PayloadState } from './forms/payload-editor.js';
import { whenOptions, WhenFields, type When } from './forms/when-fields.js';
import './pages.css';

/** API field → the id of the input showing its error (payload fields are split apart by `payloadErrors`). */
const OPTION_FIELDS: Record<string, string> = { task: 'task', queue: 'queue', priority: 'priority', delay: 'delay', runAt: 'runAt' };

export function EnqueuePage({ session }: PageProps) {
  usePageTitle('Enqueue');
  const tasks = useResource(() => api<{ tasks: TaskInfo[] }>('GET', '/tasks').then((answer) => answer.tasks), []);
  return (
    <section class="page enqueue-page">
      <h1>Enqueue a job</h1>
      {!can(session, 'write') ? (
        <p class="card">Enqueueing needs a token with the write scope; this session's token can only read. Ask an operator for a write token.</p>
      ) : tasks.error ? (
        <p class="error" role="alert">Could not load the tasks: {tasks.error.message}</p>
      ) : tasks.data ? (
        <EnqueueForm tasks={tasks.data} />
      ) : (
        <p class="muted">Loading tasks…</p>
      )}
    </section>
  );
}

function EnqueueForm({ tasks }: { tasks: TaskInfo[] }) {
  const { query } = useLocation();
  const [taskName, setTaskName] = useState(() => tasks.find((t) => t.name === query.task)?.name ?? tasks.find((t) => t.source !== 'built-in')?.name ?? tasks[0]?.name ?? '');
  const task = tasks.find((t) => t.name === taskName);
  const [payload, setPayload] = useState<PayloadState>(() => payloadStateFor(task?.payloadSchema));
  const [queue, setQueue] = useState('');
  const [priority, setPriority] = useState('');
  const [when, setWhen] = useState<When>({ kind: 'now' });
  const [errors, setErrors] = useState<FormErrors>(NO_ERRORS);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<InsertResult | null>(null);

  // A new task brings its own schema: its form replaces the last task's.
  useEffect(() => setPayload(payloadStateFor(task?.payloadSchema)), [taskName]);

  const submit = async (event: Event): Promise<void> => {
    event.preventDefault();
    setDone(null);
    const body = buildBody();
    if (!body) return;
    setBusy(true);
    try {
      setDone(await api<InsertResult>('POST', '/jobs', { body }));
      setErrors(NO_ERRORS);
    } catch (err) {
      setErrors(errorsFor(err, OPTION_FIELDS, (e) => payloadErrors(e, payload.fields?.map((f) => f.name) ?? [], 'payload.')));
    } finally {
      setBusy(false);
    }
  };

  /** The request body, or null after showing what keeps it from being sent. */
  const buildBody = (): EnqueueBody | null => {
    const read = readPayload(payload);
    const timing = whenOptions(when);
    const fields: Record<string, string> = Object.fromEntries(Object.entries(read.errors).map(([name, message]) => [`payload.${name}`, message]));
    if (timing.error) fields[timing.error.field] = timing.error.message;
    if (priority.trim() !== '' && !Number.isInteger(Number(priority))) fields.priority = `priority: expected a whole number, received ${priority}`;
    if (!taskName) fields.task = 'task: choose a task';
    setErrors({ fields, form: null });
    if (Object.keys(fields).length > 0) return null;
    return { task: taskName, payload: read.payload, ...(queue.trim() ? { queue: queue.trim() } : {}), ...(priority.trim() ? { priority: Number(priority) } : {}), ...timing.options };
  };

  const payloadFieldErrors = Object.fromEntries(Object.entries(errors.fields).filter(([key]) => key.startsWith('payload.')).map(([key, message]) => [key.slice('payload.'.length), message]));
  return (
    <form class="card enqueue-form" noValidate onSubmit={submit}>
      <Field id="enqueue-task" label="Task" required hint={task?.description ?? undefined} error={errors.fields.task}>
        {(control) => (
          <select {...control} value={taskName} onChange={(e) => setTaskName(valueOf(e))}>
            {tasks.length === 0 && <option value="">No tasks known</option>}
            {tasks.map((t) => (
              <option value={t.name}>{t.name}</option>
            ))}
          </select>
        )}
      </Field>
      <PayloadEditor state={payload} onChange={setPayload} errors={payloadFieldErrors} />
      <fieldset class="options grid">
        <legend>Options</legend>
        <Field id="enqueue-queue" label="Queue" hint={task ? `Default: ${task.queue}` : undefined} error={errors.fields.queue}>
          {(control) => <input type="text" {...control} autoComplete="off" placeholder={task?.queue} value={queue} onInput={(e) => setQueue(valueOf(e))} />}
        </Field>
        <Field id="enqueue-priority" label="Priority" hint={`Lower runs first. Default: ${task?.priority ?? 0}`} error={errors.fields.priority}>
          {(control) => <input type="number" step={1} inputMode="numeric" {...control} placeholder={String(task?.priority ?? 0)} value={priority} onInput={(e) => setPriority(valueOf(e))} />}
        </Field>
      </fieldset>
      <WhenFields when={when} onChange={setWhen} errors={errors.fields} />
      {errors.form && (
        <p class="error" role="alert">
          {errors.form}
        </p>
      )}
      <div class="toolbar">
        <button type="submit" class="primary" disabled={busy || !taskName}>
          {busy ? 'Enqueueing…' : 'Enqueue'}
        </button>
      </div>
      <p role="status" aria-live="polite" class="result">
        {done && (
          <>
            {done.created ? 'Enqueued ' : 'Already enqueued (same unique key): '}
            <a href={`/jobs/${done.id}`}>job {done.id}</a>.
          </>
        )}
      </p>
    </form>
  );
}
