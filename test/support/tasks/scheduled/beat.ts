/**
 * `beat`: a task that declares its own schedule (every second), for the tests of schedules
 * declared in code. Kept in a folder of its own so loading the other test tasks never syncs it.
 */
import { defineTask } from 'ordo';

export const beat = defineTask('beat', { schedule: { every: '1s' } }, async () => ({ pid: process.pid }));
