/** A JSON value, indented, in a scrollable block with a caption for screen readers. */
import { prettyJson } from './format.js';

export function JsonView({ value, label }: { value: unknown; label: string }) {
  return (
    <pre class="json" aria-label={label} tabIndex={0}>
      <code>{value === null ? 'null' : prettyJson(value)}</code>
    </pre>
  );
}
