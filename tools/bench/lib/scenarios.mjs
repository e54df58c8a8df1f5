import { randomBytes } from 'node:crypto';
import { tokenRequestBody, wrongSecret } from './patina.mjs';

/**
 * The measured scenarios. Each is one LoadSpec against one server; `system` says whose number it
 * is (`hello` is the baseline H, `peer` is oidc-provider).
 *
 * @typedef {{
 *   id: string,
 *   label: string,
 *   system: 'hello' | 'patina' | 'peer',
 *   spec: import('./load.mjs').LoadSpec,
 * }} Scenario
 */

const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const PAT_PATH = '/v3/personal-access-tokens';

/**
 * @typedef {{
 *   helloUrl: string,
 *   peerUrl: string,
 *   peerClient: { clientId: string, clientSecret: string },
 *   patinaUrl: string,
 *   admin: { clientId: string, clientSecret: string },
 *   adminToken: string,
 *   s3Token: string,
 * }} Targets
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

/** S2: a bearer-authenticated list of the caller's few PATs. @param {Targets} t */
export function patList(t, id = 'S2') {
  return /** @type {Scenario} */ ({
    id,
    label: `${id}: GET ${PAT_PATH}?owner-id=me`,
    system: 'patina',
    spec: {
      url: t.patinaUrl,
      method: 'GET',
      path: `${PAT_PATH}?owner-id=me`,
      headers: { authorization: `Bearer ${t.adminToken}` },
      expect: [200],
    },
  });
}

/**
 * Everything measured with the base number of PATs: H, S1 for Patina and the peer, S2, S3, S4.
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
    {
      id: 'S3',
      label: 'S3: PAT create + delete (each a request)',
      system: 'patina',
      spec: {
        url: t.patinaUrl,
        kind: 'create-delete',
        method: 'POST',
        path: PAT_PATH,
        headers: { authorization: `Bearer ${t.s3Token}` },
        expect: [200, 204],
      },
    },
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
  ];
}

/**
 * The scale phase: S1 and S2 again with many PATs in the database, with H alongside so a drift
 * of the machine between the phases shows.
 *
 * @param {Targets} t
 * @returns {Scenario[]}
 */
export function scaleScenarios(t) {
  const h = baseline(t);
  return [
    { ...h, id: 'H-scale', label: 'H: node:http hello world (scale phase)' },
    tokenExchange(t, 'S5-S1'),
    patList(t, 'S5-S2'),
  ];
}
