/**
 * Serves the OpenAPI document at `/api/openapi.json` and interactive docs (Swagger UI) at
 * `/docs`, with every asset from the `@fastify/swagger-ui` package on disk: nothing is
 * fetched from a CDN (Ordo runs on closed networks), and the page's content security policy
 * forbids anything but this server. Neither needs a token: the document holds no data.
 */
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { SERVICE_PATHS } from '../api/routes.js';
import { openApiDocument } from './openapi.js';

/** Only this server: Swagger UI sets inline styles, never inline scripts. */
const DOCS_CSP = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'self'; frame-ancestors 'self'";

export async function registerDocs(app: FastifyInstance): Promise<void> {
  const document = openApiDocument();
  await app.register(fastifySwagger, { mode: 'static', specification: { document: document as never } });
  await app.register(fastifySwaggerUi, {
    routePrefix: SERVICE_PATHS.docs,
    staticCSP: DOCS_CSP,
    uiConfig: { deepLinking: true, persistAuthorization: false, tryItOutEnabled: false },
    theme: { title: 'Ordo API' },
  });
  app.get(SERVICE_PATHS.openapi, async () => document);
}
