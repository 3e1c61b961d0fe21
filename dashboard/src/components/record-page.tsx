/**
 * The parts every page of one record (a job, a run) shares: what it shows before the record
 * has loaded (loading, or why it could not load, with a 404 told apart as a record that is
 * not there), its header (title, name, and its state announced as it changes), and its
 * sections as titled cards.
 */
import type { ComponentChildren } from 'preact';
import { StateBadge } from './state-badge.js';

/** The first load failed: `message` says why; `back` leads to the list the record belongs to. */
export function RecordLoadFailure({ title, message, back }: { title: string; message: string; back: { href: string; label: string } }) {
  return (
    <section class="page">
      <h1>{title}</h1>
      <p class="banner banner-error" role="alert">
        {message}
      </p>
      <p>
        <a href={back.href}>{back.label}</a>
      </p>
    </section>
  );
}

export function RecordLoading({ title }: { title: string }) {
  return (
    <section class="page">
      <h1>{title}</h1>
      <p class="muted">Loading…</p>
    </section>
  );
}

/** The title (`id` names the heading for the page's `aria-labelledby`), a muted name after it, and the state badge. */
export function RecordHeader({ id, title, name, state, stateTestId }: { id: string; title: string; name: ComponentChildren; state: string; stateTestId: string }) {
  return (
    <div class="page-header">
      <h1 id={id}>
        {title} <span class="muted">{name}</span>
      </h1>
      <span aria-live="polite" data-testid={stateTestId}>
        <StateBadge state={state} />
      </span>
    </div>
  );
}

/** A card of the page titled by its heading (`id` names the heading for `aria-labelledby`). */
export function TitledCard({ id, title, children }: { id: string; title: string; children: ComponentChildren }) {
  return (
    <section class="card" aria-labelledby={id}>
      <h2 id={id}>{title}</h2>
      {children}
    </section>
  );
}
