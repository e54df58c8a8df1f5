import {
  type Configuration,
  PersonalAccessTokensApi,
  PersonalAccessTokensBetaApi,
  PersonalAccessTokensV2024Api,
} from 'sailpoint-api-client';
import { describe, expect, it } from 'vitest';
import { HEX32, MAX_EXPIRY, START, startTestApp, UNKNOWN_ID } from '../helpers.js';
import {
  listen,
  MY_READ,
  rejection,
  SDK_USER_AGENT,
  sailPointRejection,
  sdkConfiguration,
} from './sailpoint-harness.js';

/**
 * SailPoint's own TypeScript SDK (`sailpoint-api-client`, unchanged) against a running Patina:
 * the PAT API's wire shapes (docs/rules.md, "The PAT API") and the token endpoint, which the SDK
 * calls with a multipart/form-data body (docs/rules.md, "The token endpoint").
 */

interface CreateBody {
  name: string;
  scope?: string[] | null;
  accessTokenValiditySeconds?: number;
}
interface PatchOp {
  op: 'replace';
  path: string;
  value: string;
}
interface ListParams {
  ownerId?: string;
  filters?: string;
}

/** The three SDK API classes behind one shape; only their request-object names differ. */
interface SdkPats {
  create(body: CreateBody): Promise<{ status: number; data: unknown }>;
  list(params: ListParams): Promise<{ status: number; data: unknown[] }>;
  patch(id: string, ops: PatchOp[]): Promise<{ status: number; data: unknown }>;
  delete(id: string): Promise<{ status: number }>;
}

const VERSIONS: { version: string; api: (cfg: Configuration) => SdkPats }[] = [
  {
    version: 'v3',
    api: (cfg) => {
      const api = new PersonalAccessTokensApi(cfg);
      return {
        create: (body) => api.createPersonalAccessToken({ createPersonalAccessTokenRequest: body }),
        list: (params) => api.listPersonalAccessTokens(params),
        patch: (id, ops) => api.patchPersonalAccessToken({ id, jsonPatchOperation: ops }),
        delete: (id) => api.deletePersonalAccessToken({ id }),
      };
    },
  },
  {
    version: 'beta',
    api: (cfg) => {
      const api = new PersonalAccessTokensBetaApi(cfg);
      return {
        create: (body) =>
          api.createPersonalAccessToken({ createPersonalAccessTokenRequestBeta: body }),
        list: (params) => api.listPersonalAccessTokens(params),
        patch: (id, ops) => api.patchPersonalAccessToken({ id, jsonPatchOperationBeta: ops }),
        delete: (id) => api.deletePersonalAccessToken({ id }),
      };
    },
  },
  {
    version: 'v2024',
    api: (cfg) => {
      const api = new PersonalAccessTokensV2024Api(cfg);
      return {
        create: (body) =>
          api.createPersonalAccessToken({ createPersonalAccessTokenRequestV2024: body }),
        list: (params) => api.listPersonalAccessTokens(params),
        patch: (id, ops) => api.patchPersonalAccessToken({ id, jsonPatchOperationV2024: ops }),
        delete: (id) => api.deletePersonalAccessToken({ id }),
      };
    },
  },
];

