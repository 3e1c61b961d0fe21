/**
 * The JSON of schedules, enqueueing and the audit log, typed from the API's own wire schemas
 * as the shell's api.ts types jobs, queues, workers and tasks (type-only: no zod in the
 * bundle). `z.input` is the shape on the wire, so times are ISO text here.
 */
import type { z } from 'zod';
import type * as wire from '../../../../src/api/wire.js';

export type EnqueueBody = z.input<typeof wire.enqueueBody>;
export type InsertResult = z.input<typeof wire.insertResult>;
export type ScheduleView = z.input<typeof wire.scheduleView>;
export type ScheduleDetail = z.input<typeof wire.scheduleDetail>;
export type ScheduleTiming = ScheduleView['timing'];
export type ScheduleFire = z.input<typeof wire.scheduleFire>;
export type SchedulePreview = z.input<typeof wire.schedulePreview>;
export type AuditEntry = z.input<typeof wire.auditEntry>;
export type AuditPage = z.input<typeof wire.auditPage>;
