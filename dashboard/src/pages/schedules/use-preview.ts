/**
 * The next fires of the timing being typed, from the server (`POST /schedules/preview`), so
 * what the page shows is what the scheduler will do: the same cron reader, the same zone
 * rules. Asked 300 ms after the last keystroke, and an answer that arrives after a newer
 * question was asked is dropped.
 */
import { useEffect, useRef, useState } from 'preact/hooks';
import { api, ApiError, type SchedulePreview } from '../../api.js';
import { messageOf } from '../forms/errors.js';
import { timingBody, type TimingInput } from './timing.js';

const DEBOUNCE_MS = 300;
const PREVIEW_COUNT = 5;

export interface Preview {
  /** ISO times; null while nothing valid was previewed. */
  fires: string[] | null;
  /** The server's words, by the API's field (`cron`, `every`, `at`, `tz`, or `''` for none). */
  error: { field: string; message: string } | null;
  pending: boolean;
}

export function usePreview(input: TimingInput): Preview {
  const [preview, setPreview] = useState<Preview>({ fires: null, error: null, pending: false });
  const asked = useRef(0);
  const body = timingBody(input);
  const key = JSON.stringify(body);

  useEffect(() => {
    const seq = ++asked.current;
    if (!body) {
      setPreview({ fires: null, error: null, pending: false });
      return;
    }
    setPreview((p) => ({ ...p, pending: true }));
    const timer = setTimeout(() => {
      api<SchedulePreview>('POST', '/schedules/preview', { body: { ...body, count: PREVIEW_COUNT } }).then(
        (answer) => seq === asked.current && setPreview({ fires: answer.nextFires, error: null, pending: false }),
        (err: unknown) => seq === asked.current && setPreview({ fires: null, error: { field: err instanceof ApiError ? (err.field ?? '') : '', message: messageOf(err) }, pending: false }),
      );
    }, DEBOUNCE_MS);
    return () => clearTimeout(timer);
  }, [key]);

  return preview;
}
