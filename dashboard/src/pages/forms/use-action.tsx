/**
 * Operator actions on a page (pause, resume, run now…): which one is running (its button is
 * disabled meanwhile), and what came of the last one, announced in a live region.
 */
import type { ComponentChildren } from 'preact';
import { useState } from 'preact/hooks';
import { messageOf } from './errors.js';

export interface Notice {
  text: ComponentChildren;
  error: boolean;
}

export interface Actions {
  /** The key of the action running now. */
  busy: string | null;
  notice: Notice | null;
  /** Runs `action` under `key`; what it resolves with becomes the notice. */
  run: (key: string, action: () => Promise<ComponentChildren>) => Promise<void>;
}

export function useActions(): Actions {
  const [busy, setBusy] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const run = async (key: string, action: () => Promise<ComponentChildren>): Promise<void> => {
    setBusy(key);
    try {
      setNotice({ text: await action(), error: false });
    } catch (err) {
      setNotice({ text: messageOf(err), error: true });
    } finally {
      setBusy(null);
    }
  };
  return { busy, notice, run };
}

/** The live region for action results (always in the page, so screen readers hear changes). */
export function NoticeLine({ notice }: { notice: Notice | null }) {
  return (
    <p class={`notice${notice?.error ? ' error' : ''}`} role="status" aria-live="polite">
      {notice?.text}
    </p>
  );
}
