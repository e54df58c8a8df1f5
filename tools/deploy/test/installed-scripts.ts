/**
 * What a user of the installed packages writes in their own folder: an owner's script on the
 * SDK, a resource server on @patina/verify, and a TypeScript file importing the libraries.
 */

/**
 * An owner's script: `node pats.mjs create NAME` prints the new PAT's id and secret as JSON,
 * `node pats.mjs delete ID` deletes it. The caller's secret comes on stdin, not in argv.
 */
export const PATS_SCRIPT = `import { readFileSync } from 'node:fs';
import { PatinaClient } from '@patina/sdk';

const patina = new PatinaClient({
  baseUrl: process.env.PATINA_BASE_URL,
  clientId: process.env.PATINA_CLIENT_ID,
  clientSecret: readFileSync(0, 'utf8').trim(),
});
const [command, argument] = process.argv.slice(2);
if (command === 'create') {
  const { id, secret } = await patina.pats.create({
    name: argument,
    scope: ['sp:my-personal-access-tokens:read'],
  });
  process.stdout.write(JSON.stringify({ id, secret }));
} else if (command === 'delete') {
  await patina.pats.delete(argument);
} else {
  process.stderr.write('usage: pats.mjs create NAME | delete ID\\n');
  process.exit(2);
}
`;

/** A resource server: a token @patina/verify accepts gets its client_id; any other, the code. */
export const RESOURCE_SERVER_SCRIPT = `import { createServer } from 'node:http';
import { createVerifier } from '@patina/verify';

const issuer = process.env.PATINA_BASE_URL;
const verifier = await createVerifier({
  issuer,
  audience: issuer,
  clientId: process.env.PATINA_CLIENT_ID,
  clientSecret: process.env.PATINA_CLIENT_SECRET,
});
const server = createServer(async (request, response) => {
  const token = /^Bearer (\\S+)$/i.exec(request.headers.authorization ?? '')?.[1] ?? '';
  response.setHeader('content-type', 'application/json');
  try {
    const claims = await verifier.verify(token);
    response.end(JSON.stringify({ client_id: claims.client_id }));
  } catch (error) {
    response.statusCode = 401;
    response.end(JSON.stringify({ code: error.code ?? 'ERR_UNKNOWN' }));
  }
});
server.listen(Number(process.env.PORT), '127.0.0.1', () => console.log('listening'));
process.on('SIGTERM', () => {
  server.close();
  verifier.close().finally(() => process.exit(0));
});
`;

/** A TypeScript consumer of the three libraries: it type-checks only if their types resolve. */
export const CONSUMER = `import { API_VERSIONS, type CreatePatRequest } from '@patina/contract';
import { PatinaClient, type PatinaApiError } from '@patina/sdk';
import { createVerifier, type Verifier, type VerifyErrorCode } from '@patina/verify';

const client: PatinaClient = new PatinaClient({
  baseUrl: 'https://patina.example.com',
  clientId: 'id',
  clientSecret: 'secret',
});
const request: CreatePatRequest = { name: 'x', scope: ['sp:my-personal-access-tokens:read'] };
export const created: Promise<{ id: string; secret: string }> = client.pats.create(request);
export const verifier: Promise<Verifier> = createVerifier({
  issuer: 'https://patina.example.com',
  audience: 'https://patina.example.com',
  clientId: 'id',
  clientSecret: 'secret',
});
export const code: VerifyErrorCode = 'ERR_TOKEN_REVOKED';
export const versions: readonly string[] = API_VERSIONS;
export type Failure = PatinaApiError;
`;
