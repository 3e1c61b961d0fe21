/**
 * Errors: one root with a stable code, and messages that name the field, the expected form
 * and the value received, shown briefly and unambiguously.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConfigError, NotFoundError, OrdoError, PermanentError, StoreLostError, StoreUnavailableError, ValidationError, describeValue,
} from '../../src/core/errors.js';

describe('describeValue', () => {
  it('says the kind of value and shows it as JSON', () => {
    expect(describeValue('5 m')).toBe('string "5 m"');
    expect(describeValue(42)).toBe('number 42');
    expect(describeValue(true)).toBe('boolean true');
    expect(describeValue({ a: 1 })).toBe('object {"a":1}');
    expect(describeValue([1, 2])).toBe('array [1,2]');
    expect(describeValue(null)).toBe('null');
    expect(describeValue(undefined)).toBe('nothing');
  });

  it('tells a string from the number or boolean it spells', () => {
    expect(describeValue('42')).not.toBe(describeValue(42));
    expect(describeValue('true')).not.toBe(describeValue(true));
    expect(describeValue('null')).not.toBe(describeValue(null));
  });

  it('shows values JSON cannot hold instead of failing', () => {
    expect(describeValue(10n)).toBe('bigint 10');
    expect(describeValue(Symbol('s'))).toBe('symbol Symbol(s)');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(describeValue(circular)).toBe('object [object Object]');
    // Nesting deeper than the stack allows (a hostile request body): named, not read.
    let deep: unknown[] = [];
    for (let i = 0; i < 100_000; i++) deep = [deep];
    expect(describeValue(deep)).toBe('array [1 items]');
  });

  it('never throws and never runs past 80 characters of shown value', () => {
    fc.assert(fc.property(fc.anything(), (value) => {
      const text = describeValue(value);
      expect(typeof text).toBe('string');
      const shown = text.replace(/^\w+ /, '');
      expect(shown.length).toBeLessThanOrEqual(80);
    }));
  });
});

describe('error classes', () => {
  it('carry their code, whether to retry, and their name', () => {
    const cases: [OrdoError, string, boolean][] = [
      [new ValidationError('f', 'x', 1), 'invalid_argument', false],
      [new NotFoundError('job', '7'), 'not_found', false],
      [new ConfigError('bad'), 'config', false],
      [new StoreUnavailableError('down'), 'store_unavailable', true],
      [new StoreLostError('gone'), 'store_lost', false],
      [new PermanentError('stop'), 'permanent', false],
    ];
    for (const [err, code, retryable] of cases) {
      expect(err).toBeInstanceOf(OrdoError);
      expect(err).toBeInstanceOf(Error);
      expect({ code: err.code, retryable: err.retryable, name: err.name }).toEqual({ code, retryable, name: err.constructor.name });
    }
  });

  it('ValidationError names the field, the expected form, the value and the hint', () => {
    fc.assert(fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), fc.anything(), (field, expected, received) => {
      const err = new ValidationError(field, expected, received, 'Try again');
      expect(err.message).toBe(`${field}: expected ${expected}, received ${describeValue(received)}. Try again`);
      expect(err.details).toEqual({ field, expected, received: describeValue(received) });
    }));
  });

  it('NotFoundError names what and which, quoted', () => {
    expect(new NotFoundError('job', '12').message).toBe('job "12" does not exist');
  });

  it('keeps the cause it was given', () => {
    const cause = new Error('ECONNREFUSED');
    expect(new StoreUnavailableError('down', cause).cause).toBe(cause);
    expect(new PermanentError('stop', { cause }).cause).toBe(cause);
    expect('cause' in new PermanentError('stop')).toBe(false);
  });
});
