/**
 * A real local HTTP server for `http` job tests: routes by path, every request recorded
 * (method, path, headers, body, when it arrived) and whether the client went away before
 * an answer (an aborted request). Listens on port 0 on every local address, so both
 * `localhost` and `127.0.0.1` reach it.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SeenRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
  /** The client closed the connection before the answer was complete. */
  aborted: boolean;
}

export type Route = (req: IncomingMessage, res: ServerResponse, seen: SeenRequest) => void;

export interface TestServer {
  port: number;
  /** `http://localhost:PORT` + path. */
  url(path: string, host?: string): string;
  requests: SeenRequest[];
  /** The requests made to `path`. */
  to(path: string): SeenRequest[];
  close(): Promise<void>;
}

export async function startServer(routes: Record<string, Route>): Promise<TestServer> {
  const requests: SeenRequest[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const seen: SeenRequest = { method: req.method ?? '', path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now(), aborted: false };
      requests.push(seen);
      res.on('close', () => {
        if (!res.writableFinished) seen.aborted = true;
      });
      const route = routes[path];
      if (route) route(req, res, seen);
      else res.writeHead(404, { 'content-type': 'text/plain' }).end(`no route ${path}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, resolve));
  const { port } = server.address() as AddressInfo;
  return {
    port,
    url: (path, host = 'localhost') => `http://${host}:${port}${path}`,
    requests,
    to: (path) => requests.filter((r) => r.path === path),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
