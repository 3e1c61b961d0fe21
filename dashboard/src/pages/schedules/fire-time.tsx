/**
 * A fire time as both the local time and its distance from now ("in 3 h"): when a schedule
 * fires next is read both ways.
 */
import { Time } from '../../components/time.js';

export function FireTime({ value }: { value: string | null | undefined }) {
  if (!value) return <Time value={null} />;
  return (
    <span class="fire-time">
      <Time value={value} absolute /> <span class="muted">(<Time value={value} />)</span>
    </span>
  );
}
