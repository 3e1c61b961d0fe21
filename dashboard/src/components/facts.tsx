/**
 * A record's facts as a definition list: a term and its value a row, in the order given.
 * Pages build the list as data, so a fact that only some records have is pushed or left out.
 */
import type { ComponentChildren } from 'preact';

/** A term and what it shows. */
export type Fact = [term: string, value: ComponentChildren];

/** `class` is the list's (`facts` alone inside a card, `facts card` as its own card); `children` go before the facts. */
export function Facts({ facts, class: className = 'facts', children }: { facts: readonly Fact[]; class?: string; children?: ComponentChildren }) {
  return (
    <dl class={className}>
      {children}
      {facts.map(([term, value]) => (
        <div key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
