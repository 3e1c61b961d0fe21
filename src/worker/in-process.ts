/**
 * The workers running in this process, by name. The lease rescuer leaves their jobs alone:
 * a worker of the rescuer's own process cannot be dead while the rescuer runs, only stalled
 * with it (a handler that blocked the event loop past its lease), and it renews its leases
 * as soon as the loop runs again. A worker is listed from its start until its stop has
 * written or released what it held.
 */
const running = new Map<string, number>();

export function addWorkerInProcess(name: string): void {
  running.set(name, (running.get(name) ?? 0) + 1);
}

export function removeWorkerInProcess(name: string): void {
  const count = running.get(name) ?? 0;
  if (count <= 1) running.delete(name);
  else running.set(name, count - 1);
}

/** Names of the workers running in this process now. */
export function workersInProcess(): string[] {
  return [...running.keys()];
}
