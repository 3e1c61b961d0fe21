/**
 * A Server-Sent Events reader over fetch, for the server's event stream: collects each
 * `event:`/`data:` pair and each comment line as it arrives, and waits for the ones a test
 * expects. `close()` aborts the request (as a browser tab going away does).
 */
export interface StreamEvent {
  type: string;
  data: any; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface EventReader {
  readonly status: number;
  readonly headers: Headers;
  readonly events: StreamEvent[];
  readonly comments: string[];
  /** Resolves when the server ends the stream. */
  readonly ended: Promise<void>;
  /** Waits until `accept` holds for the events so far. */
  waitFor(accept: (events: StreamEvent[]) => boolean, what: string, timeoutMs?: number): Promise<StreamEvent[]>;
  close(): void;
}

export async function readEvents(url: string, token?: string): Promise<EventReader> {
  const abort = new AbortController();
  const response = await fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {}, signal: abort.signal });
  const events: StreamEvent[] = [];
  const comments: string[] = [];
  const changed = new Set<() => void>();
  let buffer = '';
  const reader = response.body!.getReader();
  const ended = (async () => {
    const decoder = new TextDecoder();
    try {
      for (let read = await reader.read(); !read.done; read = await reader.read()) {
        buffer += decoder.decode(read.value, { stream: true });
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (block.startsWith(':')) comments.push(block.slice(1).trim());
          else {
            const type = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
            const data = /^data: (.*)$/m.exec(block)?.[1] ?? '';
            events.push({ type, data: JSON.parse(data) });
          }
          for (const wake of changed) wake();
        }
      }
    } catch {
      // aborted by close()
    }
    for (const wake of changed) wake();
  })();
  return {
    status: response.status,
    headers: response.headers,
    events,
    comments,
    ended,
    close: () => {
      void reader.cancel().catch(() => undefined);
      abort.abort();
    },
    waitFor(accept, what, timeoutMs = 15_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          if (!accept(events)) return;
          clearTimeout(timer);
          changed.delete(check);
          resolve(events);
        };
        const timer = setTimeout(() => {
          changed.delete(check);
          reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; events so far: ${JSON.stringify(events.map((e) => [e.type, e.data.job?.id ?? e.data.worker?.id]))}`));
        }, timeoutMs);
        changed.add(check);
        check();
      });
    },
  };
}
