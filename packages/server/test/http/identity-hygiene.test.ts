import { describe, expect, it } from 'vitest';
import {
  expectRefused,
  ILLEGAL,
  REFERENCE_CONFLICT,
  startTestApp,
  type TestApp,
} from '../helpers.js';

const IDENTITIES = '/patina/v1/identities';
const INVISIBLE =
  "'name' must not contain control or invisible characters (such as line breaks, escapes, zero-width spaces or direction overrides)";

function create(t: TestApp, body: unknown) {
  return t.request({ method: 'POST', url: IDENTITIES, token: t.admin.token, json: body });
}

describe('identity names and logins', () => {
  it.each([
    ['NUL', 'Ada\u0000'],
    ['CR/LF', 'Ada\r\nAdmin'],
    ['an ANSI escape', '\u001b[31mAda'],
    ['an RTL override', 'Ada\u202Eevil'],
    ['only a zero-width space', '\u200B'],
    ['a zero-width joiner at the end', 'Ada\u200D'],
    ['a line separator', 'Ada\u2028Admin'],
  ])('refuses a name with %s', async (_what, name) => {
    const t = await startTestApp();
    await expectRefused(t, () => create(t, { name, login: 'eve' }), [400, ILLEGAL, INVISIBLE]);
  });

  it('refuses the same in a renaming', async () => {
    const t = await startTestApp();
    const bob = await t.user({ name: 'Bob', login: 'bob' });
    await expectRefused(t, () => t.patchIdentity(bob.identity.id, { name: 'Bob\u0000' }), [
      400,
      ILLEGAL,
      INVISIBLE,
    ]);
  });

  it('refuses a lone surrogate', async () => {
    const t = await startTestApp();
    await expectRefused(
      t,
      () =>
        t.app.inject({
          method: 'POST',
          url: IDENTITIES,
          headers: { authorization: `Bearer ${t.admin.token}`, 'content-type': 'application/json' },
          payload: '{"name":"Ada \\ud800","login":"eve"}',
        }),
      [400, ILLEGAL, "'name' must be valid Unicode text: it has a lone surrogate"],
    );
  });

  it('keeps names in NFC, and takes what real names and emoji need', async () => {
    const t = await startTestApp();
    const cases = [
      ['Jose\u0301 Garci\u0301a', 'José García'],
      ['Ada 👩‍💻', 'Ada 👩‍💻'],
      ['می‌خواهم', 'می‌خواهم'],
      ['Zoë O’Brien-Łukasz', 'Zoë O’Brien-Łukasz'],
    ];
    for (const [i, [sent, kept]] of cases.entries()) {
      const response = await create(t, { name: sent, login: `person${i}` });
      expect(response.statusCode, response.body).toBe(201);
      expect(response.json<{ name: string }>().name).toBe(kept);
    }
  });

  it('makes logins unique whatever their case', async () => {
    const t = await startTestApp();
    // The admin's login is `ada`.
    await expectRefused(t, () => create(t, { name: 'Impostor', login: 'ADA' }), [
      400,
      REFERENCE_CONFLICT,
      "An identity with login 'ADA' already exists",
    ]);
  });
});
