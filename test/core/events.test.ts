/**
 * The event bus: typed events reach every listener in order of subscription, a listener
 * that throws is reported and cannot stop the others or the publisher, and unsubscribing
 * is one call.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EventBus } from '../../src/core/events.js';
import { nextEvent } from '../support/wait.js';

interface TestEvents {
  'thing:done': [id: string, n: number];
  'other:event': [];
}

describe('EventBus', () => {
  it('hands the arguments to every listener, in the order they subscribed', () => {
    const bus = new EventBus<TestEvents>();
    const seen: string[] = [];
    bus.on('thing:done', (id, n) => seen.push(`a ${id} ${n}`));
    bus.on('thing:done', (id, n) => seen.push(`b ${id} ${n}`));
    bus.on('other:event', () => seen.push('other'));
    bus.emit('thing:done', 'x', 1);
    expect(seen).toEqual(['a x 1', 'b x 1']);
  });

  it('reports each throwing listener and still runs all the others, whatever their order', () => {
    // true: a listener that throws; false: one that records it ran.
    fc.assert(fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 20 }), (throwing) => {
      const reported: [string, unknown][] = [];
      const bus = new EventBus<TestEvents>((event, error) => reported.push([event, error]));
      const ran: number[] = [];
      throwing.forEach((throws, index) => bus.on('thing:done', () => {
        if (throws) throw new Error(`listener ${index}`);
        ran.push(index);
      }));
      expect(() => bus.emit('thing:done', 'x', 1)).not.toThrow();
      expect(ran).toEqual(throwing.flatMap((throws, index) => (throws ? [] : [index])));
      expect(reported.map(([event, error]) => [event, (error as Error).message])).toEqual(
        throwing.flatMap((throws, index) => (throws ? [['thing:done', `listener ${index}`]] : [])),
      );
    }));
  });

  it('swallows a throwing listener when nobody asked for reports', () => {
    const bus = new EventBus<TestEvents>();
    let after = false;
    bus.on('other:event', () => {
      throw new Error('boom');
    });
    bus.on('other:event', () => (after = true));
    expect(() => bus.emit('other:event')).not.toThrow();
    expect(after).toBe(true);
  });

  it('stops calling a listener once it unsubscribed, and counts listeners', () => {
    const bus = new EventBus<TestEvents>();
    let calls = 0;
    const off = bus.on('other:event', () => calls++);
    bus.on('other:event', () => undefined);
    expect(bus.listenerCount('other:event')).toBe(2);
    bus.emit('other:event');
    off();
    bus.emit('other:event');
    expect(calls).toBe(1);
    expect(bus.listenerCount('other:event')).toBe(1);
    expect(bus.listenerCount('thing:done')).toBe(0);
  });

  it('emits with nobody listening without complaint, and takes any number of listeners', () => {
    const bus = new EventBus<TestEvents>();
    expect(() => bus.emit('thing:done', 'x', 1)).not.toThrow();
    let calls = 0;
    for (let i = 0; i < 50; i++) bus.on('thing:done', () => calls++);
    bus.emit('thing:done', 'x', 1);
    expect(calls).toBe(50);
  });

  it('can be awaited: the first matching event resolves, and its listener is gone afterwards', async () => {
    const bus = new EventBus<TestEvents>();
    const awaited = nextEvent(bus, 'thing:done', (id) => id === 'b');
    expect(bus.listenerCount('thing:done')).toBe(1);
    bus.emit('thing:done', 'a', 1);
    bus.emit('thing:done', 'b', 2);
    bus.emit('thing:done', 'b', 3);
    expect(await awaited).toEqual(['b', 2]);
    expect(bus.listenerCount('thing:done')).toBe(0);
    await expect(nextEvent(bus, 'other:event', () => true, 20)).rejects.toThrow(/timed out after 20 ms waiting for event other:event/);
    expect(bus.listenerCount('other:event')).toBe(0);
  });
});
