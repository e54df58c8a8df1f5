/**
 * Setup of the `workers` project (vitest.config.ts): every request of the test process goes on a
 * connection of its own, so that the node's workers, which are handed connections in turn, each
 * answer a share of every test's requests (a kept-alive connection would keep one worker).
 */
const keptAlive = globalThis.fetch;
globalThis.fetch = (input, init) => {
  const headers = new Headers(init?.headers ?? (input instanceof Request ? input.headers : {}));
  if (!headers.has('connection')) headers.set('connection', 'close');
  return keptAlive(input, { ...init, headers });
};
