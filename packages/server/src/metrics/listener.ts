import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Scrapeable } from './metrics.js';

export const METRICS_PATH = '/metrics';
const ALLOWED = 'GET, HEAD';
/** Scrapers are few: a handful of Prometheus servers. More connections than this are refused. */
const MAX_CONNECTIONS = 32;
const REQUEST_TIMEOUT_MS = 10_000;

export interface MetricsListener {
  readonly host: string;
  readonly port: number;
  close(): Promise<void>;
}

/**
 * The scrape listener: a listener of its own (`metrics.host`, `metrics.port`), apart from the
 * public one, so the metrics can stay on a private address while the API faces the world. It
 * serves `GET /metrics` and nothing else: 404 for every other path, 405 for other methods.
 */
export async function listenForScrapes(
  metrics: Scrapeable,
  where: { host: string; port: number },
): Promise<MetricsListener> {
  const server = createServer({ requestTimeout: REQUEST_TIMEOUT_MS }, (request, response) => {
    answer(metrics, request, response).catch(() => {
      if (!response.headersSent) send(response, 500, 'metrics could not be collected\n');
      else response.destroy();
    });
  });
  server.maxConnections = MAX_CONNECTIONS;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host: where.host, port: where.port }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  return {
    host: where.host,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function answer(
  metrics: Scrapeable,
  request: IncomingMessage,
  response: ServerResponse,
): Promise<void> {
  const path = (request.url ?? '').split('?', 1)[0];
  if (path !== METRICS_PATH) return send(response, 404, 'not found; metrics are at /metrics\n');
  if (request.method !== 'GET' && request.method !== 'HEAD') {
    response.setHeader('allow', ALLOWED);
    return send(response, 405, 'method not allowed\n');
  }
  const body = await metrics.scrape();
  response.writeHead(200, {
    'content-type': metrics.contentType,
    'cache-control': 'no-store',
    'content-length': Buffer.byteLength(body),
  });
  response.end(request.method === 'HEAD' ? undefined : body);
}

function send(response: ServerResponse, status: number, text: string): void {
  response.writeHead(status, {
    'content-type': 'text/plain; charset=utf-8',
    'cache-control': 'no-store',
    'x-content-type-options': 'nosniff',
  });
  response.end(text);
}
