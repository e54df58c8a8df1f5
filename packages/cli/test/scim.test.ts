import { RIGHTS, SCIM_BASE, SCIM_MEDIA_TYPE, SCIM_SCHEMAS, type Identity } from '@patina/contract';
import { describe, expect, it } from 'vitest';
import { newUser } from '../../sdk/test/patina-server.js';
import { sandbox } from './run-patina.js';
import { patinaEnv, serverForTheseTests } from './test-server.js';

/** `patina identities list` says which identities the directory (SCIM) manages (issue 28). */
describe('patina identities list: the SOURCE of each identity', () => {
  const server = serverForTheseTests();

  /** A person the directory provisions over SCIM with the administrator's SCIM token. */
  async function provision(userName: string): Promise<string> {
    const token = await server.adminClient.patinaPats.create({
      name: `scim ${userName}`,
      scope: [RIGHTS.scimProvision],
    });
    if (!('secret' in token)) throw new Error('the SCIM token went to approval');
    const response = await fetch(`${server.baseUrl}${SCIM_BASE}/Users`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token.secret}`, 'content-type': SCIM_MEDIA_TYPE },
      body: JSON.stringify({
        schemas: [SCIM_SCHEMAS.user],
        userName,
        name: { givenName: 'Grace', familyName: 'Hopper' },
        emails: [{ value: userName, primary: true }],
        active: true,
      }),
    });
    expect(response.status, await response.clone().text()).toBe(201);
    return ((await response.json()) as { id: string }).id;
  }

  it('shows directory for SCIM-provisioned identities and patina for the others', async () => {
    const box = sandbox();
    const env = patinaEnv(server, server.admin);
    const id = await provision('grace@example.com');
    const other = await newUser(server);

    const listed = await box.patina(['identities', 'list'], { env });
    expect(listed.code, listed.stderr).toBe(0);
    const lines = listed.stdout.split('\n');
    expect(lines[0]).toMatch(/^LOGIN +NAME +STATUS +ROLES +SOURCE +ID$/);
    expect(lines.find((line) => line.endsWith(id))).toMatch(
      /^grace@example\.com +.+ +ACTIVE +USER +directory +[0-9a-f]{32}$/,
    );
    expect(lines.find((line) => line.endsWith(other.identity.id))).toMatch(
      / +USER +patina +[0-9a-f]{32}$/,
    );

    const json = await box.patina(['identities', 'list', '--json'], { env });
    const all = JSON.parse(json.stdout) as Identity[];
    expect(all.find((i) => i.id === id)?.directoryManaged).toBe(true);
    expect(all.find((i) => i.id === other.identity.id)?.directoryManaged ?? false).toBe(false);
  });
});
