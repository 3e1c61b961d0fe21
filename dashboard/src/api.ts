/**
 * The dashboard's only way to Ordo: the HTTP API, with the session's token. Answers are
 * JSON (times as ISO text); errors are RFC 9457 problems, thrown as `ApiError` with the
 * field they name, so forms can show the message next to it.
 */

const TOKEN_KEY = 'ordo.token';

/** The token lives for the browser session only (sessionStorage), never in a URL. */
export const token = {
  get: (): string | null => sessionStorage.getItem(TOKEN_KEY),
  set: (value: string): void => sessionStorage.setItem(TOKEN_KEY, value),
  clear: (): void => sessionStorage.removeItem(TOKEN_KEY),
};

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field: string | undefined,
    readonly code: string | undefined,
  ) {
    super(message);
  }
}

type Query = Record<string, string | number | boolean | undefined | null>;

function headers(json: boolean): Record<string, string> {
  const h: Record<string, string> = {};
  const t = token.get();
  if (t) h.authorization = `Bearer ${t}`;
  if (json) h['content-type'] = 'application/json';
  return h;
}

function withQuery(path: string, query?: Query): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

/** Calls `/api/v1<path>`; resolves with the parsed JSON (null for 204), throws `ApiError`. */
export async function api<T = unknown>(method: 'GET' | 'POST' | 'PATCH' | 'DELETE', path: string, options: { query?: Query; body?: unknown } = {}): Promise<T> {
  const response = await fetch(withQuery(`/api/v1${path}`, options.query), {
    method,
    headers: headers(options.body !== undefined),
    body: options.body === undefined ? undefined : JSON.stringify(options.body),
  });
  if (response.status === 204) return null as T;
  const text = await response.text();
  const body = text ? (JSON.parse(text) as Record<string, unknown>) : null;
  if (!response.ok) {
    const detail = typeof body?.detail === 'string' ? body.detail : `${response.status} ${response.statusText}`;
    throw new ApiError(response.status, detail, typeof body?.field === 'string' ? body.field : undefined, typeof body?.code === 'string' ? body.code : undefined);
  }
  return body as T;
}

export interface StreamEvent {
  type: string;
  data: unknown;
}

/**
 * Follows the server's event stream (`/api/v1/events`) with the token in a header (an
 * EventSource cannot send one), reconnecting after a pause when it drops. Returns a stop
 * function.
 */
export function followEvents(query: Query, onEvent: (event: StreamEvent) => void, onState?: (connected: boolean) => void): () => void {
  let stopped = false;
  let controller: AbortController | null = null;
  const run = async (): Promise<void> => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const response = await fetch(withQuery('/api/v1/events', query), { headers: headers(false), signal: controller.signal });
        if (!response.ok || !response.body) throw new Error(`event stream: ${response.status}`);
        onState?.(true);
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end: number;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            const block = buffer.slice(0, end);
            buffer = buffer.slice(end + 2);
            let type = 'message';
            const data: string[] = [];
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) type = line.slice(6).trim();
              else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
            }
            if (data.length > 0) onEvent({ type, data: JSON.parse(data.join('\n')) });
          }
        }
      } catch {
        // dropped or refused: try again shortly
      }
      onState?.(false);
      if (!stopped) await new Promise((resolve) => setTimeout(resolve, 2_000));
    }
  };
  void run();
  return () => {
    stopped = true;
    controller?.abort();
  };
}
