/* global fetch -- Node's built-in fetch (Node 18+) */
import { Buffer } from 'node:buffer';
import { randomBytes } from 'node:crypto';
import { URLSearchParams } from 'node:url';
import { tokenRequestBody, wrongSecret } from './patina.mjs';

/**
 * The measured scenarios. Each is one LoadSpec against one server; `system` says whose number it
 * is (`hello` is the baseline H, `peer` is oidc-provider). A scenario with `oneTime` sends every
 * body (S6: each holds a token Patina exchanges once) or header (S7: each a DPoP proof Patina
 * accepts once) once: before each measurement the bench makes `lines(count)` fresh ones, enough
 * for 1.5 × the fastest requests/s `pacedBy` (or the scenario itself) has shown in the phase.
 * With `freshForSeconds`, what it makes goes stale that long after it is made (a proof's iat),
 * so making them and the measurement must fit in it, or the run fails.
 *
 * @typedef {{
 *   id: string,
 *   label: string,
 *   system: 'hello' | 'patina' | 'peer',
 *   spec: import('./load.mjs').LoadSpec,
 *   oneTime?: { pacedBy: string, lines: (count: number) => string[], freshForSeconds?: number },
 *   check?: () => Promise<void>,
 * }} Scenario
 *
 * `check`: run once before the scenario is warmed up, for what the status alone cannot show
 * (S8's answer is 200 for an inactive token too); it throws when the answer is not the one meant.
 */

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const PAT_PATH = '/v3/personal-access-tokens';
/**
 * How long S7's proofs stay good: Patina's dpop.proofMaxAgeSeconds (the bench keeps the default,
 * 60) less 10 s for the clocks, the start of the generator and the last requests in flight.
 */
const DPOP_PROOFS_FRESH_SECONDS = 60 - 10;

/**
 * @typedef {{
 *   helloUrl: string,
 *   peerUrl: string,
 *   peerClient: { clientId: string, clientSecret: string },
 *   patinaUrl: string,
 *   admin: { clientId: string, clientSecret: string },
 *   adminToken: string,
 *   tenToken: string,
 *   s3Token: string,
 *   dpopToken: string,
 *   dpopProofs: (htm: string, path: string, count: number) => string[],
 *   workloadBodies: (count: number) => string[],
 * }} Targets
 *
 * `workloadBodies`: S6's request bodies, each with a workload token signed now, each good once.
 * `dpopToken`: the administrator's token bound to S7's DPoP key; `dpopProofs`: proofs for it of
 * a request `htm` to `path` (without query), signed now, each good once.
 */

/** @param {Targets} t @returns {Scenario} */
export function baseline(t) {
  return {
    id: 'H',
    label: 'H: node:http hello world',
    system: 'hello',
    spec: { url: t.helloUrl, method: 'GET', path: '/', expect: [200] },
  };
}

/** S1: the token exchange, ES256, urlencoded body, client_secret_post. @param {Targets} t */
export function tokenExchange(t, id = 'S1') {
  return /** @type {Scenario} */ ({
    id,
    label: `${id}: POST /oauth/token (Patina)`,
    system: 'patina',
    spec: {
      url: t.patinaUrl,
      method: 'POST',
      path: '/oauth/token',
      headers: FORM,
      body: tokenRequestBody(t.admin.clientId, t.admin.clientSecret),
      expect: [200],
    },
  });
}

/**
 * S2: a bearer-authenticated list of the caller's PATs: the administrator's 2, or (`ten`) another
 * owner's 10. @param {Targets} t
 */
export function patList(t, id = 'S2', ten = false) {
  return /** @type {Scenario} */ ({
    id,
    label: `${id}: GET ${PAT_PATH}?owner-id=me (${ten ? 10 : 2} PATs)`,
    system: 'patina',
    spec: {
      url: t.patinaUrl,
      method: 'GET',
      path: `${PAT_PATH}?owner-id=me`,
      headers: { authorization: `Bearer ${ten ? t.tenToken : t.adminToken}` },
      expect: [200],
    },
  });
}

/** S3: create a PAT, delete it, repeat (each a request). @param {Targets} t */
export function createDelete(t, id = 'S3') {
  return /** @type {Scenario} */ ({
    id,
    label: `${id}: PAT create + delete (each a request)`,
    system: 'patina',
    spec: {
      url: t.patinaUrl,
      kind: 'create-delete',
      method: 'POST',
      path: PAT_PATH,
      headers: { authorization: `Bearer ${t.s3Token}` },
      expect: [200, 204],
    },
  });
}

/**
 * S6: RFC 8693 token exchange of a workload's JWT (ES256, from the loopback issuer a trust policy
 * trusts, its key set cached by Patina after the first fetch); every request a token of its own.
 * @param {Targets} t
 * @returns {Scenario}
 */
export function federatedExchange(t, id = 'S6') {
  return {
    id,
    label: `${id}: POST /oauth/token, federated exchange (Patina)`,
    system: 'patina',
    spec: {
      url: t.patinaUrl,
      kind: 'once',
      method: 'POST',
      path: '/oauth/token',
      headers: FORM,
      expect: [200],
    },
    oneTime: { pacedBy: 'S1', lines: t.workloadBodies },
  };
}

/**
 * S7: S2's request with a DPoP-bound token (RFC 9449 §7.1): `Authorization: DPoP <token>` and a
 * proof of its own in the `DPoP` header on every request (Patina accepts a proof's jti once).
 * @param {Targets} t
 * @returns {Scenario}
 */
