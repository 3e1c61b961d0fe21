import type { PageProps } from '../context.js';

export function OverviewPage(_props: PageProps) {
  return <section class="page"><h1>OverviewPage</h1></section>;
}
