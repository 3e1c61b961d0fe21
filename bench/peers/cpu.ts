/**
 * CPU time of processes, from /proc/<pid>/stat (Linux): user + system time in milliseconds.
 * A database server counts with its children, the exited ones included (their time is added
 * to the parent's `cutime`/`cstime` when it reaps them), so connections that open and close
 * during a measurement are not lost.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

const TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

interface Stat {
  ppid: number;
  /** utime + stime, in ticks. */
  own: number;
  /** cutime + cstime: of children that have exited, in ticks. */
  reaped: number;
}

function stat(pid: number): Stat | null {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return null; // gone
  }
  // The command name may hold spaces and parentheses: the fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ').map(Number);
  return { ppid: fields[1]!, own: fields[11]! + fields[12]!, reaped: fields[13]! + fields[14]! };
}

const toMs = (ticks: number): number => (ticks * 1000) / TICKS_PER_SECOND;

/** CPU milliseconds the processes have used so far, with their reaped children. */
export function processCpuMs(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    const s = stat(pid);
    if (s) ticks += s.own + s.reaped;
  }
  return toMs(ticks);
}

/** CPU milliseconds a server has used so far: itself, its reaped children and its live children. */
export function serverCpuMs(pid: number): number {
  const root = stat(pid);
  if (!root) return NaN;
  let ticks = root.own + root.reaped;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const child = stat(Number(name));
    if (child?.ppid === pid) ticks += child.own;
  }
  return toMs(ticks);
}