export function dpopPatList(t, id = 'S7') {
  const list = patList(t, id);
  return {
    ...list,
    label: `${id}: GET ${PAT_PATH}?owner-id=me, DPoP-bound (2 PATs)`,
    spec: {
      ...list.spec,
      kind: 'once',
      onceHeader: 'dpop',
      headers: { authorization: `DPoP ${t.dpopToken}` },
    },
    oneTime: {
      pacedBy: 'S2',
      lines: (count) => t.dpopProofs('GET', PAT_PATH, count),
      freshForSeconds: DPOP_PROOFS_FRESH_SECONDS,
    },
  };
}

/**
 * S8: RFC 7662 introspection of the administrator's access token (active), the caller
 * authenticated as @patina/verify does when its stream is stale: the PAT's client credentials
 * in HTTP Basic (RFC 6749 §2.3.1), `token` in a urlencoded body.
 * @param {Targets} t
 * @returns {Scenario}
 */
export function introspection(t, id = 'S8') {
  const enc = (value) => encodeURIComponent(value).replace(/%20/g, '+');
  const headers = {
    ...FORM,
    authorization: `Basic ${Buffer.from(`${enc(t.admin.clientId)}:${enc(t.admin.clientSecret)}`).toString('base64')}`,
  };
  const body = new URLSearchParams({ token: t.adminToken }).toString();
  const spec = {
    url: t.patinaUrl,
    method: 'POST',
    path: '/oauth/introspect',
    headers,
    body,
    expect: [200],
  };
  return {
    id,
    label: `${id}: POST /oauth/introspect (active token, client credentials)`,
    system: 'patina',
    spec,
    async check() {
      const response = await fetch(`${spec.url}${spec.path}`, { method: 'POST', headers, body });
      const answer = await response.json();
      if (response.status !== 200 || answer.active !== true) {
        throw new Error(
          `S8: introspection answered ${response.status} with active ${answer.active}, not an active token`,
        );
      }
    },
  };
}

/**
 * Everything measured with the base number of PATs: H, S1 for Patina and the peer, S2, S3, S4,
 * S6 and S7 (after S1 and S2, whose warm-ups size their first batches of tokens and proofs), S8.
 *
 * @param {Targets} t
 * @returns {Scenario[]}
 */
export function baseScenarios(t) {
  return [
    baseline(t),
    tokenExchange(t),
    {
      id: 'S1-peer',
      label: 'S1: POST /token (oidc-provider)',
      system: 'peer',
      spec: {
        url: t.peerUrl,
        method: 'POST',
        path: '/token',
        headers: FORM,
        body: tokenRequestBody(t.peerClient.clientId, t.peerClient.clientSecret),
        expect: [200],
      },
    },
    patList(t),
    patList(t, 'S2-10', true),
    createDelete(t),
    {
      id: 'S4-wrong-secret',
      label: 'S4: exchange, wrong secret',
      system: 'patina',
      spec: {
        url: t.patinaUrl,
        method: 'POST',
        path: '/oauth/token',
        headers: FORM,
        body: tokenRequestBody(t.admin.clientId, wrongSecret()),
        expect: [401],
      },
    },
    {
      id: 'S4-unknown-id',
      label: 'S4: exchange, unknown client id',
      system: 'patina',
      spec: {
        url: t.patinaUrl,
        method: 'POST',
        path: '/oauth/token',
        headers: FORM,
        body: tokenRequestBody(randomBytes(16).toString('hex'), wrongSecret()),
        expect: [401],
      },
    },
    federatedExchange(t),
    dpopPatList(t),
    introspection(t),
  ];
}

/**
 * One point of the growth curve (S5): exchange, list and create with `pats` PATs in the
 * database, with H alongside so a drift of the machine between the phases shows.
 *
 * @param {Targets} t
 * @param {number} pats
 * @returns {Scenario[]}
 */
export function growthScenarios(t, pats) {
  const h = baseline(t);
  return [
    { ...h, id: `H-${pats}`, label: `H: node:http hello world (${pats} PATs phase)` },
    tokenExchange(t, `S5-S1-${pats}`),
    patList(t, `S5-S2-${pats}`),
    createDelete(t, `S5-S3-${pats}`),
  ];
}

/**
 * S1 and S2 with Patina on PostgreSQL (one node), H alongside.
 *
 * @param {Targets} t
 * @returns {Scenario[]}
 */
export function postgresScenarios(t) {
  const h = baseline(t);
  return [
    { ...h, id: 'H-pg', label: 'H: node:http hello world (PostgreSQL phase)' },
    { ...tokenExchange(t, 'S1-pg'), label: 'S1-pg: POST /oauth/token (Patina on PostgreSQL)' },
    { ...patList(t, 'S2-pg'), label: 'S2-pg: PAT list, 2 PATs (Patina on PostgreSQL)' },
    {
      ...patList(t, 'S2-10-pg', true),
      label: 'S2-10-pg: PAT list, 10 PATs (Patina on PostgreSQL)',
    },
  ];
}

/**
 * S1 and S2 against two Patina processes on one PostgreSQL database, the load split over both
 * (one connection set each); `urls` are the two nodes.
 *
 * @param {Targets} t
 * @param {string[]} urls
 * @returns {Scenario[]}
 */
export function twoNodeScenarios(t, urls) {
  const split = (scenario, id, label) => ({
    ...scenario,
    id,
    label,
    spec: urls.map((url) => ({ ...scenario.spec, url })),
  });
  return [
    split(
      tokenExchange(t),
      'S1-pg-2nodes',
      'S1-pg-2nodes: POST /oauth/token, 2 nodes on one database',
    ),
    split(patList(t), 'S2-pg-2nodes', 'S2-pg-2nodes: PAT list, 2 nodes on one database'),
  ];
}
