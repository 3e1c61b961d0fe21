/**
 * Names users give things: tasks and queues. Checked wherever they enter, with one message.
 */
import { ValidationError } from './errors.js';

const TASK_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,199}$/;
const QUEUE_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,99}$/;

export function checkTaskName(name: unknown, field = 'task'): string {
  if (typeof name !== 'string' || !TASK_NAME.test(name)) {
    throw new ValidationError(field, 'a task name of letters, digits and _ . : - (at most 200 characters), such as send_email', name);
  }
  return name;
}

export function checkQueueName(queue: unknown, field = 'queue'): string {
  if (typeof queue !== 'string' || !QUEUE_NAME.test(queue)) {
    throw new ValidationError(field, 'a queue name of letters, digits and _ . : - (at most 100 characters), such as high', queue);
  }
  return queue;
}

/** Priorities: lower runs first. */
export function checkPriority(priority: unknown, field = 'priority'): number {
  if (typeof priority !== 'number' || !Number.isInteger(priority) || Math.abs(priority) > 1_000_000) {
    throw new ValidationError(field, 'a whole number from -1000000 to 1000000 (lower runs first)', priority);
  }
  return priority;
}
