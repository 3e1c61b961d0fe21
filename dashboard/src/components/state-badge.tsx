/** A job state (or an attempt's outcome) as a coloured badge whose text says it all (colour is never the only cue). */
export function StateBadge({ state }: { state: string }) {
  return <span class={`badge badge-${state.replace(/_/g, '-')}`}>{state.replace(/_/g, ' ')}</span>;
}
