/**
 * The pages of the web dashboard by path, as both its router (preact-iso) and Fastify write
 * them. The server answers a GET of each with the dashboard's `index.html`, so any page can
 * be reloaded, bookmarked or shared by its URL; the dashboard's own page table
 * (dashboard/src/pages/index.ts) must list the same paths. Plain data, no imports: the
 * dashboard's bundle may import it without pulling in the API's schemas.
 */
export const DASHBOARD_PATHS = ['/', '/jobs', '/jobs/:id', '/enqueue', '/schedules', '/schedules/:name', '/workflows', '/workflows/runs/:id', '/queues', '/workers', '/audit'] as const;

export type DashboardPath = (typeof DASHBOARD_PATHS)[number];
