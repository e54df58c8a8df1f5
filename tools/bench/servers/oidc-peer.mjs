/**
 * The peer: panva's certified oidc-provider (v8, which supports Node 20) issuing ES256 JWT access
 * tokens with the client_credentials grant, for a same-run comparison of token endpoints. The
 * client authenticates with client_secret_post, as Patina's S1 does; the access token is a JWT
 * for one resource server (RFC 8707 resource indicators with `accessTokenFormat: 'jwt'`).
 *
 * Usage: node tools/bench/servers/oidc-peer.mjs <port> <client_id> <client_secret>
 */
import { generateKeyPairSync, randomBytes } from 'node:crypto';
import Provider from 'oidc-provider';
import process from 'node:process';

const [portArg, clientId, clientSecret] = process.argv.slice(2);
if (!portArg || !clientId || !clientSecret) {
  throw new Error('usage: oidc-peer.mjs <port> <client_id> <client_secret>');
}
const port = Number(portArg);
const issuer = `http://127.0.0.1:${port}`;
const resource = 'urn:patina-bench:api';

const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const es256 = {
  ...privateKey.export({ format: 'jwk' }),
  kid: 'bench-es256',
  alg: 'ES256',
  use: 'sig',
};

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: clientId,
      client_secret: clientSecret,
      grant_types: ['client_credentials'],
      redirect_uris: [],
      response_types: [],
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'ES256',
    },
  ],
  jwks: { keys: [es256] },
  enabledJWA: { idTokenSigningAlgValues: ['ES256'] },
  scopes: ['api:read'],
  ttl: { ClientCredentials: 3600 },
  cookies: { keys: [randomBytes(32).toString('base64url')] },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: () => ({
        scope: 'api:read',
        audience: resource,
        accessTokenTTL: 3600,
        accessTokenFormat: 'jwt',
        jwt: { sign: { alg: 'ES256' } },
      }),
    },
  },
});

provider.listen(port, '127.0.0.1');
process.stdout.write(`oidc-provider listening on ${port}\n`);
