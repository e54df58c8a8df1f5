/**
 * Baseline H: the smallest useful `node:http` server, answering every request with a short text.
 * Whatever Patina does per request costs on top of what this costs on the same core.
 *
 * Usage: node tools/bench/servers/hello.mjs <port>
 */
import { createServer } from 'node:http';
import process from 'node:process';
import { Buffer } from 'node:buffer';

const port = Number(process.argv[2] ?? 0);
const body = Buffer.from('hello world');

createServer((_request, response) => {
  response.writeHead(200, { 'content-type': 'text/plain', 'content-length': body.length });
  response.end(body);
}).listen(port, '127.0.0.1', () => {
  process.stdout.write(`hello listening on ${port}\n`);
});
