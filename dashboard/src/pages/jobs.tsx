import type { PageProps } from '../context.js';

export function JobsPage(_props: PageProps) {
  return <section class="page"><h1>JobsPage</h1></section>;
}