describe('SailPoint TypeScript SDK (sailpoint-api-client) against a running Patina', () => {
  it.each(VERSIONS)(
    '$version: creates, lists, patches, uses and deletes a PAT',
    async ({ version, api }) => {
      const t = await startTestApp();
      const { base, seen } = await listen(t);
      const admin = api(await sdkConfiguration(base, t.admin.patId, t.admin.secret));

      // 1. create
      const created = await admin.create({
        name: 'sdk-pat',
        scope: [MY_READ],
        accessTokenValiditySeconds: 600,
      });
      expect(created.status).toBe(200);
      const pat = created.data as { id: string; secret: string };
      expect(created.data).toEqual({
        id: expect.stringMatching(HEX32) as unknown,
        secret: expect.stringMatching(/^.{64}$/) as unknown,
        name: 'sdk-pat',
        scope: [MY_READ],
        owner: { type: 'IDENTITY', id: t.admin.identity.id, name: 'Ada Admin' },
        created: START,
        accessTokenValiditySeconds: 600,
        expirationDate: MAX_EXPIRY,
      });
      const [createdEvent] = await t
        .auditEvents('PERSONAL_ACCESS_TOKEN_CREATED')
        .then((rows) => rows.filter((row) => row.target_id === pat.id));
      expect(createdEvent?.user_agent).toMatch(SDK_USER_AGENT);
      expect(createdEvent?.actor_id).toBe(t.admin.identity.id);

      // 2. list mine, never used
      const unused = await admin.list({ ownerId: 'me', filters: 'lastUsed isnull' });
      expect(unused.status).toBe(200);
      const getShape = {
        id: pat.id,
        name: 'sdk-pat',
        scope: [MY_READ],
        owner: { type: 'IDENTITY', id: t.admin.identity.id, name: 'Ada Admin' },
        created: START,
        lastUsed: null,
        managed: false,
        accessTokenValiditySeconds: 600,
        expirationDate: MAX_EXPIRY,
        userAwareTokenNeverExpires: false,
      };
      // The admin's own "login" PAT was exchanged, so only the new one is never used.
      expect(unused.data).toEqual([getShape]);

      // 3. patch the name with the SDK's JSON Patch call
      const patched = await admin.patch(pat.id, [
        { op: 'replace', path: '/name', value: 'renamed' },
      ]);
      expect(patched.status).toBe(200);
      expect(patched.data).toEqual({ ...getShape, name: 'renamed' });

      // 4. the new PAT's credentials work through a second SDK Configuration
      t.clock.advance(1000);
      const own = api(await sdkConfiguration(base, pat.id, pat.secret));
      const mine = await own.list({ ownerId: 'me' });
      expect(mine.status).toBe(200);
      // Both were created at the same instant; the order between them is not the point here.
      expect((mine.data as { name: string }[]).map((p) => p.name).sort()).toEqual([
        'login',
        'renamed',
      ]);
      expect(mine.data.every((p) => !Object.hasOwn(p as object, 'secret'))).toBe(true);
      const used = (await t.auditEvents('PERSONAL_ACCESS_TOKEN_USED')).filter(
        (row) => row.target_id === pat.id,
      );
      expect(used).toHaveLength(1);
      expect(used[0]?.user_agent).toMatch(/^axios\/\d/);
      const tokenRequests = seen.filter((r) => r.url === '/oauth/token');
      // Both Configurations fetched their token with a multipart/form-data body.
      expect(tokenRequests).toHaveLength(2);
      for (const request of tokenRequests) {
        expect(request.method).toBe('POST');
        expect(request.contentType).toMatch(/^multipart\/form-data; boundary=/);
      }

      // 5. delete
      const deleted = await admin.delete(pat.id);
      expect(deleted.status).toBe(204);
      const after = await admin.list({ ownerId: 'me' });
      expect((after.data as { id: string }[]).map((p) => p.id)).toEqual([t.admin.patId]);

      // Every API call went to this version's base, with the SDK's own headers.
      const apiRequests = seen.filter((r) => r.url !== '/oauth/token');
      expect(apiRequests.map((r) => `${r.method} ${r.url}`)).toEqual([
        `POST /${version}/personal-access-tokens`,
        `GET /${version}/personal-access-tokens?owner-id=me&filters=lastUsed+isnull`,
        `PATCH /${version}/personal-access-tokens/${pat.id}`,
        `GET /${version}/personal-access-tokens?owner-id=me`,
        `DELETE /${version}/personal-access-tokens/${pat.id}`,
        `GET /${version}/personal-access-tokens?owner-id=me`,
      ]);
      for (const request of apiRequests) {
        expect(request.userAgent).toMatch(SDK_USER_AGENT);
        expect(request.sdkHeader).toMatch(/^typescript-/);
      }
      expect(apiRequests[2]?.contentType).toBe('application/json-patch+json');
    },
    30_000,
  );

  it.each(VERSIONS)(
    '$version: the SDK rejects a duplicate name and an unknown id with SailPoint errors',
    async ({ api }) => {
      const t = await startTestApp();
      const { base } = await listen(t);
      const admin = api(await sdkConfiguration(base, t.admin.patId, t.admin.secret));
      const before = await t.snapshot();

      const duplicate = await rejection(admin.create({ name: 'login' }));
      expect(duplicate).toMatchObject(
        sailPointRejection(
          400,
          '400.1.409 Reference conflict',
          "The owner already has a personal access token named 'login'",
          expect.any(Array),
        ),
      );

      const missing = await rejection(admin.delete(UNKNOWN_ID));
      expect(missing).toMatchObject(
        sailPointRejection(
          404,
          '404 Not found',
          `Personal access token '${UNKNOWN_ID}' was not found`,
          [],
        ),
      );
      expect(await t.snapshot()).toEqual(before);
    },
    30_000,
  );
});
