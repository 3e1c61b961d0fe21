/**
 * Names of tasks and queues, priorities, and pages of listings: what is accepted comes back
 * unchanged, what is not is refused with a message naming the field, the rule and the value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ValidationError } from '../../src/core/errors.js';
import { checkPriority, checkQueueName, checkTaskName } from '../../src/core/names.js';
import { DEFAULT_PAGE_LIMIT, MAX_PAGE_LIMIT, resolvePage } from '../../src/core/page.js';

const FIRST = 'abcXYZ019_';
const REST = `${FIRST}.:-`;
function name(maxLength: number) {
  return fc
    .tuple(fc.constantFrom(...FIRST), fc.array(fc.constantFrom(...REST), { maxLength: maxLength - 1 }))
    .map(([first, rest]) => first + rest.join(''));
}
/** Anything that is not a string. */
const notString = fc.oneof(fc.integer(), fc.boolean(), fc.constant(null), fc.constant(undefined), fc.object(), fc.array(fc.string()));

const checks = [
  { label: 'task names', check: checkTaskName, field: 'task', max: 200 },
  { label: 'queue names', check: checkQueueName, field: 'queue', max: 100 },
] as const;

describe.each(checks)('$label', ({ check, field, max }) => {
  it(`accept letters, digits and _ . : -, not starting with . : -, up to ${max} characters`, () => {
    fc.assert(fc.property(name(max), (value) => {
      expect(check(value)).toBe(value);
    }));
  });

  it('refuse a longer name, an empty one, a bad first character or any other character', () => {
    const bad = fc.oneof(
      name(max).map((value) => value.padEnd(max + 1, 'x')),
      fc.constantFrom('', '.a', ':a', '-a', 'a b', 'a/b', 'é', 'a\n', ' a'),
      fc.tuple(name(max / 2), fc.constantFrom(' ', '/', '!', '"', 'ü', '\u0000', '*'), name(max / 2 - 2)).map(([a, c, b]) => a + c + b),
    );
    fc.assert(fc.property(bad, (value) => {
      expect(() => check(value, 'options.x'), JSON.stringify(value)).toThrow(ValidationError);
      expect(() => check(value, 'options.x')).toThrow(/^options\.x: expected a (task|queue) name of letters, digits and _ \. : -/);
    }));
  });

  it('refuse what is not a string, naming the default field', () => {
    fc.assert(fc.property(notString, (value) => {
      expect(() => check(value)).toThrow(new RegExp(`^${field}: expected`));
    }));
  });
});

describe('priorities', () => {
  it('accept whole numbers from -1000000 to 1000000', () => {
    fc.assert(fc.property(fc.integer({ min: -1_000_000, max: 1_000_000 }), (p) => {
      expect(checkPriority(p)).toBe(p);
    }));
  });

  it('refuse anything else, naming the field and the range', () => {
    const bad = fc.oneof(
      fc.integer({ min: 1_000_001 }),
      fc.integer({ max: -1_000_001 }),
      fc.double({ noInteger: true }),
      fc.constantFrom('1', null, undefined, Number.NaN, Number.POSITIVE_INFINITY),
    );
    fc.assert(fc.property(bad, (value) => {
      expect(() => checkPriority(value, '--priority')).toThrow(/^--priority: expected a whole number from -1000000 to 1000000/);
    }));
  });
});

describe('pages', () => {
  it('fill in the default limit and offset', () => {
    expect(resolvePage({})).toEqual({ limit: DEFAULT_PAGE_LIMIT, offset: 0 });
  });

  it('keep any limit from 1 to the largest page and any offset from 0', () => {
    const limit = fc.integer({ min: 1, max: MAX_PAGE_LIMIT });
    fc.assert(fc.property(limit, fc.nat(), (l, o) => {
      expect(resolvePage({ limit: l, offset: o })).toEqual({ limit: l, offset: o });
    }));
  });

  it('refuse a limit out of bounds or not whole, naming the caller\'s field', () => {
    const bad = fc.oneof(fc.integer({ max: 0 }), fc.integer({ min: MAX_PAGE_LIMIT + 1 }), fc.double({ noInteger: true }), fc.constant(Number.NaN));
    fc.assert(fc.property(bad, (limit) => {
      expect(() => resolvePage({ limit })).toThrow(/^page\.limit: expected a whole number from 1 to 1000/);
      expect(() => resolvePage({ limit }, { limit: 'limit', offset: 'offset' })).toThrow(/^limit: expected/);
    }));
  });

  it('refuse a negative or fractional offset, naming the caller\'s field', () => {
    const bad = fc.oneof(fc.integer({ max: -1 }), fc.double({ noInteger: true }), fc.constant(Number.NaN));
    fc.assert(fc.property(bad, (offset) => {
      expect(() => resolvePage({ offset })).toThrow(/^page\.offset: expected a whole number ≥ 0/);
      expect(() => resolvePage({ offset }, { limit: 'limit', offset: '--offset' })).toThrow(/^--offset: expected/);
    }));
  });
});
