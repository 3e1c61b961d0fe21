/**
 * Every page of the dashboard by path (preact-iso route patterns). The shell builds its
 * router and navigation from this list.
 */
import type { FunctionComponent } from 'preact';
import type { PageProps } from '../context.js';
import { AuditPage } from './audit.js';
import { EnqueuePage } from './enqueue.js';
import { JobPage } from './job.js';
import { JobsPage } from './jobs.js';
import { OverviewPage } from './overview.js';
import { QueuesPage } from './queues.js';
import { RunPage } from './run.js';
import { SchedulePage } from './schedule.js';
import { SchedulesPage } from './schedules.js';
import { WorkersPage } from './workers.js';
import { WorkflowsPage } from './workflows.js';

export interface PageEntry {
  path: string;
  /** In the navigation bar when set. */
  nav?: string;
  component: FunctionComponent<PageProps>;
}

export const PAGES: PageEntry[] = [
  { path: '/', nav: 'Overview', component: OverviewPage },
  { path: '/jobs', nav: 'Jobs', component: JobsPage },
  { path: '/jobs/:id', component: JobPage },
  { path: '/enqueue', nav: 'Enqueue', component: EnqueuePage },
  { path: '/schedules', nav: 'Schedules', component: SchedulesPage },
  { path: '/schedules/:name', component: SchedulePage },
  { path: '/workflows', nav: 'Workflows', component: WorkflowsPage },
  { path: '/workflows/runs/:id', component: RunPage },
  { path: '/queues', nav: 'Queues', component: QueuesPage },
  { path: '/workers', nav: 'Workers', component: WorkersPage },
  { path: '/audit', nav: 'Audit log', component: AuditPage },
];
