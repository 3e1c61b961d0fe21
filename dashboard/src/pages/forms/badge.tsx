/**
 * A state as a badge: colour for the eye (`.badge-<state>`, the shell's palette), the word
 * itself for everyone else.
 */
export function StateBadge({ state, title }: { state: string | null | undefined; title?: string }) {
  if (!state) return <span class="muted">—</span>;
  return (
    <span class={`badge badge-${state.replace(/_/g, '-')} state-${state}`} title={title}>
      {state.replace(/_/g, ' ')}
    </span>
  );
}
