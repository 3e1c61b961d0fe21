/**
 * Request bodies: JSON only (anything else is 415), parsed by Fastify's own parser (which
 * refuses `__proto__` and `constructor.prototype` keys), except that an empty body is no
 * body: `POST /jobs/1/cancel` with `Content-Type: application/json` and nothing after it
 * is a normal request, not bad JSON.
 */
import type { FastifyInstance } from 'fastify';

export function installJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    if (text.trim().length === 0) return done(null, undefined);
    parseJson(request, text, done);
  });
}
