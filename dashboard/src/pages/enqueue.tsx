import type { PageProps } from '../context.js';

export function EnqueuePage(_props: PageProps) {
  return <section class="page"><h1>EnqueuePage</h1></section>;
}
