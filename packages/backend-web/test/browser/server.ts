// A tiny static server on 127.0.0.1 for the browser tests: each route is a
// path with its body and content type; everything else is a 404.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Route {
  body: string | Uint8Array;
  type: string;
}

export interface TestServer {
  url: string;
  close(): Promise<void>;
}

export async function serve(routes: Record<string, Route>): Promise<TestServer> {
  const server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://127.0.0.1').pathname;
    const route = routes[path];
    if (route == null) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end(`not found: ${path}`);
      return;
    }
    response.writeHead(200, { 'content-type': route.type, 'cache-control': 'no-store' }).end(route.body);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
