import type { PageProps } from '../context.js';

export function SchedulePage(_props: PageProps) {
  return <section class="page"><h1>SchedulePage</h1></section>;
}
