/** Comparing the errors of two clients (on the database and over HTTP), which must fail alike. */
import { OrdoError } from '../../src/core/errors.js';

/** What an error is, to compare: class, code, message and the fields its details name. */
export function describeError(err: unknown): Record<string, unknown> {
  if (!(err instanceof OrdoError)) return { notOrdo: String(err) };
  return { class: err.constructor.name, code: err.code, message: err.message, field: err.details.field, expected: err.details.expected, received: err.details.received };
}

/** The error the call throws; fails the test when it does not throw. */
export async function errorOf(call: () => Promise<unknown>): Promise<unknown> {
  try {
    await call();
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}
