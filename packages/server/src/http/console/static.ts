import fastifyStatic from '@fastify/static';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { consoleNotFound } from './refusals.js';

/** Vite puts content-hashed files under assets/: each name changes with its content. */
const IMMUTABLE = 'public, max-age=31536000, immutable';

/**
 * Where the built console is: packages/console/dist, found through the package itself so that it
 * is found wherever the workspace is installed. Undefined until `npm run build` has made it.
 */
export function consoleDistDir(): string | undefined {
  try {
    const require = createRequire(import.meta.url);
    const dist = join(dirname(require.resolve('@patina/console/package.json')), 'dist');
    return existsSync(join(dist, 'index.html')) ? dist : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The console's files: hashed assets cached for a year, index.html revalidated on every load (so
 * a new build is picked up at once), and index.html for every other page under /ui/, where the
 * console's own router takes over.
 */
export async function registerConsoleStatic(
  ui: FastifyInstance,
  options: { distDir: string | undefined },
): Promise<void> {
  const { distDir } = options;
  if (distDir === undefined) {
    ui.get('/*', { schema: { hide: true } }, (_request, reply) =>
      reply
        .code(503)
        .type('text/plain; charset=utf-8')
        .send('The web console has not been built: run `npm run build`, then restart.\n'),
    );
    return;
  }
  const assets = join(distDir, 'assets') + sep;
  await ui.register(fastifyStatic, {
    root: distDir,
    prefix: '/',
    index: false,
    wildcard: true,
    cacheControl: false,
    setHeaders: (response, path) => {
      response.setHeader('cache-control', path.startsWith(assets) ? IMMUTABLE : 'no-cache');
    },
  });
  ui.get('/', { schema: { hide: true } }, (_request, reply) =>
    reply.header('cache-control', 'no-cache').sendFile('index.html'),
  );
  ui.setNotFoundHandler((request, reply) => {
    const path = request.url.split('?')[0]!;
    const page =
      (request.method === 'GET' || request.method === 'HEAD') &&
      !/^\/ui\/(api|auth|assets)(\/|$)/.test(path) &&
      !/\.[A-Za-z0-9]+$/.test(path);
    if (!page) throw consoleNotFound('No such console resource');
    return reply.header('cache-control', 'no-cache').sendFile('index.html');
  });
}
