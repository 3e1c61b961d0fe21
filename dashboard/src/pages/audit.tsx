/**
 * The audit log: every operator action through the API (who, when, what, on what), newest
 * first, filtered by action (kept in the URL, so a view can be shared), a page at a time
 * with "Load more" following the server's cursor.
 */
import { useLocation } from 'preact-iso';
import { useEffect, useState } from 'preact/hooks';
import { api, type AuditEntry, type AuditPage as Page } from '../api.js';
import { DataTable } from '../components/data-table.js';
import { usePageTitle, useResource } from '../components/hooks.js';
import { JsonView } from '../components/json-view.js';
import { Time } from '../components/time.js';
import type { PageProps } from '../context.js';
import { messageOf } from './forms/errors.js';
import { valueOf } from './forms/field.js';
import './pages.css';

const PAGE_SIZE = 50;

/** Actions the server records, offered as suggestions (the filter takes any text). */
const KNOWN_ACTIONS = [
  'job.cancel',
  'job.retry',
  'job.delete',
  'jobs.bulk-cancel',
  'jobs.bulk-retry',
  'jobs.bulk-delete',
  'queue.pause',
  'queue.resume',
  'queue.clean',
  'schedule.create',
  'schedule.update',
  'schedule.delete',
  'schedule.pause',
  'schedule.resume',
  'schedule.run',
  'token.create',
  'token.revoke',
];

export function AuditPage(_props: PageProps) {
  usePageTitle('Audit log');
  const { query, path, route } = useLocation();
  const action = query.action ?? '';
  const first = useResource(() => api<Page>('GET', '/audit', { query: { limit: PAGE_SIZE, action } }), [action]);
  const [more, setMore] = useState<{ for: string; entries: AuditEntry[]; cursor: string | null; error: string | null; busy: boolean } | null>(null);
  const [typed, setTyped] = useState(action);
  useEffect(() => setTyped(action), [action]);

  // Pages loaded with "Load more" belong to the first page they followed.
  const extra = more && first.data && more.for === firstKey(first.data) ? more : null;
  const entries = [...(first.data?.entries ?? []), ...(extra?.entries ?? [])];
  const cursor = extra ? extra.cursor : (first.data?.nextCursor ?? null);

  const loadMore = async (): Promise<void> => {
    if (!cursor || !first.data) return;
    const key = firstKey(first.data);
    setMore({ for: key, entries: extra?.entries ?? [], cursor, error: null, busy: true });
    try {
      const page = await api<Page>('GET', '/audit', { query: { limit: PAGE_SIZE, action, cursor } });
      setMore({ for: key, entries: [...(extra?.entries ?? []), ...page.entries], cursor: page.nextCursor, error: null, busy: false });
    } catch (err) {
      setMore({ for: key, entries: extra?.entries ?? [], cursor, error: messageOf(err), busy: false });
    }
  };

  const filter = (event: Event): void => {
    event.preventDefault();
    const value = typed.trim();
    route(value ? `${path}?action=${encodeURIComponent(value)}` : path, true);
  };

  return (
    <section class="page audit-page">
      <div class="page-header">
        <h1>Audit log</h1>
        <button type="button" onClick={first.reload}>
          Refresh
        </button>
      </div>
      <form class="audit-filter" role="search" onSubmit={filter}>
        <label for="audit-action">Action</label>
        <div class="audit-filter-row">
          <input id="audit-action" type="search" list="audit-actions" aria-describedby="audit-action-hint" autoComplete="off" value={typed} onInput={(e) => setTyped(valueOf(e))} />
          <button type="submit">Filter</button>
        </div>
        <p id="audit-action-hint" class="hint">
          Such as queue.clean or schedule.update; empty for all
        </p>
        <datalist id="audit-actions">
          {KNOWN_ACTIONS.map((known) => (
            <option value={known} />
          ))}
        </datalist>
      </form>
      {first.error && (
        <p class="error" role="alert">
          Could not load the audit log: {first.error.message}
        </p>
      )}
      {first.data && entries.length === 0 && <p class="muted">{action ? `No ${action} actions recorded.` : 'No operator actions recorded yet.'}</p>}
      {entries.length > 0 && <AuditTable entries={entries} />}
      {extra?.error && <p class="error">{extra.error}</p>}
      {cursor && (
        <div class="toolbar">
          <button type="button" disabled={extra?.busy} onClick={loadMore}>
            {extra?.busy ? 'Loading…' : 'Load more'}
          </button>
        </div>
      )}
    </section>
  );
}

/** Identifies a first page: its newest entry and the filter (a refresh that brings new entries starts over). */
function firstKey(page: Page): string {
  return `${page.entries[0]?.id ?? ''}:${page.nextCursor ?? ''}`;
}

function AuditTable({ entries }: { entries: AuditEntry[] }) {
  return (
    <DataTable class="data audit" columns={['Time', 'Actor', 'Action', 'Target', 'Details']}>
      {entries.map((entry) => (
        <tr key={entry.id} data-action={entry.action}>
          <td>
            <Time value={entry.at} absolute /> <span class="muted">(<Time value={entry.at} />)</span>
          </td>
          <td>{entry.actor}</td>
          <td>
            <code>{entry.action}</code>
          </td>
          <td class="target">
            <Target entry={entry} />
          </td>
          <td>
            {entry.details === null || entry.details === undefined ? (
              <span class="muted">—</span>
            ) : (
              <details>
                <summary>Show</summary>
                <JsonView value={entry.details} label={`Details of ${entry.action} ${entry.target}`} />
              </details>
            )}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}

/** The target, linked to its page when it has one (a job, a schedule still there or not, a queue's jobs). */
function Target({ entry }: { entry: AuditEntry }) {
  const [kind] = entry.action.split('.');
  const href =
    kind === 'job' ? `/jobs/${encodeURIComponent(entry.target)}` : kind === 'schedule' ? `/schedules/${encodeURIComponent(entry.target)}` : kind === 'queue' ? `/jobs?queue=${encodeURIComponent(entry.target)}` : null;
  return href ? <a href={href}>{entry.target}</a> : <>{entry.target}</>;
}
