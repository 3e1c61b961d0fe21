import type { PageProps } from '../context.js';

export function QueuesPage(_props: PageProps) {
  return <section class="page"><h1>QueuesPage</h1></section>;
}
