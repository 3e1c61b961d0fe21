/**
 * What `ordo dev` prints once its worker runs: where, its dashboard and API, and what to try
 * next from another shell.
 */
import { formatDuration } from '../core/duration.js';
import type { Worker } from '../worker/worker.js';
import type { Output } from './io.js';

export function printNextSteps(out: Output, db: string, worker: Worker, graceMs: number, apiUrl: string | null = null): void {
  const api = apiUrl
    ? `Dashboard: ${apiUrl}/ (open it in a browser)
API and docs: ${apiUrl}/docs (no tokens needed on this machine), e.g. curl ${apiUrl}/api/v1/queues
`
    : '';
  out.write(`
Ordo is running: worker ${worker.name} on ${db}, queues ${worker.options.queues.join(',')}.
${api}Try, from another shell:
  npx ordo enqueue send_email '{"email":"a@b.com","message":"hi"}'
  npx ordo enqueue generate_report '{"title":"weekly","rows":40}'
  npx ordo enqueue flaky_sync '{"source":"crm"}'     # fails twice, then succeeds
  npx ordo enqueue send_email '{"email":"later@b.com","message":"hi"}' --delay 30s
  npx ordo workflows start nightly-report   then   npx ordo workflows show 1   # a workflow's graph
  npx ordo jobs list          npx ordo jobs show ID        npx ordo queues stats
  npx ordo tasks              npx ordo workers
Stop with Ctrl-C: running jobs get ${formatDuration(graceMs)} to finish, then go back to pending for the next worker.

`);
}
