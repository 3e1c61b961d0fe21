import type { PageProps } from '../context.js';

export function JobPage(_props: PageProps) {
  return <section class="page"><h1>JobPage</h1></section>;
}
