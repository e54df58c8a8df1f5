import cookie from '@fastify/cookie';
import type { FastifyInstance } from 'fastify';
import { consoleErrorHandler } from '../errors/console.js';
import type { ConsoleRouteDeps } from './deps.js';
import { registerPatSignIn } from './pat-sign-in.js';
import { registerConsoleProxy } from './proxy.js';
import { installConsoleHeaders } from './security.js';
import { sessionGuard } from './session-guard.js';
import { registerSessionRoutes } from './session-route.js';
import { registerSsoSignIn } from './sso-sign-in.js';
import { registerConsoleStatic } from './static.js';

export type { ConsoleRouteDeps } from './deps.js';

/**
 * The web console, served by this process: the built single-page app at /ui/, its sign-in and
 * session endpoints at /ui/auth/, and /ui/api/, through which the console calls Patina's API with
 * its session's access token (docs/decisions.md, "The console calls the API through its
 * session"). `/` sends people to the console.
 */
export async function registerConsoleRoutes(
  app: FastifyInstance,
  deps: ConsoleRouteDeps,
): Promise<void> {
  app.get('/', { schema: { hide: true } }, (_request, reply) => reply.redirect('/ui/', 302));
  await app.register(
    async (ui) => {
      await ui.register(cookie);
      installConsoleHeaders(ui);
      ui.setErrorHandler(consoleErrorHandler);
      const session = sessionGuard(deps);
      registerSessionRoutes(ui, { ...deps, session });
      registerPatSignIn(ui, deps);
      registerSsoSignIn(ui, deps);
      await registerConsoleProxy(ui, { app, sessions: deps.sessions, session });
      await registerConsoleStatic(ui, { distDir: deps.distDir });
    },
    { prefix: '/ui' },
  );
}
