import type { PageProps } from '../context.js';

export function WorkersPage(_props: PageProps) {
  return <section class="page"><h1>WorkersPage</h1></section>;
}
