/**
 * Reading an `http` job's response: its body up to a byte cap (the rest is never
 * downloaded), the result kept for the job; `retryAfterMs` (core/errors.ts) is re-exported.
 */
import type { Json } from '../../core/types.js';

/** What an `http` job returns; stored as the job's result. */
export interface HttpResult {
  status: number;
  /** The headers asked for (`resultHeaders`) that the response had, by lower-case name. */
  headers: Record<string, string>;
  /** The body as UTF-8 text, at most `maxBodyBytes` of it. */
  body: string;
  /** Present (true) when the body was cut at `maxBodyBytes`. */
  truncated?: true;
  /** The body parsed, when the response says it is JSON and the body was not cut. */
  json?: Json;
  /** The URL that answered, after redirects. */
  url: string;
  /** Redirects followed. */
  redirects: number;
}

export interface BodyText {
  text: string;
  truncated: boolean;
}

/**
 * Reads at most `maxBytes` of the body and cancels the rest, so a huge or endless response
 * costs no more than the cap. A multi-byte character cut at the cap is dropped, not mangled.
 */
export async function readBody(response: Response, maxBytes: number): Promise<BodyText> {
  if (!response.body) return { text: '', truncated: false };
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  let truncated = false;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    if (size + value.byteLength > maxBytes) {
      chunks.push(value.subarray(0, maxBytes - size));
      size = maxBytes;
      truncated = true;
      await reader.cancel().catch(() => undefined);
      break;
    }
    chunks.push(value);
    size += value.byteLength;
  }
  const decoder = new TextDecoder('utf-8');
  const text = chunks.map((chunk) => decoder.decode(chunk, { stream: true })).join('') + (truncated ? '' : decoder.decode());
  return { text, truncated };
}

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/** The job's result: status, chosen headers, the capped body, and its JSON when whole. */
export function httpResult(response: Response, body: BodyText, keep: readonly string[], redirects: number): HttpResult {
  const headers: Record<string, string> = {};
  for (const name of keep) {
    const value = response.headers.get(name);
    if (value !== null) headers[name] = value;
  }
  const result: HttpResult = { status: response.status, headers, body: body.text, url: response.url, redirects };
  if (body.truncated) result.truncated = true;
  else if (JSON_TYPE.test(response.headers.get('content-type') ?? '')) {
    try {
      result.json = JSON.parse(body.text) as Json;
    } catch {
      // Says JSON but is not: the text is still there to read.
    }
  }
  return result;
}

/** The wait a `Retry-After` header asks for: the one parser, shared with handlers' own. */
export { retryAfterMs } from '../../core/errors.js';

/** A short, single-line look at a body for an error message. */
export function snippet(text: string, max = 200): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 3)}...` : line;
}
