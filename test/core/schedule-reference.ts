/**
 * The DST rule for cron, spelt out minute by minute for tests to compare against: walks the
 * zone's clock one minute at a time with no cleverness, so the production code (which
 * searches wall times and maps them to instants) is checked by something independent.
 */
const MINUTE = 60_000;
const formats = new Map<string, Intl.DateTimeFormat>();

/** The zone's offset at `t` in ms, read from `Intl`'s own offset name (`GMT-04:56:02`), not from production code. */
export function offsetByName(t: number, tz: string): number {
  let format = formats.get(tz);
  if (!format) formats.set(tz, (format = new Intl.DateTimeFormat('en-US', { timeZone: tz, timeZoneName: 'longOffset' })));
  const name = format.formatToParts(new Date(t)).find((part) => part.type === 'timeZoneName')!.value;
  const match = /^GMT(?:([+-])(\d\d):(\d\d)(?::(\d\d))?)?$/.exec(name);
  if (!match) throw new Error(`unexpected offset name ${name} in ${tz}`);
  const [, sign, h = '0', m = '0', sec = '0'] = match;
  return (sign === '-' ? -1 : 1) * ((Number(h) * 60 + Number(m)) * 60 + Number(sec)) * 1000;
}

/** Fields a reference pattern is built from: the text and the values it matches. */
export const MINUTES: [string, number[]][] = [['*', range(0, 59, 1)], ['*/15', [0, 15, 30, 45]], ['*/30', [0, 30]], ['0', [0]], ['30', [30]], ['15,45', [15, 45]], ['0-10/5', [0, 5, 10]]];
export const HOURS: [string, number[]][] = [['*', range(0, 23, 1)], ['1', [1]], ['2', [2]], ['0', [0]], ['1-3', [1, 2, 3]], ['*/2', range(0, 23, 2)], ['23', [23]]];

function range(from: number, to: number, step: number): number[] {
  const values: number[] = [];
  for (let v = from; v <= to; v += step) values.push(v);
  return values;
}

/**
 * The rule, minute by minute: a minute whose wall time matches fires unless that wall time
 * was already seen; after a jump forward, the first valid minute also fires for any
 * skipped wall time that matches.
 */
export function reference(minutes: number[], hours: number[], tz: string, from: number, to: number): number[] {
  const matches = (wall: number) => minutes.includes(new Date(wall).getUTCMinutes()) && hours.includes(new Date(wall).getUTCHours());
  const seen = new Set<number>();
  const out: number[] = [];
  let previous: number | null = null;
  for (let t = from; t <= to; t += MINUTE) {
    const wall = t + offsetByName(t, tz);
    let fire = matches(wall) && !seen.has(wall);
    for (let skipped = (previous ?? wall) + MINUTE; skipped < wall; skipped += MINUTE) fire ||= matches(skipped);
    if (fire) out.push(t);
    seen.add(wall);
    previous = wall;
  }
  return out;
}
