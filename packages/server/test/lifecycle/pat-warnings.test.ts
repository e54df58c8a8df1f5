import { describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../helpers.js';
import { PATINA_PATS } from './helpers.js';

const GRANTS_NOTHING = {
  code: 'GRANTS_NOTHING',
  field: 'scope',
  message:
    'None of these scopes is a right the owner holds, so every exchange of this PAT will be refused (invalid_scope) until the owner is given one of them',
};

/** A USER (who holds the my-PAT rights, not orders:read) and a PAT of theirs that grants them some. */
async function withUser(t: TestApp) {
  return t.user({ name: 'Uma', login: 'uma', roles: ['USER'] });
}

function create(t: TestApp, token: string, url: string, scope: string[]) {
  return t.request({ method: 'POST', url, token, json: { name: 'job', scope } });
}

describe('warnings on the Patina PAT resource', () => {
  it('says so when a new PAT’s scopes grant its owner nothing, and still makes it', async () => {
    const t = await startTestApp();
    const uma = await withUser(t);
    const made = await create(t, uma.token, PATINA_PATS, ['orders:read']);
    expect(made.statusCode, made.body).toBe(200);
    const body = made.json<{ id: string; secret: string; warnings: unknown }>();
    expect(body.warnings).toStrictEqual([GRANTS_NOTHING]);
    // It was made, and its exchange is refused as the warning says.
    const exchange = await t.exchange(body.id, body.secret);
    expect(exchange.json()).toMatchObject({ error: 'invalid_scope' });
    // A GET never carries warnings: they belong to the answer of the create.
    const got = await t.request({
      method: 'GET',
      url: `${PATINA_PATS}/${body.id}`,
      token: uma.token,
    });
    expect(got.json()).not.toHaveProperty('warnings');
  });

  it('has no warnings member when one scope grants something', async () => {
    const t = await startTestApp();
    const uma = await withUser(t);
    const made = await create(t, uma.token, PATINA_PATS, [
      'orders:read',
      'sp:my-personal-access-tokens:read',
    ]);
    expect(made.statusCode, made.body).toBe(200);
    expect(made.json()).not.toHaveProperty('warnings');
  });

  it('warns on a change that leaves the PAT granting nothing, not on one that does not', async () => {
    const t = await startTestApp();
    const uma = await withUser(t);
    const made = await create(t, uma.token, PATINA_PATS, ['sp:my-personal-access-tokens:read']);
    const { id } = made.json<{ id: string }>();
    const patch = (json: unknown) =>
      t.request({
        method: 'PATCH',
        url: `${PATINA_PATS}/${id}`,
        token: uma.token,
        headers: { 'content-type': 'application/merge-patch+json' },
        json,
      });
    const renamed = await patch({ name: 'renamed' });
    expect(renamed.statusCode, renamed.body).toBe(200);
    expect(renamed.json()).not.toHaveProperty('warnings');
    const narrowed = await patch({ scope: ['orders:write'] });
    expect(narrowed.statusCode, narrowed.body).toBe(200);
    expect(narrowed.json<{ warnings: unknown }>().warnings).toStrictEqual([GRANTS_NOTHING]);
  });

  it('leaves the SailPoint surfaces’ answers as SailPoint’s: no warnings member there', async () => {
    const t = await startTestApp();
    const uma = await withUser(t);
    const made = await create(t, uma.token, '/v3/personal-access-tokens', ['orders:read']);
    expect(made.statusCode, made.body).toBe(200);
    expect(made.json()).not.toHaveProperty('warnings');
  });
});
