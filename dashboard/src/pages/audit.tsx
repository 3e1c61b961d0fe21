import type { PageProps } from '../context.js';

export function AuditPage(_props: PageProps) {
  return <section class="page"><h1>AuditPage</h1></section>;
}
