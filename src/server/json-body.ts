/**
 * Request bodies: JSON only (anything else is 415), parsed by Fastify's own parser (which
 * refuses `__proto__` and `constructor.prototype` keys), except that an empty body is no
 * body: `POST /jobs/1/cancel` with `Content-Type: application/json` and nothing after it
 * is a normal request, not bad JSON. JSON nested deeper than `MAX_DEPTH` is refused before
 * anything walks it: no request of the API needs more, and code that recurses into a value
 * (validation, error messages) must not run out of stack on `[[[[…]]]]`.
 */
import type { FastifyInstance } from 'fastify';
import { ValidationError } from '../core/errors.js';

/** Deepest nesting of arrays and objects a body may have (payloads included). */
export const MAX_DEPTH = 64;

export function installJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (text.trim().length === 0) return done(null, undefined);
    if (nestingDepth(text) > MAX_DEPTH) return done(new ValidationError('body', `JSON nested at most ${MAX_DEPTH} levels deep`, `JSON nested deeper than ${MAX_DEPTH} levels`), undefined);
    parseJson(request, text, done);
  });
}

/** The deepest nesting of `[` and `{` in JSON text, outside strings (without parsing it). */
export function nestingDepth(text: string): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const char = text.charCodeAt(i);
    if (inString) {
      if (char === 92) i++; // backslash: skip the escaped character
      else if (char === 34) inString = false;
    } else if (char === 34) inString = true;
    else if (char === 91 || char === 123) deepest = Math.max(deepest, ++depth);
    else if (char === 93 || char === 125) depth--;
  }
  return deepest;
}
