/**
 * A workflow: two exports run side by side, the report waits for both (a failed refunds
 * export does not stop it: it sees the failure), each order line is priced by its own job,
 * and the summary goes out only when the report found something.
 * `npx ordo workflows start nightly-report`, then `npx ordo workflows show 1`.
 */
import { defineTask, workflow } from 'ordo';

const exportOrders = defineTask('export_orders', { description: 'exports the day’s orders' }, async () => [
  { sku: 'A-1', qty: 2 },
  { sku: 'B-7', qty: 1 },
  { sku: 'C-3', qty: 5 },
]);

const exportRefunds = defineTask('export_refunds', { description: 'exports the day’s refunds' }, async () => ({ refunds: 1 }));

export const nightlyReport = workflow('nightly-report', { description: 'exports, prices each order line, reports' })
  .step('orders', exportOrders)
  .step('refunds', exportRefunds)
  .map('price', async (line: { sku: string; qty: number }) => ({ sku: line.sku, total: line.qty * 9.5 }), { over: 'orders' })
  .step(
    'report',
    async (_input, ctx) => {
      const lines = ctx.parents.price;
      const refunds = ctx.workflow?.parents.refunds?.state === 'succeeded' ? ctx.parents.refunds?.refunds ?? 0 : 0;
      return { lines: lines.length, revenue: lines.reduce((sum, line) => sum + line.total, 0), refunds };
    },
    { dependsOn: ['price', { step: 'refunds', onFailure: 'continue' }] },
  )
  .step('email', async (_input, ctx) => ({ sent: `revenue ${ctx.parents.report.revenue}` }), {
    dependsOn: ['report'],
    when: ({ report }) => report.lines > 0,
    whenText: 'the report has lines',
  })
  .output('report');
