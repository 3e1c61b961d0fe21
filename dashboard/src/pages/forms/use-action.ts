/**
 * Operator actions on a page (pause, resume, run now…): which one is running, so its
 * buttons are disabled meanwhile, and what came of it, told in the shell's toasts (a live
 * region screen readers announce).
 */
import { useState } from 'preact/hooks';
import { toast, toastError } from '../../components/toasts.js';

export interface Actions {
  /** The key of the action running now. */
  busy: string | null;
  /** Runs `action` under `key`; its answer is the success note, a failure is told as `doing` failed. */
  run: (key: string, doing: string, action: () => Promise<string>) => Promise<void>;
}

export function useActions(): Actions {
  const [busy, setBusy] = useState<string | null>(null);
  const run = async (key: string, doing: string, action: () => Promise<string>): Promise<void> => {
    setBusy(key);
    try {
      toast(await action());
    } catch (err) {
      toastError(doing, err);
    } finally {
      setBusy(null);
    }
  };
  return { busy, run };
}
