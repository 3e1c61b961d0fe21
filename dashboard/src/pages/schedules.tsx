import type { PageProps } from '../context.js';

export function SchedulesPage(_props: PageProps) {
  return <section class="page"><h1>SchedulesPage</h1></section>;
}
